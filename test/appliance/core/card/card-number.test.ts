import { describe, expect, it } from 'vitest';
import {
  allocateFrom,
  isValidCardNumber,
  luhnCheckDigit,
  remainingNumbers,
  withCheckDigit,
} from '../../../../appliance/src/core/card/card-number.js';

describe('card numbers', () => {
  it('computes the Luhn check digit (ISO/IEC 7812 examples)', () => {
    expect(luhnCheckDigit('7992739871')).toBe(3);
    expect(luhnCheckDigit('4539148803436467'.slice(0, -1))).toBe(7);
    expect(isValidCardNumber('79927398713')).toBe(true);
    expect(isValidCardNumber('79927398710')).toBe(false);
  });

  it('detects every single-digit error', () => {
    const n = withCheckDigit(1234567, 7);
    for (let i = 0; i < n.length; i++) {
      for (let d = 0; d <= 9; d++) {
        if (String(d) === n[i]) continue;
        expect(isValidCardNumber(n.slice(0, i) + d + n.slice(i + 1))).toBe(false);
      }
    }
  });

  it('pads the base to its width', () => {
    expect(withCheckDigit(42, 7)).toMatch(/^0000042\d$/);
  });

  it('allocates from the first range with numbers left, then the next', () => {
    const ranges = [
      { id: 'a', first: 10, last: 11, next: 12 },
      { id: 'b', first: 100, last: 200, next: 150 },
    ];
    const a = allocateFrom(ranges, 7);
    expect(a).toMatchObject({ rangeId: 'b', base: 150 });
    expect(isValidCardNumber(a.cardNumber)).toBe(true);
    expect(remainingNumbers(ranges)).toBe(51);
  });

  it('says so when every range is used up', () => {
    expect(() => allocateFrom([{ id: 'a', first: 1, last: 1, next: 2 }], 7)).toThrowError(
      expect.objectContaining({ code: 'NUMBER_RANGE_EXHAUSTED' }),
    );
  });
});
