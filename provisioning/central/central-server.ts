/**
 * A small central Identity Manager for tests and the demo: SCIM 2.0 over mutual TLS on
 * Fastify, resources on SCIMMY, state in one SQLite file. It deduplicates every write by its
 * idempotency key (the device's outbox event id): a key it has applied is answered with the
 * first result and changes nothing. A fault switch makes it answer 500/503 or malformed
 * Bulk answers, before or after applying, for the sync tests.
 *
 * Room for more: the EST enrollment routes of device provisioning go next to /scim/v2.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import SCIMMY from 'scimmy';
import { SCIM, operationKey } from '../../appliance/src/central/scim-protocol.js';
import { estServer, type EstServerOptions } from '../est/est-server.js';
import {
  authorizeWrite,
  CentralAuthorizationError,
  type CentralActor,
} from './central-authorization.js';
import { CentralStore } from './central-store.js';
import { EciesEscrow, openEscrow } from '../../appliance/src/crypto/ecies-escrow.js';
import { pukEscrowContext } from '../../appliance/src/core/secret-escrow.js';
import { pukReleaseContext } from '../../appliance/src/services/card-pin-service.js';
import { TYPES, declareResources, type ResourceContext } from './scim-resources.js';

export const SCIM_BASE_PATH = '/scim/v2';

export interface CentralTls {
  key: string | Buffer;
  cert: string | Buffer;
  /** CA that signs device client certificates. */
  ca: string | Buffer;
}

export interface Faults {
  /** Answer this status to the next `count` Bulk requests. */
  status?: { code: 500 | 503; count: number; when: 'before' | 'after' };
  /** Apply, then answer the next `count` Bulk requests with a broken body. */
  malformed?: { kind: 'not-json' | 'wrong-bulkid' | 'truncated'; count: number };
}

export interface CentralStats {
  bulkRequests: number;
  /** Operations applied (each key once). */
  applied: number;
  /** Operations answered from the idempotency record. */
  duplicates: number;
  /** Milliseconds spent applying operations and committing them, server side. */
  applyMs: number;
}

export interface CentralServer {
  app: FastifyInstance;
  store: CentralStore;
  faults: Faults;
  stats: CentralStats;
  /** How many times each key's effect was applied (must never exceed 1). */
  applications: Map<string, number>;
  listen(port?: number, host?: string): Promise<number>;
  close(): Promise<void>;
  /** Central admin actions (the demo's console): a decision, a revocation, a directory entry. */
  decide(
    requestExternalId: string,
    decision: 'approve' | 'reject',
    reason: string,
    by: string,
  ): Promise<void>;
  revoke(cardExternalId: string, reason: string, by: string): Promise<void>;
  /** A central suspension or resumption of a card (the device applies it like a revocation). */
  hold(
    cardExternalId: string,
    action: 'suspend' | 'resume',
    reason: string,
    by: string,
  ): Promise<void>;
  addEmployee(p: {
    userName: string;
    name: string;
    email?: string;
    company?: string;
  }): Promise<string>;
  /**
   * A bearer token for a named administrator (shown once; the centre keeps its SHA-256). It is
   * the only credential that may set central decisions and revocations over SCIM.
   */
  issueAdminToken(name: string): Promise<string>;
  /** A resource by the device's own id (its externalId). */
  byExternalId(type: string, externalId: string): Record<string, unknown> | undefined;
  /**
   * An administrator registers a visitor expected at one device's site (the host is the
   * centre's User id); returns the Invitation's id.
   */
  invite(
    by: string,
    p: {
      forDevice: string;
      name: string;
      company?: string;
      email: string;
      hostUserId: string;
      firstDay: string;
      lastDay?: string;
      processName?: string;
      language?: string;
    },
  ): Promise<string>;
  /** An administrator calls an invitation off. */
  withdrawInvitation(by: string, id: string, reason: string): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

const scimContentTypes = ['application/scim+json', 'application/json'];

export async function buildCentralServer(options: {
  dbFile: string;
  tls: CentralTls;
  firstCardNumber?: number;
  /** Device enrollment (EST, provisioning/est/est-server.ts) next to SCIM. */
  est?: EstServerOptions;
  /** The escrow private key (PKCS#8 PEM) that opens escrowed PUKs; without it no PUK release. */
  escrowPrivateKeyPem?: string;
}): Promise<CentralServer> {
  const store = await CentralStore.open(options.dbFile, options.firstCardNumber);
  declareResources(SCIM_BASE_PATH);
  const faults: Faults = {};
  const stats: CentralStats = { bulkRequests: 0, applied: 0, duplicates: 0, applyMs: 0 };
  const applications = new Map<string, number>();
  // One write at a time: memory, keys and the commit stay in step.
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };

