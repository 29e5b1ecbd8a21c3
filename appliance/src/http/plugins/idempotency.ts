/**
 * Idempotency-Key for state-changing POSTs. Every POST route takes part; nothing to opt in
 * for a route whose answer holds no secret and can be lost only if the change was lost too.
 *
 * - The key is recorded in the same transaction as the change (services/idempotent-write.ts),
 *   then the answer is stored with it before it is sent. A replay with the same key and the
 *   same request gets the first answer (same status, same body) and changes nothing; the same
 *   key with another request is refused (IDEMPOTENCY_KEY_REUSED).
 * - A crash after the change committed but before its answer was stored lost an answer that
 *   was never sent: the route's `idempotency.replay` rebuilds it from what is on disk (that
 *   answer is then stored as the first one); a route without `replay` answers 409
 *   ALREADY_DONE ("done, answer lost").
 * - Secrets never rest in the clear here. A route names the top-level answer fields that are
 *   secrets (`idempotency.secretFields`; `secretResponse: true` means every field): they are
 *   kept sealed with the device key only until the answer has been delivered once; a replay
 *   before that (the first answer may never have arrived) gets the same answer, secrets
 *   included; a replay after that is refused with 409 ALREADY_DONE, because the secret was
 *   shown once and is gone (a PIN at collection, a one-time passcode). A route whose secret
 *   may be asked for again (a walk-up's status code: the kiosk retries a lost answer) keeps
 *   it sealed for replays until the retention ends (`keepSecretsForReplays`, one day).
 *
 * A route opts into the secret handling or the rebuild with its config:
 *   config: { idempotency: { secretFields: ['pin'], replay: async (request, resourceId) => … } }
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError, InvalidInputError } from '../../core/errors.js';
import type { SecretSealer } from '../../core/secret-sealer.js';
import type { IdempotencyRecord, Store, StoreTx } from '../../core/store-ports.js';
import {
  outsideIdempotencyClaim,
  runInIdempotencyClaim,
  type IdempotencyClaim,
} from '../../services/idempotent-write.js';

/** An answer a route rebuilds for a replay whose first answer a crash lost. */
export interface RebuiltAnswer {
  statusCode: number;
  body: unknown;
}

export interface RouteIdempotency {
  /** Top-level fields of the answer that are secrets (kept sealed until delivered once). */
  secretFields?: readonly string[];
  /**
   * Keep the sealed secrets for replays until the retention ends (a day) instead of only
   * until first delivered: for a secret the caller may ask for again (a walk-up's status
   * code), not for one that must be shown once (a PIN, a passcode).
   */
  keepSecretsForReplays?: boolean;
  /**
   * Rebuild the answer of a change that committed while its answer was lost in a crash;
   * null when it cannot be rebuilt (the replay is then refused with ALREADY_DONE). Runs
   * inside the claim, so it may defer writes until its answer is stored.
   */
  replay?: (request: FastifyRequest, resourceId: string | null) => Promise<RebuiltAnswer | null>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Every field of the response is a secret (same as listing them in secretFields). */
    secretResponse?: boolean;
    idempotency?: RouteIdempotency;
  }
  interface FastifyRequest {
    idempotency: ActiveKey | null;
  }
}

interface ActiveKey {
  claim: IdempotencyClaim;
  /** A replay answering from the record: nothing to store, maybe secrets to mark shown. */
  replayed: boolean;
  /** The answer sent carried secrets: mark them shown once it has been delivered. */
  secretsToMarkShown: boolean;
}

const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;
/** The answer of a pre-0005 secret route: nothing stored but this marker. */
const LEGACY_SECRET_MARKER = '__secret_response__';

export interface IdempotencyStore {
  transaction: Store['transaction'];
  read: Store['read'];
}

const alreadyDone = (message: string) => ({ error: 'ALREADY_DONE', message });

