import { describe, expect, it } from 'vitest';
import {
  FAST_BLINK_PERIOD_MS,
  LED_COLOURS,
  ledLevelsAt,
  ledScheduleFor,
  ledTickMs,
  SLOW_BLINK_PERIOD_MS,
} from '../../../drivers/leds/led-schedule.js';
import type { LedPattern } from '../../../drivers/leds/status-leds.js';

const PATTERNS: LedPattern[] = ['ready', 'busy', 'attention', 'offline', 'fault', 'off'];

/** The lamps over two seconds sampled every 125 ms: what a person watching would see. */
function filmstrip(pattern: LedPattern): string {
  const schedule = ledScheduleFor(pattern);
  const frames: string[] = [];
  for (let t = 0; t < 2000; t += 125) {
    const lit = ledLevelsAt(schedule, t);
    frames.push(LED_COLOURS.map((c) => (lit[c] ? c[0] : '.')).join(''));
  }
  return frames.join(' ');
}

describe('LED schedule', () => {
  it('shows ready as steady green', () => {
    expect(ledScheduleFor('ready')).toEqual({
      green: { mode: 'steady' },
      amber: { mode: 'off' },
      red: { mode: 'off' },
    });
  });

  it('blinks green slowly while busy, amber slowly for attention, red fast on a fault', () => {
    expect(ledScheduleFor('busy').green).toEqual({ mode: 'blink', periodMs: SLOW_BLINK_PERIOD_MS });
    expect(ledScheduleFor('attention').amber).toEqual({
      mode: 'blink',
      periodMs: SLOW_BLINK_PERIOD_MS,
    });
    expect(ledScheduleFor('fault').red).toEqual({ mode: 'blink', periodMs: FAST_BLINK_PERIOD_MS });
  });

  it('shows offline as steady green and steady amber', () => {
    expect(filmstrip('offline')).toBe(Array(16).fill('ga.').join(' '));
  });

  it('gives every pattern a look of its own', () => {
    const looks = PATTERNS.map(filmstrip);
    expect(new Set(looks).size).toBe(PATTERNS.length);
  });

  it('starts a blink lit and turns it off at half the period', () => {
    const busy = ledScheduleFor('busy');
    expect(ledLevelsAt(busy, 0).green).toBe(true);
    expect(ledLevelsAt(busy, 499).green).toBe(true);
    expect(ledLevelsAt(busy, 500).green).toBe(false);
    expect(ledLevelsAt(busy, 1000).green).toBe(true);
    const fault = ledScheduleFor('fault');
    expect([0, 125, 250, 375].map((t) => ledLevelsAt(fault, t).red)).toEqual([
      true,
      false,
      true,
      false,
    ]);
  });

  it('needs a timer only for blinking patterns, stepping at the half period', () => {
    expect(ledTickMs(ledScheduleFor('ready'))).toBeNull();
    expect(ledTickMs(ledScheduleFor('offline'))).toBeNull();
    expect(ledTickMs(ledScheduleFor('off'))).toBeNull();
    expect(ledTickMs(ledScheduleFor('busy'))).toBe(500);
    expect(ledTickMs(ledScheduleFor('fault'))).toBe(125);
    expect(
      ledTickMs({
        green: { mode: 'blink', periodMs: 1000 },
        amber: { mode: 'blink', periodMs: 300 },
        red: { mode: 'off' },
      }),
    ).toBe(50);
  });
});
