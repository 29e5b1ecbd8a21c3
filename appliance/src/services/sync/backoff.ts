/**
 * Exponential backoff with jitter for retries to the centre. "Equal jitter": half the
 * exponential step is kept and half is random, so a fleet of kiosks that lost the centre
 * together does not come back in step, and no retry is ever immediate.
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/** Delay before retry number `failures` (1 = after the first failure); `random01` in [0, 1). */
export function backoffDelayMs(policy: BackoffPolicy, failures: number, random01: number): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const step = Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
  return Math.round(step / 2 + (step / 2) * random01);
}
