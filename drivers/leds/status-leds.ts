/**
 * Status LEDs: the device's state at a glance. The appliance says what it is in; the driver
 * decides how that looks on its LEDs (steady, blinking) and keeps showing it.
 */

export type LedPattern = 'ready' | 'busy' | 'attention' | 'fault' | 'offline' | 'off';

export interface StatusLeds {
  readonly kind: 'gpio' | 'simulated';
  show(pattern: LedPattern): void;
  current(): LedPattern;
  close(): Promise<void>;
}
