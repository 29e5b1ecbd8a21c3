/**
 * How long a card is valid, by card type: a visitor's card until the end of the visit day,
 * a contractor's until the end date of their engagement, an employee's for a configured
 * number of years. Dates are calendar dates ('YYYY-MM-DD') in the device's time zone as
 * the clock gives it. Pure.
 */
import { InvalidInputError } from '../errors.js';
import type { CardType } from '../workflow/processes.js';

export interface Validity {
  validFrom: string;
  validUntil: string;
}

export interface ValidityPolicy {
  employeeYears: number;
  /** The longest a contractor card may run, in days. */
  contractorMaxDays: number;
}

export const DEFAULT_VALIDITY_POLICY: ValidityPolicy = { employeeYears: 5, contractorMaxDays: 366 };

export function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function parseIsoDate(s: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return null;
  const d = new Date(`${s}T00:00:00.000Z`);
  return Number.isNaN(d.getTime()) || isoDate(d) !== s ? null : d;
}

export function cardValidity(
  cardType: CardType,
  today: Date,
  policy: ValidityPolicy,
  requestedUntil?: string | null,
): Validity {
  const validFrom = isoDate(today);
  switch (cardType) {
    case 'visitor':
      return { validFrom, validUntil: validFrom };
    case 'contractor': {
      if (!requestedUntil)
        throw new InvalidInputError('a contractor card needs an end date (validUntil)');
      const until = parseIsoDate(requestedUntil);
      if (!until) throw new InvalidInputError('validUntil must be a date as YYYY-MM-DD');
      if (isoDate(until) < validFrom)
        throw new InvalidInputError('validUntil must not be in the past');
      const max = new Date(today.getTime() + policy.contractorMaxDays * 86_400_000);
      if (until > max) {
        throw new InvalidInputError(
          `a contractor card may run at most ${policy.contractorMaxDays} days`,
        );
      }
      return { validFrom, validUntil: requestedUntil };
    }
    case 'employee': {
      const until = new Date(today);
      until.setUTCFullYear(until.getUTCFullYear() + policy.employeeYears);
      return { validFrom, validUntil: isoDate(until) };
    }
  }
}
