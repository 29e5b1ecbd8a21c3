/** The RandomSource port on node:crypto's CSPRNG. */
import { randomBytes, randomInt } from 'node:crypto';
import type { RandomSource } from '../core/ports.js';

export const nodeRandomSource: RandomSource = {
  bytes: (length) => new Uint8Array(randomBytes(length)),
  int: (maxExclusive) => randomInt(maxExclusive),
};

export const systemClock = { now: () => new Date() };
