import { describe, expect, it } from 'vitest';
import {
  generateCardSecrets,
  trivialityOf,
} from '../../../../appliance/src/core/card/card-secrets.js';
import type { RandomSource } from '../../../../appliance/src/core/ports.js';
import { nodeRandomSource } from '../../../../appliance/src/crypto/node-random-source.js';

/** A random source that plays back the digits it was given, then fails. */
function scripted(digits: string): RandomSource {
  let i = 0;
  return {
    bytes: (n) => new Uint8Array(n),
    int: () => {
      if (i >= digits.length) throw new Error('script exhausted');
      return Number(digits[i++]);
    },
  };
}

describe('PIN and PUK', () => {
  it.each([
    ['111111', 'one digit repeated'],
    ['123456', 'a factory default'],
    ['234567', 'a run of consecutive digits'],
    ['876543', 'a run of consecutive digits'],
    ['890123', 'a run of consecutive digits'],
    ['121212', 'a repeating pattern'],
    ['123123', 'a repeating pattern'],
    ['112211', 'fewer than three different digits'],
    ['12345678', 'a factory default'],
  ])('refuses %s as %s', (value, why) => {
    expect(trivialityOf(value, '')).toBe(why);
  });

  it('refuses digits taken from the card number', () => {
    expect(trivialityOf('503918', '15039184')).toBe('taken from the card number');
    expect(trivialityOf('503918', '17777774')).toBeNull();
  });

  it('draws again when the first draw is trivial', () => {
    const { pin, puk } = generateCardSecrets(
      scripted('111111' + '583927' + '12345678' + '40718263'),
      '10000007',
      6,
    );
    expect(pin).toBe('583927');
    expect(puk).toBe('40718263');
  });

  it('makes PINs of the configured length and 8-digit PUKs that do not start with the PIN', () => {
    for (const length of [6, 7, 8]) {
      for (let i = 0; i < 200; i++) {
        const { pin, puk } = generateCardSecrets(nodeRandomSource, '15039184', length);
        expect(pin).toMatch(new RegExp(`^\\d{${length}}$`));
        expect(puk).toMatch(/^\d{8}$/);
        expect(trivialityOf(pin, '15039184')).toBeNull();
        expect(trivialityOf(puk, '15039184')).toBeNull();
        expect(puk.startsWith(pin)).toBe(false);
      }
    }
  });

  it('refuses a PIN length outside 6 to 8', () => {
    expect(() => generateCardSecrets(nodeRandomSource, '1', 5)).toThrow(/6 to 8/);
    expect(() => generateCardSecrets(nodeRandomSource, '1', 9)).toThrow(/6 to 8/);
  });
});
