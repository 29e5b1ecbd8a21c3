/**
 * The site's closing time: visits still open then are ended. The time is a wall-clock
 * "HH:MM" in the site's IANA time zone; `lastClosingBefore(now)` is the most recent such
 * instant at or before `now`, so a device that was off at closing time still ends the
 * visits that were open then when it comes back. Pure: uses Intl only, no clock.
 */
export interface ClosingTime {
  /** "HH:MM", 24-hour. */
  time: string;
  timeZone: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function offsetMs(instant: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const n = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The local calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function localDate(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(instant);
}

/** The instant at which the wall clock in `timeZone` shows `date` `time`. */
export function wallClockInstant(date: string, time: string, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hh, mm] = time.split(':').map(Number) as [number, number];
  const guess = Date.UTC(y, m - 1, d, hh, mm);
  // Two rounds settle the offset also across a daylight-saving change.
  let instant = guess - offsetMs(new Date(guess), timeZone);
  instant = guess - offsetMs(new Date(instant), timeZone);
  return new Date(instant);
}

export function lastClosingBefore(now: Date, closing: ClosingTime): Date {
  const today = wallClockInstant(localDate(now, closing.timeZone), closing.time, closing.timeZone);
  if (today.getTime() <= now.getTime()) return today;
  const yesterday = localDate(new Date(today.getTime() - DAY_MS), closing.timeZone);
  return wallClockInstant(yesterday, closing.time, closing.timeZone);
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