  /** Directory objects and everything an administrator creates belong to 'central'. */
  const ownerFor = (actor: CentralActor) => (actor.kind === 'admin' ? 'central' : actor.id);
  const actorName = (actor: CentralActor) => `${actor.kind}:${actor.id}`;
  const context = (device: string): ResourceContext => ({
    device,
    list: (type) => store.list(type),
    get: (type, id) => store.get(type, id),
    put: (type, data, id) => store.put(type, device, data, id),
  });

  const app = Fastify({
    logger: false,
    bodyLimit: 16 * 1024 * 1024,
    https: {
      key: options.tls.key,
      cert: options.tls.cert,
      ca: options.tls.ca,
      requestCert: true,
      // The TLS layer asks for a device certificate without requiring one: a device enrolling
      // over EST has none yet, and an administrator authenticates with a bearer token; the
      // SCIM routes refuse a caller that has neither (actorOf below).
      rejectUnauthorized: false,
    },
  });
  if (options.est) await app.register(estServer, options.est);
  app.addContentTypeParser(scimContentTypes, { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, body.length ? JSON.parse(body as string) : undefined);
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  const tokenHash = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
  /**
   * The caller: an administrator by `Authorization: Bearer <token>`, else a device by a client
   * certificate the central CA issued (CN = device id); null when neither holds.
   */
  const actorOf = (request: FastifyRequest): CentralActor | null => {
    const auth = request.headers.authorization;
    if (auth !== undefined) {
      const token = /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1];
      const name = token ? store.adminByTokenHash(tokenHash(token)) : undefined;
      return name ? { kind: 'admin', id: name } : null;
    }
    const socket = request.raw.socket as TLSSocket;
    if (!socket.authorized) return null;
    const cn = socket.getPeerCertificate?.()?.subject?.CN;
    const id = Array.isArray(cn) ? cn[0] : cn;
    return id ? { kind: 'device', id } : null;
  };
  const actors = new WeakMap<FastifyRequest, CentralActor>();
  const actorFor = (request: FastifyRequest): CentralActor =>
    actors.get(request) ?? { kind: 'device', id: 'unknown' };
  const deviceOf = (request: FastifyRequest): string => ownerFor(actorFor(request));
  const send = (reply: FastifyReply, status: number, body: unknown) =>
    reply.status(status).type('application/scim+json').send(JSON.stringify(body));
  const scimError = (reply: FastifyReply, ex: unknown) => {
    const e =
      ex instanceof SCIMMY.Types.Error
        ? new SCIMMY.Messages.Error(ex as Any)
        : new SCIMMY.Messages.Error({ status: 500, message: 'internal error' } as Any);
    // The message is an Error subclass: sent as one, Fastify would answer in its own shape.
    return send(reply, Number((e as Any).status), { ...(e as object) });
  };

