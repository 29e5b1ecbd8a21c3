/**
 * Card numbers: allocated from number ranges the device holds, each number carrying a Luhn
 * (mod 10) check digit as its last digit. A range is a span of base numbers; the allocation
 * cursor only moves forward, so a number is never handed out twice on this device, even
 * after a request is cancelled. Pure; depends on nothing outside core.
 */
import { DomainError, InvalidInputError } from '../errors.js';

export interface NumberRange {
  id: string;
  /** First base number (without check digit). */
  first: number;
  /** Last base number, inclusive. */
  last: number;
  /** Next base number to hand out; last + 1 when exhausted. */
  next: number;
}

/** Luhn check digit for a string of digits. */
export function luhnCheckDigit(digits: string): number {
  if (!/^\d+$/.test(digits)) throw new InvalidInputError('a card number base must be digits only');
  let sum = 0;
  // Double every second digit from the right of the base (the check digit will sit right of it).
  for (let i = digits.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export function withCheckDigit(base: number, baseDigits: number): string {
  const s = String(base).padStart(baseDigits, '0');
  return s + String(luhnCheckDigit(s));
}

export function isValidCardNumber(cardNumber: string): boolean {
  if (!/^\d{2,}$/.test(cardNumber)) return false;
  return luhnCheckDigit(cardNumber.slice(0, -1)) === Number(cardNumber.at(-1));
}

export function validateRange(first: number, last: number): string | null {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first < 0) {
    return 'a number range needs whole, non-negative first and last numbers';
  }
  if (last < first) return 'a number range must end at or after its first number';
  return null;
}

export interface Allocation {
  rangeId: string;
  base: number;
  cardNumber: string;
}

/**
 * Choose the next number: from the first range (in the given order) that has one left.
 * Returns the allocation; the caller persists range.next = base + 1 in the same transaction.
 */
export function allocateFrom(ranges: readonly NumberRange[], baseDigits: number): Allocation {
  for (const range of ranges) {
    if (range.next <= range.last) {
      return {
        rangeId: range.id,
        base: range.next,
        cardNumber: withCheckDigit(range.next, baseDigits),
      };
    }
  }
  throw new DomainError(
    'NUMBER_RANGE_EXHAUSTED',
    "no card numbers left in the device's number ranges; add a range before producing more cards",
  );
}

export function remainingNumbers(ranges: readonly NumberRange[]): number {
  return ranges.reduce((n, r) => n + Math.max(0, r.last - r.next + 1), 0);
}
