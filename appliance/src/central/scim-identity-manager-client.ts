/**
 * IdentityManagerClient over SCIM 2.0 with mutual TLS: the device authenticates with its
 * client certificate and trusts only the configured CA for the centre's certificate. One
 * keep-alive agent; every request has a total timeout (connect + answer) and a size cap.
 *
 * Delivery uses SCIM Bulk (RFC 7644 §3.7) with failOnErrors=1 so the centre stops at the
 * first failed operation and no later event overtakes it. A batch goes in two phases:
 * first the creates (POST), whose answers carry the centre's ids, then the updates (PATCH),
 * which need those ids in their paths (SCIM has no bulkId reference in a path).
 */
import { readFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import type { OutboxEventRecord } from '../core/records.js';
import type { CardType } from '../core/workflow/processes.js';
import type { Logger } from '../services/ports.js';
import {
  SyncError,
  type CentralChanges,
  type CentralDecision,
  type CentralNumberRange,
  type CentralPerson,
  type CentralRevocation,
  type CentralCardHold,
  type CentralInvitation,
  type DeliveryOutcome,
  type IdentityManagerClient,
  personKey,
} from '../services/sync/identity-manager-client.js';
import {
  SCIM,
  idFromLocation,
  isCreate,
  linkKey,
  parseBulkResponse,
  toOperation,
  type BulkOperation,
} from './scim-protocol.js';

export interface ScimClientOptions {
  /** e.g. https://central.example:8443/scim/v2 */
  baseUrl: string;
  tls: { certFile: string; keyFile: string; caFile: string };
  requestTimeoutMs: number;
  /** Pull page size. */
  pageSize?: number;
  log: Logger;
}

const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
const DEFAULT_PAGE_SIZE = 200;
const EPOCH = '1970-01-01T00:00:00.000Z';

interface Watermarks {
  users: string;
  requests: string;
  cards: string;
  ranges: string;
  holds: string;
  invitations: string;
}

interface HttpAnswer {
  status: number;
  body: unknown;
}

export class ScimIdentityManagerClient implements IdentityManagerClient {
  readonly kind = 'scim';
  private readonly agent: Agent;
  private readonly base: URL;

  constructor(private readonly options: ScimClientOptions) {
    this.base = new URL(options.baseUrl.replace(/\/+$/, '') + '/');
    if (this.base.protocol !== 'https:')
      throw new SyncError('SYNC_NOT_CONFIGURED', 'the centre must be reached over https', false);
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: 2,
      cert: readFileSync(options.tls.certFile),
      key: readFileSync(options.tls.keyFile),
      ca: readFileSync(options.tls.caFile),
    });
  }

  async probe(): Promise<void> {
    const answer = await this.call('GET', 'ServiceProviderConfig');
    this.expectOk(answer, 'probe');
  }

  async deliver(
    events: readonly OutboxEventRecord[],
    centralIds: ReadonlyMap<string, string>,
  ): Promise<DeliveryOutcome[]> {
    const ids = new Map(centralIds);
    const creates = events.filter(isCreate);
    const createOutcomes = await this.bulk(creates, ids);
    if (createOutcomes.length < creates.length) return createOutcomes;
    const updates = events.filter((e) => !isCreate(e));
    return [...createOutcomes, ...(await this.bulk(updates, ids))];
  }

  /** Send events as one Bulk request; outcomes for the acknowledged prefix. */
  private async bulk(
    events: readonly OutboxEventRecord[],
    ids: Map<string, string>,
  ): Promise<DeliveryOutcome[]> {
    const outcomes: DeliveryOutcome[] = [];
    const sent: Array<{ event: OutboxEventRecord; op: BulkOperation }> = [];
    for (const event of events) {
      const op = toOperation(event, ids.get(linkKey(event)), (personId) =>
        ids.get(personKey(personId)),
      );
      if (op) sent.push({ event, op });
      else if (sent.length === 0)
        // Nothing to address at the centre (its create was refused); refuse it here too.
        outcomes.push({
          eventId: event.id,
          status: 'rejected',
          reason: 'the object was never created at the centre',
        });
      else break; // Placed after the operations that go now, in the next round.
    }
    if (sent.length === 0) return outcomes;
    const answer = await this.call('POST', 'Bulk', {
      schemas: [SCIM.bulkRequest],
      failOnErrors: 1,
      Operations: sent.map((s) => s.op),
    });
    this.expectOk(answer, 'bulk');
    let results;
    try {
      results = parseBulkResponse(
        answer.body,
        sent.map((s) => s.op),
      );
    } catch (err) {
      throw new SyncError(
        'CENTRAL_BAD_RESPONSE',
        `the centre's Bulk answer is unusable: ${(err as Error).message}`,
        true,
      );
    }
    for (const [i, r] of results.entries()) {
      const { event } = sent[i] as { event: OutboxEventRecord };
      if (r.status >= 200 && r.status < 300) {
        const outcome: DeliveryOutcome = {
          eventId: event.id,
          status: r.duplicate ? 'duplicate' : 'applied',
        };
        if (r.method === 'POST' && r.location) {
          outcome.centralId = idFromLocation(r.location);
          ids.set(linkKey(event), outcome.centralId);
        }
        outcomes.push(outcome);
      } else if (isPermanent(r.status)) {
        outcomes.push({
          eventId: event.id,
          status: 'rejected',
          reason: `${r.status}${r.detail ? `: ${r.detail}` : ''}`,
        });
      } else {
        break; // Transient for this operation: it and everything after it go again later.
      }
    }
    return outcomes;
  }

  async pullChanges(since: string | null): Promise<CentralChanges> {
    const marks = parseWatermarks(since);
    const users = await this.listSince('Users', marks.users);
    const requests = await this.listSince('CardRequests', marks.requests, 'decision pr');
    const cards = await this.listSince('Cards', marks.cards, 'centralRevocation pr');
    const ranges = await this.listSince('CardNumberRanges', marks.ranges);
    const holds = await this.listSince('Cards', marks.holds, 'centralHold pr');
    const invitations = await this.listSince('Invitations', marks.invitations);
    return {
      persons: users.items.map(toPerson).filter((p): p is CentralPerson => p !== null),
      decisions: requests.items.map(toDecision).filter((d): d is CentralDecision => d !== null),
      revocations: cards.items.map(toRevocation).filter((r): r is CentralRevocation => r !== null),
      numberRanges: ranges.items.map(toRange).filter((r): r is CentralNumberRange => r !== null),
      holds: holds.items.map(toHold).filter((h): h is CentralCardHold => h !== null),
      invitations: invitations.items
        .map(toInvitation)
        .filter((i): i is CentralInvitation => i !== null),
      watermark: JSON.stringify({
        users: users.watermark,
        requests: requests.watermark,
        cards: cards.watermark,
        ranges: ranges.watermark,
        holds: holds.watermark,
        invitations: invitations.watermark,
      } satisfies Watermarks),
    };
  }

  /** The centre releases this card's escrowed PUK for one unblock, sealed to the given key. */
  async releasePuk(request: {
    cardId: string;
    releaseId: string;
    reason: string;
    requestedBy: string;
    recipientPublicKeyPem: string;
  }): Promise<{ sealedPuk: string }> {
    const answer = await this.call('POST', 'PukReleases', {
      cardExternalId: request.cardId,
      releaseId: request.releaseId,
      reason: request.reason,
      requestedBy: request.requestedBy,
      recipientPublicKey: request.recipientPublicKeyPem,
    });
    this.expectOk(answer, 'PUK release');
    const sealed = (answer.body as { sealedPuk?: unknown } | null)?.sealedPuk;
    if (typeof sealed !== 'string' || !sealed.startsWith('e1.'))
      throw new SyncError('CENTRAL_BAD_RESPONSE', 'PUK release: no sealed PUK in the answer', true);
    return { sealedPuk: sealed };
  }

  async leaseNumberRange(key: string, size: number): Promise<CentralNumberRange> {
    const answer = await this.call(
      'POST',
      'CardNumberRanges',
      { schemas: [SCIM.numberRange], size },
      { 'Idempotency-Key': key },
    );
    this.expectOk(answer, 'number range lease');
    const range = toRange(answer.body);
    if (!range) throw new SyncError('CENTRAL_BAD_RESPONSE', 'the leased range is unusable', true);
    return range;
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }

  /** Page through resources changed after `since`, oldest first, by the watermark. */
  private async listSince(
    endpoint: string,
    since: string,
    extraFilter?: string,
  ): Promise<{ items: Record<string, unknown>[]; watermark: string }> {
    const items: Record<string, unknown>[] = [];
    let mark = since;
    const pageSize = this.options.pageSize ?? DEFAULT_PAGE_SIZE;
    for (;;) {
      const filter = `meta.lastModified gt "${mark}"${extraFilter ? ` and ${extraFilter}` : ''}`;
      const query = new URLSearchParams({
        filter,
        sortBy: 'meta.lastModified',
        sortOrder: 'ascending',
        count: String(pageSize),
      });
      const answer = await this.call('GET', `${endpoint}?${query.toString()}`);
      this.expectOk(answer, `list ${endpoint}`);
      const body = answer.body as { schemas?: unknown; Resources?: unknown };
      if (!Array.isArray(body?.schemas) || !body.schemas.includes(SCIM.listResponse))
        throw new SyncError('CENTRAL_BAD_RESPONSE', `${endpoint}: not a ListResponse`, true);
      const page = Array.isArray(body.Resources)
        ? (body.Resources as Record<string, unknown>[])
        : [];
      for (const r of page) {
        const modified = (r.meta as { lastModified?: unknown } | undefined)?.lastModified;
        if (typeof modified !== 'string' || Number.isNaN(Date.parse(modified)))
          throw new SyncError(
            'CENTRAL_BAD_RESPONSE',
            `${endpoint}: a resource without meta.lastModified`,
            true,
          );
        const iso = new Date(modified).toISOString();
        if (iso > mark) mark = iso;
        items.push(r);
      }
      if (page.length < pageSize) return { items, watermark: mark };
    }
  }

  private expectOk(answer: HttpAnswer, what: string): void {
    if (answer.status >= 200 && answer.status < 300) return;
    const detail = (answer.body as { detail?: unknown } | null)?.detail;
    throw new SyncError(
      'CENTRAL_ERROR_STATUS',
      `${what}: the centre answered ${answer.status}${typeof detail === 'string' ? ` (${detail.slice(0, 200)})` : ''}`,
      answer.status >= 500 || answer.status === 429 || answer.status === 408,
    );
  }

  private call(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpAnswer> {
    const url = new URL(path, this.base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise<HttpAnswer>((resolve, reject) => {
      let settled = false;
      const finish = (err: SyncError | null, answer?: HttpAnswer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(answer as HttpAnswer);
      };
      // Created before the wait starts, so it carries the caller's stack.
      const timeoutError = new SyncError(
        'CENTRAL_TIMEOUT',
        `${method} ${url.pathname}: no complete answer within ${this.options.requestTimeoutMs} ms`,
        true,
      );
      const req = httpsRequest(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            accept: 'application/scim+json, application/json',
            ...(payload
              ? { 'content-type': 'application/scim+json', 'content-length': payload.length }
              : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) {
              req.destroy();
              finish(new SyncError('CENTRAL_BAD_RESPONSE', 'the answer is too large', true));
              return;
            }
            chunks.push(chunk);
          });
          res.on('error', (err) => finish(unreachable(method, url, err)));
          res.on('aborted', () =>
            finish(unreachable(method, url, new Error('the answer was cut off'))),
          );
          res.on('end', () => {
            if (!res.complete) {
              finish(unreachable(method, url, new Error('the answer was cut off')));
              return;
            }
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = null;
            if (text.length > 0) {
              try {
                parsed = JSON.parse(text);
              } catch {
                // A 5xx page in HTML is still a 5xx; a 2xx that is not JSON is malformed.
                if ((res.statusCode ?? 0) < 300) {
                  finish(
                    new SyncError(
                      'CENTRAL_BAD_RESPONSE',
                      `${method} ${url.pathname}: the answer is not JSON`,
                      true,
                    ),
                  );
                  return;
                }
              }
            }
            finish(null, { status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      const timer = setTimeout(() => {
        req.destroy();
        finish(timeoutError);
      }, this.options.requestTimeoutMs);
      req.on('error', (err) => finish(unreachable(method, url, err)));
      req.end(payload);
    });
  }
}

function unreachable(method: string, url: URL, err: Error): SyncError {
  const code = (err as NodeJS.ErrnoException).code;
  return new SyncError(
    'CENTRAL_UNREACHABLE',
    `${method} ${url.pathname}: ${code ?? err.message}`,
    true,
    { cause: err },
  );
}

/** A 4xx on one operation is the centre's final word on it, except timeout, precondition and rate limit. */
function isPermanent(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 412 && status !== 429;
}

function parseWatermarks(since: string | null): Watermarks {
  const fallback = {
    users: EPOCH,
    requests: EPOCH,
    cards: EPOCH,
    ranges: EPOCH,
    holds: EPOCH,
    invitations: EPOCH,
  };
  if (!since) return fallback;
  try {
    return { ...fallback, ...(JSON.parse(since) as Partial<Watermarks>) };
  } catch {
    return fallback;
  }
}

const s = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const KINDS: readonly CardType[] = ['employee', 'contractor', 'visitor'];

function toPerson(r: Record<string, unknown>): CentralPerson | null {
  const id = s(r.id);
  if (!id) return null;
  const ext = (r[SCIM.userExtension] ?? {}) as Record<string, unknown>;
  const name = r.name as { formatted?: unknown } | undefined;
  const kindRaw = (s(ext.kind) ?? s(r.userType) ?? 'employee').toLowerCase();
  const kind = (KINDS as readonly string[]).includes(kindRaw) ? (kindRaw as CardType) : 'employee';
  const emails = Array.isArray(r.emails) ? (r.emails as Array<{ value?: unknown }>) : [];
  const displayName = s(r.displayName) ?? s(name?.formatted) ?? s(r.userName);
  if (!displayName) return null;
  return {
    centralId: id,
    externalId: s(r.externalId),
    kind,
    name: displayName,
    company: s(ext.company),
    email: s(emails[0]?.value),
    validUntil: s(ext.validUntil),
    active: r.active !== false,
  };
}

function toDecision(r: Record<string, unknown>): CentralDecision | null {
  const requestId = s(r.externalId);
  const d = r.decision as { value?: unknown; reason?: unknown; by?: unknown } | undefined;
  if (!requestId || (d?.value !== 'approve' && d?.value !== 'reject')) return null;
  return { requestId, decision: d.value, reason: s(d.reason), by: s(d.by) ?? 'central' };
}

function toRevocation(r: Record<string, unknown>): CentralRevocation | null {
  const cardId = s(r.externalId);
  const v = r.centralRevocation as { reason?: unknown; by?: unknown } | undefined;
  if (!cardId || !v) return null;
  return { cardId, reason: s(v.reason) ?? 'lost', by: s(v.by) ?? 'central' };
}

function toHold(r: Record<string, unknown>): CentralCardHold | null {
  const cardId = s(r.externalId);
  const h = r.centralHold as
    { action?: unknown; reason?: unknown; by?: unknown; at?: unknown } | undefined;
  const at = s(h?.at);
  if (!cardId || !h || !at || (h.action !== 'suspend' && h.action !== 'resume')) return null;
  return { cardId, action: h.action, reason: s(h.reason), by: s(h.by) ?? 'central', at };
}

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

function toInvitation(r: Record<string, unknown>): CentralInvitation | null {
  const centralId = s(r.id);
  const name = s(r.name);
  const email = s(r.email);
  const host = s((r.host as { value?: unknown } | undefined)?.value);
  const firstDay = s(r.firstDay);
  const lastDay = s(r.lastDay) ?? firstDay;
  if (!centralId || !name || !email || !host || !firstDay || !lastDay) return null;
  if (!ISO_DAY.test(firstDay) || !ISO_DAY.test(lastDay)) return null;
  return {
    centralId,
    name,
    company: s(r.company),
    email,
    hostCentralId: host,
    firstDay,
    lastDay,
    processName: s(r.processName),
    language: s(r.language),
    state: r.state === 'withdrawn' ? 'withdrawn' : 'open',
    by: s(r.by) ?? 'central',
  };
}

function toRange(raw: unknown): CentralNumberRange | null {
  const r = raw as { id?: unknown; first?: unknown; last?: unknown } | null;
  if (!r || typeof r.id !== 'string') return null;
  const first = Number(r.first);
  const last = Number(r.last);
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || last < first) return null;
  return { id: `central-${r.id}`, first, last };
}