  await app.register(
    async (scim) => {
      // Every SCIM route, discovery included, needs a device or an administrator.
      scim.addHook('onRequest', async (request, reply) => {
        const actor = actorOf(request);
        if (actor) {
          actors.set(request, actor);
          return;
        }
        return reply
          .status(401)
          .type('application/scim+json')
          .header('www-authenticate', 'Bearer realm="cardkiosk-central"')
          .send(
            JSON.stringify({
              schemas: [SCIM.error],
              status: '401',
              detail:
                request.headers.authorization !== undefined
                  ? 'the bearer token is not valid'
                  : 'a device certificate or an administrator token is required',
            }),
          );
      });
      scim.get('/ServiceProviderConfig', async (_req, reply) =>
        send(reply, 200, await new SCIMMY.Resources.ServiceProviderConfig().read()),
      );
      scim.get('/ResourceTypes', async (_req, reply) =>
        send(reply, 200, await new SCIMMY.Resources.ResourceType().read()),
      );
      scim.get<{ Params: { id: string } }>('/ResourceTypes/:id', async (req, reply) => {
        try {
          return send(reply, 200, await new SCIMMY.Resources.ResourceType(req.params.id).read());
        } catch (ex) {
          return scimError(reply, ex);
        }
      });
      scim.get('/Schemas', async (_req, reply) =>
        send(reply, 200, await new SCIMMY.Resources.Schema().read()),
      );
      scim.get<{ Params: { id: string } }>('/Schemas/:id', async (req, reply) => {
        try {
          return send(reply, 200, await new SCIMMY.Resources.Schema(req.params.id).read());
        } catch (ex) {
          return scimError(reply, ex);
        }
      });

      scim.post('/Bulk', async (req, reply) => {
        stats.bulkRequests++;
        const fault = faults.status;
        if (fault && fault.count > 0 && fault.when === 'before') {
          fault.count--;
          return send(reply, fault.code, {
            schemas: [SCIM.error],
            status: String(fault.code),
            detail: 'fault injected',
          });
        }
        const body = req.body as { Operations?: unknown; failOnErrors?: unknown } | undefined;
        if (!body || !Array.isArray(body.Operations))
          return send(reply, 400, {
            schemas: [SCIM.error],
            status: '400',
            scimType: 'invalidSyntax',
            detail: 'Operations missing',
          });
        const failOnErrors = typeof body.failOnErrors === 'number' ? body.failOnErrors : 0;
        const results = await serial(() =>
          applyBulk(body.Operations as Any[], failOnErrors, actorFor(req)),
        );
        if (fault && fault.count > 0 && fault.when === 'after') {
          fault.count--;
          return send(reply, fault.code, {
            schemas: [SCIM.error],
            status: String(fault.code),
            detail: 'fault injected after applying',
          });
        }
        const broken = faults.malformed;
        if (broken && broken.count > 0) {
          broken.count--;
          if (broken.kind === 'not-json')
            return reply
              .status(200)
              .type('application/scim+json')
              .send('{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRe');
          if (broken.kind === 'wrong-bulkid')
            return send(reply, 200, {
              schemas: [SCIM.bulkResponse],
              Operations: results.map((r) => ({ ...r, bulkId: 'not-yours', method: 'POST' })),
            });
          return send(reply, 200, {
            schemas: [SCIM.bulkResponse],
            Operations: [...results, ...results],
          });
        }
        return send(reply, 200, { schemas: [SCIM.bulkResponse], Operations: results });
      });

      scim.get<{ Params: { type: string }; Querystring: Record<string, string> }>(
        '/:type',
        async (req, reply) => {
          const Resource = TYPES[req.params.type];
          if (!Resource)
            return send(reply, 404, {
              schemas: [SCIM.error],
              status: '404',
              detail: 'unknown resource type',
            });
          try {
            const q: Record<string, unknown> = { ...req.query };
            for (const k of ['count', 'startIndex']) if (q[k] !== undefined) q[k] = Number(q[k]);
            return send(reply, 200, await new Resource(q).read(context(deviceOf(req))));
          } catch (ex) {
            return scimError(reply, ex);
          }
        },
      );
      scim.get<{ Params: { type: string; id: string } }>('/:type/:id', async (req, reply) => {
        const Resource = TYPES[req.params.type];
        if (!Resource)
          return send(reply, 404, {
            schemas: [SCIM.error],
            status: '404',
            detail: 'unknown resource type',
          });
        try {
          return send(reply, 200, await new Resource(req.params.id).read(context(deviceOf(req))));
        } catch (ex) {
          return scimError(reply, ex);
        }
      });

      // RFC 7644 §3.5.2: PATCH one resource, with the same authorization as a Bulk PATCH.
      scim.patch<{ Params: { type: string; id: string } }>('/:type/:id', async (req, reply) => {
        const { type, id } = req.params;
        if (!TYPES[type] || type === 'CardNumberRanges')
          return send(reply, 404, {
            schemas: [SCIM.error],
            status: '404',
            detail: 'unknown resource type',
          });
        const body = req.body as { schemas?: unknown } | undefined;
        if (!Array.isArray(body?.schemas) || !body.schemas.includes(SCIM.patchOp))
          return send(reply, 400, {
            schemas: [SCIM.error],
            status: '400',
            scimType: 'invalidSyntax',
            detail: `a PATCH body is a PatchOp message (${SCIM.patchOp})`,
          });
        try {
          const resource = await serial(async () => {
            const r = await writeAs(actorFor(req), 'PATCH', type, body, id);
            await store.commit();
            return r;
          });
          return send(reply, 200, resource);
        } catch (ex) {
          return scimError(reply, ex);
        }
      });

      /**
       * PUK release for one unblock of one card (README: "Where the PUK lives"): the device that
       * holds the card asks with a fresh P-256 public key; the centre opens its escrowed copy and
       * seals the PUK to that key under a context naming the card and the release, and records
       * the release on the card (who, why, which device, when). Same releaseId again: the same
       * record, sealed anew to the key given.
       */
      scim.post('/PukReleases', async (req, reply) => {
        const actor = actorFor(req);
        // Only the device that holds the card asks; an administrator has no card in an encoder.
        if (actor.kind !== 'device')
          return send(reply, 403, {
            schemas: [SCIM.error],
            status: '403',
            detail: 'a PUK is released only to the device that holds the card',
          });
        const device = actor.id;
        const b = (req.body ?? {}) as Record<string, unknown>;
        const str = (v: unknown) =>
          typeof v === 'string' && v.length > 0 && v.length < 4000 ? v : null;
        const cardId = str(b.cardExternalId);
        const releaseId = str(b.releaseId);
        const recipient = str(b.recipientPublicKey);
        const fail = (status: number, detail: string) =>
          send(reply, status, { schemas: [SCIM.error], status: String(status), detail });
        if (!cardId || !releaseId || !recipient)
          return fail(400, 'cardExternalId, releaseId and recipientPublicKey are required');
        if (!options.escrowPrivateKeyPem) return fail(501, 'this centre holds no escrow key');
        return serial(async () => {
          const r = store.list('Cards').find((x) => x.data.externalId === cardId);
          if (!r) return fail(404, `card ${cardId} is not at the centre`);
          if (r.device !== device) return fail(403, 'the card belongs to another device');
          const escrowed = (r.data.pukEscrow as { value?: unknown } | undefined)?.value;
          if (typeof escrowed !== 'string') return fail(409, 'no PUK is escrowed for this card');
          let sealedPuk: string;
          try {
            const puk = openEscrow(
              options.escrowPrivateKeyPem as string,
              escrowed,
              pukEscrowContext(cardId, String(r.data.cardNumber)),
            );
            sealedPuk = new EciesEscrow(recipient).seal(puk, pukReleaseContext(cardId, releaseId));
          } catch {
            return fail(400, 'the escrowed PUK or the recipient key could not be used');
          }
          const releases = Array.isArray(r.data.pukReleases) ? (r.data.pukReleases as Any[]) : [];
          if (!releases.some((x) => x.releaseId === releaseId)) {
            await new TYPES.Cards!(r.id).patch(
              {
                schemas: [SCIM.patchOp],
                Operations: [
                  {
                    op: 'add',
                    path: 'pukReleases',
                    value: [
                      {
                        releaseId,
                        reason: str(b.reason) ?? '',
                        by: str(b.requestedBy) ?? device,
                        device,
                        at: new Date().toISOString(),
                      },
                    ],
                  },
                ],
              },
              context('central'),
            );
            await store.commit();
          }
          return send(reply, 200, { releaseId, sealedPuk });
        });
      });

      // Number-range leases: idempotent by the Idempotency-Key header.
      scim.post('/CardNumberRanges', async (req, reply) => {
        const device = deviceOf(req);
        const key = req.headers['idempotency-key'];
        if (typeof key !== 'string' || !key)
          return send(reply, 400, {
            schemas: [SCIM.error],
            status: '400',
            detail: 'Idempotency-Key required',
          });
        const size = Number((req.body as { size?: unknown } | undefined)?.size);
        if (!Number.isSafeInteger(size) || size < 1 || size > 1_000_000)
          return send(reply, 400, {
            schemas: [SCIM.error],
            status: '400',
            scimType: 'invalidValue',
            detail: 'size 1..1000000',
          });
        const result = await serial(async () => {
          const seen = store.keyResult(`lease:${key}`);
          if (seen) return JSON.parse(seen.result) as unknown;
          const first = store.nextNumber;
          store.nextNumber += size;
          const r = await new CardNumberRangeResource().write(
            { schemas: [SCIM.numberRange], first, last: first + size - 1, size, device },
            context(device),
          );
          store.recordKey({ key: `lease:${key}`, device, result: JSON.stringify(r) });
          await store.commit();
          return JSON.parse(JSON.stringify(r)) as unknown;
        });
        return send(reply, 201, result);
      });
    },
    { prefix: SCIM_BASE_PATH },
  );

