/**
 * Status LEDs on three GPIO lines (green, amber, red) through onoff (sysfs GPIO). The pattern
 * table lives in led-schedule.ts; this driver only turns it into line levels and, for blinking
 * patterns, one unref'd interval timer that never keeps the process alive. Lines start low (off)
 * when opened and are switched off and released (unexported) on close.
 *
 * Writes are best-effort: a lamp that cannot be set must not stop card production, so write
 * errors go to `onError` and the driver carries on.
 */
import { createRequire } from 'node:module';
import { DeviceError } from '../errors.js';
import {
  LED_COLOURS,
  ledLevelsAt,
  ledScheduleFor,
  ledTickMs,
  type LedColour,
  type LedSchedule,
} from './led-schedule.js';
import type { LedPattern, StatusLeds } from './status-leds.js';
import { detectSysfsGpioBase } from './sysfs-gpio-base.js';

/** The part of onoff's `Gpio` this driver uses. */
export interface GpioLine {
  writeSync(value: 0 | 1): void;
  unexport(): void;
}

export interface GpioConstructor {
  new (
    gpio: number,
    direction: 'low',
    edge: 'none',
    options: { activeLow: boolean; reconfigureDirection: boolean },
  ): GpioLine;
  /** onoff: whether sysfs GPIO exists and is writable for this user. */
  readonly accessible: boolean;
}

export interface GpioStatusLedsOptions {
  /** BCM line numbers (header GPIO numbers) of the three lamps. */
  pins: Record<LedColour, number>;
  /** Lamps wired from 3.3 V to the GPIO pin (lit when the pin is low). */
  activeLow?: boolean;
  /** sysfs number of BCM line 0; found from /sys/class/gpio when not given. */
  gpioBase?: number;
  /** onoff's Gpio class; tests pass a stub. */
  Gpio?: GpioConstructor;
  onError?: (err: unknown) => void;
}

function loadOnoff(): GpioConstructor {
  // onoff is CommonJS with a native addon (epoll) that only builds on Linux: load it only
  // when GPIO LEDs are configured, so other machines never need it.
  const require = createRequire(import.meta.url);
  return (require('onoff') as { Gpio: GpioConstructor }).Gpio;
}

export class GpioStatusLeds implements StatusLeds {
  readonly kind = 'gpio' as const;
  private pattern: LedPattern = 'off';
  private schedule: LedSchedule = ledScheduleFor('off');
  private elapsedMs = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly levels: Record<LedColour, boolean | null> = {
    green: null,
    amber: null,
    red: null,
  };
  private closed = false;

  private constructor(
    private readonly lines: Record<LedColour, GpioLine>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /**
   * Exports the three lines as outputs, all off. Errors: `DeviceError` `GPIO_UNAVAILABLE` when
   * sysfs GPIO is missing or not writable for this user (not in the `gpio` group), or a line
   * cannot be exported; lines already exported are released again.
   */
  static open(options: GpioStatusLedsOptions): GpioStatusLeds {
    const Gpio = options.Gpio ?? loadOnoff();
    if (!Gpio.accessible) {
      throw new DeviceError(
        'GPIO_UNAVAILABLE',
        'GPIO is not accessible (no /sys/class/gpio, or the user is not in the gpio group)',
      );
    }
    const base = options.gpioBase ?? detectSysfsGpioBase();
    const opened: Partial<Record<LedColour, GpioLine>> = {};
    try {
      for (const colour of LED_COLOURS) {
        opened[colour] = new Gpio(base + options.pins[colour], 'low', 'none', {
          activeLow: options.activeLow ?? false,
          reconfigureDirection: true,
        });
      }
    } catch (err) {
      for (const line of Object.values(opened)) releaseQuietly(line);
      throw new DeviceError('GPIO_UNAVAILABLE', 'a status LED line cannot be exported', {
        cause: err,
      });
    }
    const leds = new GpioStatusLeds(
      opened as Record<LedColour, GpioLine>,
      options.onError ?? (() => {}),
    );
    leds.apply();
    return leds;
  }

  show(pattern: LedPattern): void {
    if (this.closed || pattern === this.pattern) return;
    this.stopTimer();
    this.pattern = pattern;
    this.schedule = ledScheduleFor(pattern);
    this.elapsedMs = 0;
    this.apply();
    const tickMs = ledTickMs(this.schedule);
    if (tickMs !== null) {
      this.timer = setInterval(() => {
        this.elapsedMs += tickMs;
        this.apply();
      }, tickMs);
      // The LEDs never keep the service alive on their own.
      this.timer.unref();
    }
  }

  current(): LedPattern {
    return this.pattern;
  }

  /** Switches every lamp off and releases the lines; `show` does nothing afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.stopTimer();
    this.schedule = ledScheduleFor('off');
    this.apply();
    this.closed = true;
    this.pattern = 'off';
    for (const colour of LED_COLOURS) releaseQuietly(this.lines[colour], this.onError);
  }

  private apply(): void {
    const levels = ledLevelsAt(this.schedule, this.elapsedMs);
    for (const colour of LED_COLOURS) {
      // Only edges are written: a steady lamp costs no sysfs writes while others blink.
      if (this.levels[colour] === levels[colour]) continue;
      try {
        this.lines[colour].writeSync(levels[colour] ? 1 : 0);
        this.levels[colour] = levels[colour];
      } catch (err) {
        this.levels[colour] = null;
        this.onError(err);
      }
    }
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

function releaseQuietly(line: GpioLine | undefined, onError?: (err: unknown) => void): void {
  try {
    line?.unexport();
  } catch (err) {
    onError?.(err);
  }
}
