import { describe, expect, it } from 'vitest';
import {
  lastClosingBefore,
  wallClockInstant,
} from '../../../../appliance/src/core/visit/closing-time.js';

describe('closing time', () => {
  const closing = { time: '18:30', timeZone: 'Europe/Amsterdam' };

  it('is today’s closing once it has passed, yesterday’s before', () => {
    // 2031-06-10 18:45 in Amsterdam (CEST, UTC+2)
    expect(lastClosingBefore(new Date('2031-06-10T16:45:00Z'), closing).toISOString()).toBe(
      '2031-06-10T16:30:00.000Z',
    );
    expect(lastClosingBefore(new Date('2031-06-10T16:15:00Z'), closing).toISOString()).toBe(
      '2031-06-09T16:30:00.000Z',
    );
  });

  it('follows the site’s daylight-saving changes', () => {
    // Winter: UTC+1.
    expect(wallClockInstant('2031-01-15', '18:30', 'Europe/Amsterdam').toISOString()).toBe(
      '2031-01-15T17:30:00.000Z',
    );
    // The Sunday the clocks go back (2031-10-26): the evening is already UTC+1.
    expect(wallClockInstant('2031-10-26', '18:30', 'Europe/Amsterdam').toISOString()).toBe(
      '2031-10-26T17:30:00.000Z',
    );
  });

  it('counts an instant exactly at closing time as closed', () => {
    expect(lastClosingBefore(new Date('2031-01-15T17:30:00Z'), closing).toISOString()).toBe(
      '2031-01-15T17:30:00.000Z',
    );
  });
});
