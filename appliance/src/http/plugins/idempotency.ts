/**
 * Idempotency-Key for state-changing POSTs: the first successful response is stored with a
 * fingerprint of the request before it is sent; a retry with the same key and the same
 * request gets that response again and changes nothing; the same key with a different request
 * is refused. Routes whose response carries a secret (the PIN at collection) store no body:
 * a retry is told the secret was shown once.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError, InvalidInputError } from '../../core/errors.js';
import type { IdempotencyRepository, Store } from '../../core/store-ports.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The response holds a secret that must not be stored for replay. */
    secretResponse?: boolean;
  }
  interface FastifyRequest {
    idempotency: { scope: string; key: string; fingerprint: string } | null;
  }
}

const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;
const SECRET_MARKER = '__secret_response__';

export interface IdempotencyStore {
  transaction: Store['transaction'];
  read: Store['read'];
}

export function installIdempotency(
  app: FastifyInstance,
  store: IdempotencyStore,
  now: () => Date,
): void {
  const inFlight = new Set<string>();
  app.decorateRequest('idempotency', null);

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
    const stored = await store.read((tx: { idempotency: IdempotencyRepository }) =>
      tx.idempotency.get(scope, key),
    );
    if (stored) {
      if (stored.fingerprint !== fingerprint) {
        throw new DomainError(
          'IDEMPOTENCY_KEY_REUSED',
          'this Idempotency-Key was used for a different request',
        );
      }
      reply.header('idempotent-replayed', 'true');
      if (stored.body === SECRET_MARKER) {
        return reply.status(409).send({
          error: 'ALREADY_DONE',
          message: 'this was already done; its secret was shown once and is gone',
        });
      }
      return reply
        .status(stored.statusCode)
        .type('application/json; charset=utf-8')
        .send(stored.body);
    }
    if (inFlight.has(slot))
      throw new DomainError(
        'IDEMPOTENCY_IN_PROGRESS',
        'a request with this Idempotency-Key is still in progress',
      );
    inFlight.add(slot);
    request.idempotency = { scope, key, fingerprint };
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const idem = request.idempotency;
    if (!idem || reply.getHeader('idempotent-replayed')) return payload;
    try {
      if (reply.statusCode >= 200 && reply.statusCode < 300) {
        const body = request.routeOptions.config.secretResponse
          ? SECRET_MARKER
          : typeof payload === 'string'
            ? payload
            : JSON.stringify(payload ?? null);
        await store.transaction((tx) =>
          tx.idempotency.put({
            scope: idem.scope,
            key: idem.key,
            fingerprint: idem.fingerprint,
            statusCode: reply.statusCode,
            body,
            createdAt: now().toISOString(),
          }),
        );
      }
    } finally {
      request.idempotency = null;
      inFlight.delete(`${idem.scope}\u0000${idem.key}`);
    }
    return payload;
  });

  app.addHook('onResponse', async (request) => {
    // A handler that threw before onSend still frees its key.
    const idem = request.idempotency;
    if (idem) inFlight.delete(`${idem.scope}\u0000${idem.key}`);
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