  const CardNumberRangeResource = TYPES.CardNumberRanges;

  /**
   * Authorize and apply one write (a create, or a PatchOp on `id`), auditing an administrator's
   * writes and every refusal; the caller commits. Throws a SCIMMY error (403 when refused).
   */
  async function writeAs(
    actor: CentralActor,
    method: 'POST' | 'PATCH',
    endpoint: string,
    data: unknown,
    id?: string,
  ): Promise<Any> {
    const Resource = TYPES[endpoint];
    if (!Resource) throw new SCIMMY.Types.Error(400, 'invalidPath' as Any, `unknown ${endpoint}`);
    const existing = id ? store.get(endpoint, id) : undefined;
    if (id && !existing) throw new SCIMMY.Types.Error(404, null as Any, `Resource ${id} not found`);
    const audit = (outcome: 'applied' | 'refused', detail: string, resourceId = id ?? null) =>
      store.audit({
        at: new Date().toISOString(),
        actor: actorName(actor),
        action: method,
        endpoint,
        resourceId,
        outcome,
        detail,
      });
    try {
      authorizeWrite({ actor, endpoint, method, owner: existing?.device, data });
    } catch (err) {
      if (!(err instanceof CentralAuthorizationError)) throw err;
      audit('refused', err.message);
      // A refusal changes nothing but is kept: it is what an investigation looks for.
      await store.commit();
      throw new SCIMMY.Types.Error(403, null as Any, err.message);
    }
    const ctx = context(ownerFor(actor));
    const result =
      method === 'POST'
        ? await new Resource().write(data, ctx)
        : await new Resource(id).patch(data, ctx);
    if (actor.kind === 'admin')
      audit('applied', JSON.stringify(data).slice(0, 2000), String(result?.id ?? id ?? ''));
    return result;
  }

