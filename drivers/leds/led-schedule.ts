/**
 * What each status pattern looks like on the three lamps (green, amber, red): the pure part of
 * the LED driver, like a codec. A pattern maps to one signal per lamp (off, steady, or blinking
 * with a period); `ledLevelsAt` says which lamps are lit at a moment of the pattern. No timers
 * and no GPIO here, so the table is checked exhaustively in unit tests and documented once.
 *
 * | pattern     | green          | amber          | red            | meaning                          |
 * | ----------- | -------------- | -------------- | -------------- | -------------------------------- |
 * | `ready`     | steady         | off            | off            | takes requests                   |
 * | `busy`      | slow blink     | off            | off            | producing a card                 |
 * | `attention` | off            | slow blink     | off            | a card waits for its holder      |
 * | `offline`   | steady         | steady         | off            | works, but the centre is unreachable |
 * | `fault`     | off            | off            | fast blink     | a device needs an operator       |
 * | `off`       | off            | off            | off            | stopped                          |
 *
 * Slow blink: 1 s period (0.5 s on, 0.5 s off); fast blink: 0.25 s period, which reads as
 * urgent from across a lobby. Every pattern differs from every other one in the lamps lit or
 * in their rhythm, so a colour-blind operator can still tell them apart by position and rhythm.
 */
import type { LedPattern } from './status-leds.js';

export type LedColour = 'green' | 'amber' | 'red';
export const LED_COLOURS: readonly LedColour[] = ['green', 'amber', 'red'];

export const SLOW_BLINK_PERIOD_MS = 1000;
export const FAST_BLINK_PERIOD_MS = 250;

export type LedSignal =
  | { mode: 'off' }
  | { mode: 'steady' }
  /** On for the first half of each period, off for the second, starting lit. */
  | { mode: 'blink'; periodMs: number };

export type LedSchedule = Readonly<Record<LedColour, LedSignal>>;

const OFF: LedSignal = { mode: 'off' };
const STEADY: LedSignal = { mode: 'steady' };
const SLOW: LedSignal = { mode: 'blink', periodMs: SLOW_BLINK_PERIOD_MS };
const FAST: LedSignal = { mode: 'blink', periodMs: FAST_BLINK_PERIOD_MS };

const SCHEDULES: Readonly<Record<LedPattern, LedSchedule>> = {
  ready: { green: STEADY, amber: OFF, red: OFF },
  busy: { green: SLOW, amber: OFF, red: OFF },
  attention: { green: OFF, amber: SLOW, red: OFF },
  offline: { green: STEADY, amber: STEADY, red: OFF },
  fault: { green: OFF, amber: OFF, red: FAST },
  off: { green: OFF, amber: OFF, red: OFF },
};

export function ledScheduleFor(pattern: LedPattern): LedSchedule {
  return SCHEDULES[pattern];
}

/** Which lamps are lit `elapsedMs` after the pattern started. */
export function ledLevelsAt(schedule: LedSchedule, elapsedMs: number): Record<LedColour, boolean> {
  const lit = (signal: LedSignal): boolean => {
    if (signal.mode === 'off') return false;
    if (signal.mode === 'steady') return true;
    return elapsedMs % signal.periodMs < signal.periodMs / 2;
  };
  return { green: lit(schedule.green), amber: lit(schedule.amber), red: lit(schedule.red) };
}

/**
 * The timer step that hits every on/off edge of the schedule: the greatest common divisor of
 * the blinking lamps' half periods; null when nothing blinks (no timer needed).
 */
export function ledTickMs(schedule: LedSchedule): number | null {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let tick: number | null = null;
  for (const colour of LED_COLOURS) {
    const signal = schedule[colour];
    if (signal.mode !== 'blink') continue;
    const half = signal.periodMs / 2;
    tick = tick === null ? half : gcd(tick, half);
  }
  return tick;
}
