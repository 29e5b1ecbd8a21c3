/**
 * Ports through which the core receives time and randomness, so that every rule is
 * deterministic in tests. Implementations live outside core (node:crypto, Date).
 */

export interface Clock {
  now(): Date;
}

export interface RandomSource {
  /** Cryptographically strong random bytes. */
  bytes(length: number): Uint8Array;
  /** A uniformly distributed integer in [0, maxExclusive), cryptographically strong. */
  int(maxExclusive: number): number;
}