  async function applyBulk(ops: Any[], failOnErrors: number, actor: CentralActor): Promise<Any[]> {
    const started = performance.now();
    const results: Any[] = [];
    let errors = 0;
    for (const op of ops) {
      if (failOnErrors > 0 && errors >= failOnErrors) break;
      const key = operationKey(op);
      const seen = key ? store.keyResult(key) : undefined;
      if (seen && seen.device !== ownerFor(actor)) {
        // Keys are per caller: another caller's key is neither replayed nor applied.
        errors++;
        results.push({
          method: String(op?.method ?? '').toUpperCase(),
          ...(op?.bulkId ? { bulkId: op.bulkId } : {}),
          status: '409',
          response: {
            schemas: [SCIM.error],
            status: '409',
            scimType: 'uniqueness',
            detail: 'this idempotency key was used by another caller',
          },
        });
        continue;
      }
      if (seen) {
        stats.duplicates++;
        results.push({ ...(JSON.parse(seen.result) as object), 'urn:cardkiosk:duplicate': true });
        continue;
      }
      const result = await applyOperation(op, actor);
      if (Number(result.status) >= 400) errors++;
      else if (key) {
        stats.applied++;
        applications.set(key, (applications.get(key) ?? 0) + 1);
        store.recordKey({ key, device: ownerFor(actor), result: JSON.stringify(result) });
      }
      results.push(result);
    }
    await store.commit();
    stats.applyMs += performance.now() - started;
    return results;
  }

  async function applyOperation(op: Any, actor: CentralActor): Promise<Any> {
    const method = String(op?.method ?? '').toUpperCase();
    const path = typeof op?.path === 'string' ? op.path : '';
    const [, endpoint, id] = path.split('/');
    const Resource = endpoint ? TYPES[endpoint] : undefined;
    const base = { method, ...(op?.bulkId ? { bulkId: op.bulkId } : {}) };
    const location = (rid: string) => `${SCIM_BASE_PATH}/${endpoint}/${rid}`;
    try {
      if (!Resource || endpoint === 'CardNumberRanges')
        throw new SCIMMY.Types.Error(400, 'invalidPath' as Any, `unknown path ${path}`);
      if (method === 'POST' && !id) {
        const r = await writeAs(actor, 'POST', endpoint, op.data);
        return { ...base, location: location(r.id), status: '201' };
      }
      if (method === 'PATCH' && id) {
        await writeAs(actor, 'PATCH', endpoint, op.data, id);
        return { ...base, location: location(id), status: '200' };
      }
      throw new SCIMMY.Types.Error(400, 'invalidSyntax' as Any, `unsupported ${method} ${path}`);
    } catch (ex) {
      const status = ex instanceof SCIMMY.Types.Error ? Number((ex as Any).status) : 500;
      return {
        ...base,
        ...(id && endpoint ? { location: location(id) } : {}),
        status: String(status),
        response: { schemas: [SCIM.error], status: String(status), detail: (ex as Error).message },
      };
    }
  }

