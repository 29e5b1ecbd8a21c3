/** When a scheduled job is due: intervals, daily wall-clock times in a zone, DST, catch-up. */
import { describe, expect, it } from 'vitest';
import {
  checkDueRule,
  isDue,
  localDate,
  nextDueAt,
} from '../../../../appliance/src/core/scheduler/due-rule.js';

const t = (iso: string) => new Date(iso);

describe('due rules', () => {
  it('makes a job that never ran due at once', () => {
    expect(nextDueAt({ kind: 'interval', everyMs: 60_000 }, null)).toBeNull();
    expect(
      isDue({ kind: 'daily', at: '03:00', timeZone: 'UTC' }, null, t('2031-05-01T12:00:00Z')),
    ).toBe(true);
  });

  it('makes an interval job due everyMs after its last run, not before', () => {
    const rule = { kind: 'interval', everyMs: 300_000 } as const;
    const last = t('2031-05-01T12:00:00Z');
    expect(isDue(rule, last, t('2031-05-01T12:04:59.999Z'))).toBe(false);
    expect(isDue(rule, last, t('2031-05-01T12:05:00Z'))).toBe(true);
  });

  it('makes a daily job due at the next wall-clock time in its zone after the last run', () => {
    const rule = { kind: 'daily', at: '03:00', timeZone: 'Europe/Berlin' } as const;
    // 03:00 in Berlin in winter is 02:00 UTC.
    expect(nextDueAt(rule, t('2031-01-10T01:59:00Z'))).toEqual(t('2031-01-10T02:00:00Z'));
    expect(nextDueAt(rule, t('2031-01-10T02:00:00Z'))).toEqual(t('2031-01-11T02:00:00Z'));
    // Summer time: 01:00 UTC.
    expect(nextDueAt(rule, t('2031-07-10T12:00:00Z'))).toEqual(t('2031-07-11T01:00:00Z'));
  });

  it('crosses a daylight-saving change at the same wall-clock time', () => {
    const rule = { kind: 'daily', at: '23:30', timeZone: 'America/New_York' } as const;
    // 2031-03-09 is the spring-forward Sunday in the US (second Sunday of March).
    expect(nextDueAt(rule, t('2031-03-08T12:00:00Z'))).toEqual(t('2031-03-09T04:30:00Z'));
    expect(nextDueAt(rule, t('2031-03-09T04:30:00Z'))).toEqual(t('2031-03-10T03:30:00Z'));
  });

  it('is overdue once after a long downtime, whatever the number of missed days', () => {
    const rule = { kind: 'daily', at: '03:00', timeZone: 'UTC' } as const;
    const last = t('2031-01-01T03:00:00Z');
    expect(nextDueAt(rule, last)).toEqual(t('2031-01-02T03:00:00Z'));
    expect(isDue(rule, last, t('2031-01-20T10:00:00Z'))).toBe(true);
  });

  it('gives the calendar date in a zone', () => {
    expect(localDate(t('2031-01-10T23:30:00Z'), 'Europe/Berlin')).toBe('2031-01-11');
    expect(localDate(t('2031-01-10T23:30:00Z'), 'UTC')).toBe('2031-01-10');
  });

  it('refuses bad times, unknown zones and sub-second intervals', () => {
    expect(() => checkDueRule({ kind: 'daily', at: '24:00', timeZone: 'UTC' })).toThrow(/HH:MM/);
    expect(() => checkDueRule({ kind: 'daily', at: '03:00', timeZone: 'Mars/Olympus' })).toThrow(
      /time zone/,
    );
    expect(() => checkDueRule({ kind: 'interval', everyMs: 10 })).toThrow(/once a second/);
  });
});
