/**
 * Idempotent writes: an Idempotency-Key is recorded in the SAME transaction as the change it
 * belongs to, so after a crash either both are on disk or neither is. A replay then finds the
 * record exactly when the change happened, and never makes a second request or card.
 *
 * How: the HTTP layer (http/plugins/idempotency.ts) runs a keyed request inside a *claim*
 * (an AsyncLocalStorage value). `IdempotentStore` wraps the store every service uses; the
 * first write transaction that commits inside the claim also inserts the claimed record
 * (status 0, no body yet). The answer is stored right after the handler returns, in a second
 * transaction; a crash between the two loses only an answer that was never sent, and the
 * route then rebuilds it on replay (its `replay` option) or the replay is refused with
 * ALREADY_DONE. Services need not know about keys, except for two things a route's answer may
 * need from them:
 * - `noteIdempotentResource(id)`: what a creating call made, so a lost answer can be rebuilt.
 * - `deferUntilAnswerStored(write)`: a write (e.g. destroying the PIN) that must happen in
 *   the transaction storing the answer rather than in the change's, so that a secret the
 *   answer carries survives until the answer does.
 *
 * Work started from inside a claim (after-commit effects, the production queue) may inherit
 * it; only the first committed transaction claims, so later ones pass straight through.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Store, StoreTx } from '../core/store-ports.js';

export interface IdempotencyClaim {
  scope: string;
  key: string;
  fingerprint: string;
  createdAt: string;
  /** Set once the claiming transaction committed (or when replaying: nothing to claim). */
  committed: boolean;
  resourceId: string | null;
  /** Writes to run in the transaction that stores the answer. */
  answerWrites: Array<(tx: StoreTx) => Promise<void>>;
}

const claims = new AsyncLocalStorage<IdempotencyClaim>();

/** Runs `fn` (and everything it starts) inside `claim`. */
export function runInIdempotencyClaim<T>(claim: IdempotencyClaim, fn: () => T): T {
  return claims.run(claim, fn);
}

/** Runs `fn` outside any claim (the key's own bookkeeping must not claim it again). */
export function outsideIdempotencyClaim<T>(fn: () => T): T {
  return claims.exit(fn);
}

/** Note what the keyed call created (no-op without a key). */
export function noteIdempotentResource(id: string): void {
  const claim = claims.getStore();
  if (claim && !claim.committed) claim.resourceId = id;
}

/**
 * With a key: queue `write` for the transaction that stores the answer and return true.
 * Without one: return false, and the caller writes now, in its own transaction.
 */
export function deferUntilAnswerStored(write: (tx: StoreTx) => Promise<void>): boolean {
  const claim = claims.getStore();
  if (!claim) return false;
  claim.answerWrites.push(write);
  return true;
}

/** A store whose first write transaction inside a claim also records the claimed key. */
export class IdempotentStore implements Store {
  constructor(private readonly inner: Store) {}

  async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    const claim = claims.getStore();
    if (!claim || claim.committed) return this.inner.transaction(fn);
    const result = await this.inner.transaction(async (tx) => {
      const value = await fn(tx);
      await tx.idempotency.put({
        scope: claim.scope,
        key: claim.key,
        fingerprint: claim.fingerprint,
        statusCode: 0,
        body: '',
        createdAt: claim.createdAt,
        secretsSealed: null,
        secretsShownAt: null,
        resourceId: claim.resourceId,
      });
      return value;
    });
    claim.committed = true;
    return result;
  }

  read<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.inner.read(fn);
  }

  isWritable(): Promise<boolean> {
    return this.inner.isWritable();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * How long an answer's sealed secrets wait to be delivered (a replay right after a crash): a
 * day. Then they are dropped at start-up, with the PINs a keyed collection kept for its answer.
 */
export const IDEMPOTENT_SECRET_RETENTION_MS = 24 * 60 * 60_000;

/** At start-up: drop answer secrets (and collected cards' PINs) older than the retention. */
export async function expireIdempotentSecrets(store: Store, now: Date): Promise<number> {
  const before = new Date(now.getTime() - IDEMPOTENT_SECRET_RETENTION_MS).toISOString();
  return store.transaction(async (tx) => {
    const answers = await tx.idempotency.expireSecrets(before, now.toISOString());
    const pins = await tx.cards.destroyRevealedPins(before);
    return answers + pins;
  });
}