  /** The demo console's actions: the same authorization and audit as an administrator's SCIM PATCH. */
  const adminPatch = async (
    by: string,
    type: string,
    externalId: string,
    value: Record<string, unknown>,
  ) => {
    await serial(async () => {
      const r = store.list(type).find((x) => x.data.externalId === externalId);
      if (!r) throw new Error(`${type} ${externalId} is not at the centre`);
      await writeAs(
        { kind: 'admin', id: by },
        'PATCH',
        type,
        { schemas: [SCIM.patchOp], Operations: [{ op: 'replace', value }] },
        r.id,
      );
      await store.commit();
    });
  };

  return {
    app,
    store,
    faults,
    stats,
    applications,
    async listen(port = 0, host = '127.0.0.1') {
      await app.listen({ port, host });
      const address = app.server.address();
      return typeof address === 'object' && address ? address.port : port;
    },
    async close() {
      await app.close();
      await tail;
      await store.close();
    },
    decide: (requestExternalId, decision, reason, by) =>
      adminPatch(by, 'CardRequests', requestExternalId, {
        decision: { value: decision, reason, by, at: new Date().toISOString() },
      }),
    revoke: (cardExternalId, reason, by) =>
      adminPatch(by, 'Cards', cardExternalId, {
        centralRevocation: { reason, by, at: new Date().toISOString() },
      }),
    async issueAdminToken(name) {
      const token = `ckadm_${randomBytes(32).toString('base64url')}`;
      await store.addAdminToken(name, tokenHash(token));
      return token;
    },
    hold: (cardExternalId, action, reason, by) =>
      adminPatch(by, 'Cards', cardExternalId, {
        centralHold: { action, reason, by, at: new Date().toISOString() },
      }),
    async addEmployee(p) {
      return serial(async () => {
        const r = await writeAs({ kind: 'admin', id: 'central-console' }, 'POST', 'Users', {
          schemas: [SCIM.user, SCIM.userExtension],
          userName: p.userName,
          displayName: p.name,
          name: { formatted: p.name },
          userType: 'employee',
          active: true,
          ...(p.email ? { emails: [{ value: p.email, type: 'work', primary: true }] } : {}),
          [SCIM.userExtension]: {
            kind: 'employee',
            ...(p.company ? { company: p.company } : {}),
          },
        });
        await store.commit();
        return String(r.id);
      });
    },
    async invite(by, p) {
      return serial(async () => {
        const r = await writeAs({ kind: 'admin', id: by }, 'POST', 'Invitations', {
          schemas: [SCIM.invitation],
          name: p.name,
          ...(p.company ? { company: p.company } : {}),
          email: p.email,
          host: { value: p.hostUserId },
          firstDay: p.firstDay,
          lastDay: p.lastDay ?? p.firstDay,
          ...(p.processName ? { processName: p.processName } : {}),
          ...(p.language ? { language: p.language } : {}),
          forDevice: p.forDevice,
          state: 'open',
          by,
        });
        await store.commit();
        return String(r.id);
      });
    },
    async withdrawInvitation(by, id, reason) {
      await serial(async () => {
        await writeAs(
          { kind: 'admin', id: by },
          'PATCH',
          'Invitations',
          {
            schemas: [SCIM.patchOp],
            Operations: [{ op: 'replace', value: { state: 'withdrawn', by, reason } }],
          },
          id,
        );
        await store.commit();
      });
    },
    byExternalId(type, externalId) {
      const r = store.list(type).find((x) => x.data.externalId === externalId);
      return r
        ? { ...r.data, id: r.id, meta: { created: r.created, lastModified: r.lastModified } }
        : undefined;
    },
  };
}
