/** Backoff between attempts to reach the centre: exponential, jittered, capped, never zero. */
import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../../../appliance/src/services/sync/backoff.js';

describe('backoff', () => {
  const policy = { initialMs: 1_000, maxMs: 60_000 };

  it('doubles per failure between half and all of the step', () => {
    for (let failures = 1; failures <= 6; failures++) {
      const step = 1_000 * 2 ** (failures - 1);
      expect(backoffDelayMs(policy, failures, 0)).toBe(step / 2);
      expect(backoffDelayMs(policy, failures, 0.999999)).toBeLessThanOrEqual(step);
    }
  });

  it('is capped at the maximum, also after very many failures', () => {
    expect(backoffDelayMs(policy, 50, 0.999999)).toBeLessThanOrEqual(60_000);
    expect(backoffDelayMs(policy, 10_000, 0)).toBe(30_000);
  });
});