export function installIdempotency(
  app: FastifyInstance,
  store: IdempotencyStore,
  now: () => Date,
  sealer: SecretSealer,
): void {
  const inFlight = new Set<string>();
  app.decorateRequest('idempotency', null);

  const sealContext = (r: { scope: string; key: string }) => `idempotency:${r.scope}:${r.key}`;
  const secretFieldsOf = (request: FastifyRequest, body: Record<string, unknown>): string[] => {
    const config = request.routeOptions.config;
    if (config.secretResponse) return Object.keys(body);
    return [...(config.idempotency?.secretFields ?? [])].filter((f) => f in body);
  };

  /** Splits an answer into its stored body and its sealed secrets. */
  function recordable(request: FastifyRequest, claim: IdempotencyClaim, payload: string) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      parsed = undefined;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return { body: payload, secretsSealed: null };
    }
    const body = { ...(parsed as Record<string, unknown>) };
    const fields = secretFieldsOf(request, body);
    if (fields.length === 0) return { body: payload, secretsSealed: null };
    const secrets: Record<string, unknown> = {};
    for (const f of fields) {
      secrets[f] = body[f];
      // The field stays, empty, so a replay puts the secret back in the same place.
      body[f] = null;
    }
    return {
      body: JSON.stringify(body),
      secretsSealed: sealer.seal(JSON.stringify(secrets), sealContext(claim)),
    };
  }

  async function storeAnswer(
    request: FastifyRequest,
    claim: IdempotencyClaim,
    statusCode: number,
    payload: string,
  ): Promise<boolean> {
    const { body, secretsSealed } = recordable(request, claim, payload);
    await outsideIdempotencyClaim(() =>
      store.transaction(async (tx: StoreTx) => {
        if (claim.committed) {
          await tx.idempotency.answer(claim.scope, claim.key, { statusCode, body, secretsSealed });
        } else {
          // The handler wrote nothing (or only inside transactions that failed): record now.
          await tx.idempotency.put({
            scope: claim.scope,
            key: claim.key,
            fingerprint: claim.fingerprint,
            statusCode,
            body,
            createdAt: claim.createdAt,
            secretsSealed,
            secretsShownAt: null,
            resourceId: claim.resourceId,
          });
        }
        for (const write of claim.answerWrites) await write(tx);
      }),
    );
    claim.answerWrites = [];
    return secretsSealed !== null;
  }

  /** The first answer again, from the record; null when it has to be rebuilt. */
  function storedAnswer(
    request: FastifyRequest,
    stored: IdempotencyRecord,
  ): { statusCode: number; body: string; secrets: boolean } | 'refuse' | null {
    if (stored.statusCode === 0) return null;
    if (stored.body === LEGACY_SECRET_MARKER) return 'refuse';
    if (stored.secretsShownAt !== null) return 'refuse';
    if (stored.secretsSealed === null) {
      return { statusCode: stored.statusCode, body: stored.body, secrets: false };
    }
    const secrets = JSON.parse(sealer.open(stored.secretsSealed, sealContext(stored))) as Record<
      string,
      unknown
    >;
    const body = { ...(JSON.parse(stored.body) as Record<string, unknown>), ...secrets };
    void request;
    return { statusCode: stored.statusCode, body: JSON.stringify(body), secrets: true };
  }

  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST') return;
    const header = request.headers['idempotency-key'];
    if (header === undefined) return;
    const key = Array.isArray(header) ? header[0] : header;
    if (!key || !KEY_PATTERN.test(key))
      throw new InvalidInputError('Idempotency-Key must be 1-200 printable characters');
    const scope = request.staff ? `user:${request.staff.user.id}` : 'anonymous';
    const fingerprint = fingerprintOf(request);
    const slot = `${scope}\u0000${key}`;
    if (inFlight.has(slot))
      throw new DomainError(
        'IDEMPOTENCY_IN_PROGRESS',
        'a request with this Idempotency-Key is still in progress',
      );
    const stored = await store.read((tx: StoreTx) => tx.idempotency.get(scope, key));
    if (stored && stored.fingerprint !== fingerprint) {
      throw new DomainError(
        'IDEMPOTENCY_KEY_REUSED',
        'this Idempotency-Key was used for a different request',
      );
    }
    const claim: IdempotencyClaim = {
      scope,
      key,
      fingerprint,
      createdAt: stored?.createdAt ?? now().toISOString(),
      committed: stored !== null,
      resourceId: stored?.resourceId ?? null,
      answerWrites: [],
    };
    inFlight.add(slot);
    request.idempotency = { claim, replayed: stored !== null, secretsToMarkShown: false };
    if (!stored) return;

    reply.header('idempotent-replayed', 'true');
    const answer = storedAnswer(request, stored);
    if (answer === 'refuse') {
      return reply
        .status(409)
        .send(alreadyDone('this was already done; its secret was shown once and is gone'));
    }
    if (answer) {
      request.idempotency.secretsToMarkShown = answer.secrets;
      return reply
        .status(answer.statusCode)
        .type('application/json; charset=utf-8')
        .send(answer.body);
    }
    // The change committed but a crash lost its answer before it was stored, so it was never
    // sent: rebuild it from what is on disk, and store it as the first answer.
    const rebuild = request.routeOptions.config.idempotency?.replay;
    const rebuilt = rebuild
      ? await runInIdempotencyClaim(claim, () => rebuild(request, stored.resourceId))
      : null;
    if (!rebuilt) {
      return reply
        .status(409)
        .send(
          alreadyDone(
            'this was already done, but its answer was lost when the appliance restarted; look the result up',
          ),
        );
    }
    const payload = JSON.stringify(rebuilt.body);
    request.idempotency.secretsToMarkShown = await storeAnswer(
      request,
      claim,
      rebuilt.statusCode,
      payload,
    );
    return reply.status(rebuilt.statusCode).type('application/json; charset=utf-8').send(payload);
  });

  // The handler (and whatever it starts) runs inside the claim, so its first committed write
  // transaction records the key (callback style: the claim must wrap the rest of the chain).
  app.addHook('preHandler', (request, _reply, done) => {
    const active = request.idempotency;
    if (!active || active.replayed) return done();
    runInIdempotencyClaim(active.claim, done);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const active = request.idempotency;
    if (!active || active.replayed) return payload;
    const { claim } = active;
    // A refusal that changed nothing is not recorded: the same key may be tried again. Once
    // the change committed, whatever answer it got is the first answer.
    const success = reply.statusCode >= 200 && reply.statusCode < 300;
    if (!success && !claim.committed) return payload;
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload ?? null);
    active.secretsToMarkShown = await storeAnswer(request, claim, reply.statusCode, text);
    return payload;
  });

  app.addHook('onResponse', async (request) => {
    const active = request.idempotency;
    if (!active) return;
    const { claim } = active;
    inFlight.delete(`${claim.scope}\u0000${claim.key}`);
    if (!active.secretsToMarkShown) return;
    if (request.routeOptions.config.idempotency?.keepSecretsForReplays) return;
    // The answer left with its secrets: from now on a replay is refused, not shown them again.
    await outsideIdempotencyClaim(() =>
      store.transaction((tx: StoreTx) =>
        tx.idempotency.secretsShown(claim.scope, claim.key, now().toISOString()),
      ),
    );
  });
}

function fingerprintOf(request: FastifyRequest): string {
  return createHash('sha256')
    .update(request.method)
    .update('\u0000')
    .update(request.url)
    .update('\u0000')
    .update(JSON.stringify(request.body ?? null))
    .digest('hex');
}
