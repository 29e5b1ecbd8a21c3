import { describe, expect, it } from 'vitest';
import {
  DEFAULT_VALIDITY_POLICY,
  cardValidity,
} from '../../../../appliance/src/core/card/card-validity.js';

const today = new Date('2026-11-26T10:00:00Z');

describe('card validity', () => {
  it('gives a visitor the day of the visit', () => {
    expect(cardValidity('visitor', today, DEFAULT_VALIDITY_POLICY)).toEqual({
      validFrom: '2026-11-26',
      validUntil: '2026-11-26',
    });
  });

  it('gives a contractor their end date, within the policy', () => {
    expect(
      cardValidity('contractor', today, DEFAULT_VALIDITY_POLICY, '2027-03-31').validUntil,
    ).toBe('2027-03-31');
    expect(() => cardValidity('contractor', today, DEFAULT_VALIDITY_POLICY)).toThrow(/end date/);
    expect(() => cardValidity('contractor', today, DEFAULT_VALIDITY_POLICY, '2026-11-25')).toThrow(
      /past/,
    );
    expect(() => cardValidity('contractor', today, DEFAULT_VALIDITY_POLICY, '2029-01-01')).toThrow(
      /at most/,
    );
    expect(() => cardValidity('contractor', today, DEFAULT_VALIDITY_POLICY, '2027-02-30')).toThrow(
      /YYYY-MM-DD/,
    );
  });

  it('gives an employee the configured years', () => {
    expect(cardValidity('employee', today, DEFAULT_VALIDITY_POLICY).validUntil).toBe('2031-11-26');
  });
});
