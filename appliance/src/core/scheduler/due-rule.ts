/**
 * When a scheduled job is due: every N milliseconds after its last run, or once a day at a
 * time of day in the device's time zone. Pure: the instant "now" and the last run come in as
 * arguments, the time-zone arithmetic uses only the built-in Intl database. Must not depend
 * on a clock, a timer or the store.
 */
import { InvalidInputError } from '../errors.js';

export type DueRule =
  | { kind: 'interval'; everyMs: number }
  /** `at` is 'HH:MM' (24 h) in `timeZone` (IANA name, e.g. 'Europe/Berlin'). */
  | { kind: 'daily'; at: string; timeZone: string };

const DAY_MS = 86_400_000;

export function checkDueRule(rule: DueRule): void {
  checkDueRuleShape(rule);
  if (rule.kind === 'daily') zoneOffsetMs(new Date(0), rule.timeZone);
}

/**
 * The rule's form without its time zone: the zone needs the Intl time-zone database, whose
 * first use costs tens of milliseconds of CPU (checkDueRule does the whole check).
 */
export function checkDueRuleShape(rule: DueRule): void {
  if (rule.kind === 'interval') {
    if (!Number.isInteger(rule.everyMs) || rule.everyMs < 1000)
      throw new InvalidInputError('an interval job runs at most once a second (everyMs >= 1000)');
    return;
  }
  parseTimeOfDay(rule.at);
}

/**
 * The instant the job is next due, given when it last ran (null: never). A job that never
 * ran is due at once: its first run covers everything before it. A daily job is due at the
 * first occurrence of its time of day strictly after its last run, so a device that was off
 * for a week finds it overdue once, not seven times.
 */
export function nextDueAt(rule: DueRule, lastRunAt: Date | null): Date | null {
  if (lastRunAt === null) return null;
  if (rule.kind === 'interval') return new Date(lastRunAt.getTime() + rule.everyMs);
  const { hours, minutes } = parseTimeOfDay(rule.at);
  const local = localParts(lastRunAt, rule.timeZone);
  for (let dayOffset = 0; dayOffset <= 2; dayOffset++) {
    const candidate = zonedToInstant(
      { year: local.year, month: local.month, day: local.day + dayOffset, hours, minutes },
      rule.timeZone,
    );
    if (candidate.getTime() > lastRunAt.getTime()) return candidate;
  }
  // Unreachable for real zones (a day later is always later); kept total for the type.
  return new Date(lastRunAt.getTime() + DAY_MS);
}

/** Whether the job must run at `now`. */
export function isDue(rule: DueRule, lastRunAt: Date | null, now: Date): boolean {
  const due = nextDueAt(rule, lastRunAt);
  return due === null || due.getTime() <= now.getTime();
}

/** The calendar date ('YYYY-MM-DD') at `instant` in `timeZone`. */
export function localDate(instant: Date, timeZone: string): string {
  const p = localParts(instant, timeZone);
  return `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

function parseTimeOfDay(at: string): { hours: number; minutes: number } {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(at);
  if (!m) throw new InvalidInputError(`a daily time must be HH:MM, got ${JSON.stringify(at)}`);
  return { hours: Number(m[1]), minutes: Number(m[2]) };
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hours: number;
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      throw new InvalidInputError(`unknown time zone ${JSON.stringify(timeZone)}`);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

function localParts(instant: Date, timeZone: string): LocalParts & { seconds: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(instant))
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return {
    year: parts.year as number,
    month: parts.month as number,
    day: parts.day as number,
    hours: parts.hour as number,
    minutes: parts.minute as number,
    seconds: parts.second as number,
  };
}

/** Local wall-clock time minus UTC at `instant`, in ms (e.g. +3 600 000 for CET). */
function zoneOffsetMs(instant: Date, timeZone: string): number {
  const p = localParts(instant, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hours, p.minutes, p.seconds);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/**
 * The instant at which the wall clock in `timeZone` shows this local time. Day overflow
 * (day 32) rolls into the next month as Date.UTC does. A local time skipped by a DST jump
 * maps to the instant one offset later (02:30 on a spring-forward day becomes 03:30).
 */
function zonedToInstant(local: LocalParts, timeZone: string): Date {
  const guess = Date.UTC(local.year, local.month - 1, local.day, local.hours, local.minutes);
  const first = guess - zoneOffsetMs(new Date(guess), timeZone);
  const second = guess - zoneOffsetMs(new Date(first), timeZone);
  return new Date(second);
}
