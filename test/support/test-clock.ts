/**
 * A clock tests move by hand. By default it starts at a fixed instant, which is right only for
 * a test whose every time reader is this clock; a test that also meets something made at the
 * real time (a certificate from a central CA or an EST server, a TLS handshake, a child
 * process) starts it with `TestClock.startingNow()` so both agree.
 */
import type { Clock } from '../../appliance/src/core/ports.js';
import { clockShiftDays } from './clock-shift.js';

const DAY_MS = 86_400_000;

/** The default instant; the clock-shift runs move it with the wall clock (clock-shift.ts). */
export function defaultTestInstant(): Date {
  return new Date(Date.parse('2026-11-26T09:00:00.000Z') + clockShiftDays() * DAY_MS);
}

export class TestClock implements Clock {
  constructor(private current = defaultTestInstant()) {}

  /** A test clock starting at the wall clock's current instant (then moved only by hand). */
  static startingNow(): TestClock {
    return new TestClock(new Date());
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}
