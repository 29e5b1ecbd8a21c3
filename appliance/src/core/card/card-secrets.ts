/**
 * PIN and PUK rules: drawn digit by digit from a cryptographic random source, and drawn
 * again when the value is trivial: one digit repeated, an ascending or descending run, a
 * short repeating pattern, too few distinct digits, a well-known factory default, or digits
 * taken from the card number itself. Pure; randomness comes in through the RandomSource port.
 */
import { InvalidInputError } from '../errors.js';
import type { RandomSource } from '../ports.js';

export const PIN_MIN_LENGTH = 6;
export const PIN_MAX_LENGTH = 8;
export const PUK_LENGTH = 8;
const MAX_DRAWS = 1000;

/** Factory defaults of common PIV cards; a produced card must answer to none of them. */
const KNOWN_DEFAULTS = new Set(['123456', '12345678', '000000', '00000000']);

export function randomDigits(random: RandomSource, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String(random.int(10));
  return s;
}

/** Why a value is trivial, or null when it is acceptable. */
export function trivialityOf(value: string, cardNumber: string): string | null {
  if (!/^\d+$/.test(value)) return 'not all digits';
  if (KNOWN_DEFAULTS.has(value)) return 'a factory default';
  if (/^(\d)\1+$/.test(value)) return 'one digit repeated';
  const steps = new Set<number>();
  for (let i = 1; i < value.length; i++)
    steps.add((value.charCodeAt(i) - value.charCodeAt(i - 1) + 10) % 10);
  if (steps.size === 1 && (steps.has(1) || steps.has(9))) return 'a run of consecutive digits';
  for (let period = 2; period <= Math.floor(value.length / 2); period++) {
    const unit = value.slice(0, period);
    if (unit.repeat(Math.ceil(value.length / period)).slice(0, value.length) === value) {
      return 'a repeating pattern';
    }
  }
  if (new Set(value).size < 3) return 'fewer than three different digits';
  // The PIN must not be guessable from the number printed on the card.
  if (cardNumber.length > 0 && (cardNumber.includes(value) || value.includes(cardNumber))) {
    return 'taken from the card number';
  }
  return null;
}

export interface CardSecrets {
  pin: string;
  puk: string;
}

export function generateCardSecrets(
  random: RandomSource,
  cardNumber: string,
  pinLength: number,
): CardSecrets {
  if (!Number.isInteger(pinLength) || pinLength < PIN_MIN_LENGTH || pinLength > PIN_MAX_LENGTH) {
    throw new InvalidInputError(
      `the PIN length must be ${PIN_MIN_LENGTH} to ${PIN_MAX_LENGTH} digits`,
    );
  }
  const pin = drawNonTrivial(random, pinLength, cardNumber, () => true);
  const puk = drawNonTrivial(
    random,
    PUK_LENGTH,
    cardNumber,
    (v) => !v.startsWith(pin) && !v.includes(pin),
  );
  return { pin, puk };
}

function drawNonTrivial(
  random: RandomSource,
  length: number,
  cardNumber: string,
  extra: (value: string) => boolean,
): string {
  for (let i = 0; i < MAX_DRAWS; i++) {
    const v = randomDigits(random, length);
    if (trivialityOf(v, cardNumber) === null && extra(v)) return v;
  }
  // Only a broken random source gets here: the share of trivial values is tiny.
  throw new Error('random source produced only trivial values');
}
