/**
 * The SCIM 2.0 (RFC 7643/7644) shape of cardkiosk's sync: resource types, schema URNs, and
 * the mapping from outbox events to SCIM Bulk operations and back. Pure; no I/O.
 *
 * Resource types at the centre: persons are `User` (core schema plus the cardkiosk User
 * extension); card objects are `Card`; card requests are `CardRequest` (the centre needs them
 * to approve or reject centrally and to see each request's progress); batches are
 * `CardBatch`; leased card-number ranges are `CardNumberRange`.
 *
 * Idempotency: each event is one operation whose idempotency key is the outbox event id. It
 * is the `bulkId` of a create (POST) and the `eventId` of the history entry that every
 * operation appends to its resource; the centre answers a key it has seen with the first
 * result and applies nothing.
 */
import type { OutboxEventRecord } from '../core/records.js';

/**
 * cardkiosk's own schemas live under the SCIM extension namespace with the product's name
 * (as vendors do, and as SCIMMY requires: every schema id starts urn:ietf:params:scim:schemas).
 */
export const SCIM = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  userExtension: 'urn:ietf:params:scim:schemas:extension:cardkiosk:2.0:User',
  card: 'urn:ietf:params:scim:schemas:extension:cardkiosk:2.0:Card',
  cardRequest: 'urn:ietf:params:scim:schemas:extension:cardkiosk:2.0:CardRequest',
  cardBatch: 'urn:ietf:params:scim:schemas:extension:cardkiosk:2.0:CardBatch',
  numberRange: 'urn:ietf:params:scim:schemas:extension:cardkiosk:2.0:CardNumberRange',
  invitation: 'urn:ietf:params:scim:schemas:extension:cardkiosk:2.0:Invitation',
  bulkRequest: 'urn:ietf:params:scim:api:messages:2.0:BulkRequest',
  bulkResponse: 'urn:ietf:params:scim:api:messages:2.0:BulkResponse',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
} as const;

export const ENDPOINT: Record<OutboxEventRecord['aggregateType'], string> = {
  person: '/Users',
  card: '/Cards',
  request: '/CardRequests',
  batch: '/CardBatches',
};

export interface BulkOperation {
  method: 'POST' | 'PATCH';
  path: string;
  bulkId?: string;
  data: Record<string, unknown>;
}

export interface HistoryEntry {
  eventId: string;
  type: string;
  at: string;
  /** The event's facts as JSON, less anything sealed. */
  details: string;
}

/** Whether this event creates its object at the centre (the first event of its aggregate). */
export function isCreate(e: OutboxEventRecord): boolean {
  switch (e.aggregateType) {
    case 'person':
      return e.type === 'person.created';
    case 'card':
      return e.type === 'card.generated';
    case 'batch':
      return e.type === 'batch.created';
    case 'request':
      return e.type === 'request.state_changed' && e.payload.from === null;
  }
}

export const linkKey = (e: { aggregateType: string; aggregateId: string }): string =>
  `${e.aggregateType}:${e.aggregateId}`;

function historyEntry(e: OutboxEventRecord): HistoryEntry {
  const { pukEscrow: _sealed, certificateDer: _cert, ...facts } = e.payload;
  return {
    eventId: e.id,
    type: e.type,
    at: typeof e.payload.at === 'string' ? e.payload.at : e.createdAt,
    details: JSON.stringify(facts),
  };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const defined = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/**
 * The centre's User id of a person on this device, when the device knows it (a directory
 * import, or a person whose create the centre acknowledged).
 */
export type CentralPersonId = (personId: string) => string | undefined;

/**
 * A reference to a person, in the centre's terms where the device knows them (`value`, the
 * centre's User id) and always in the device's (`externalId`), which the centre resolves among
 * the Users this device created when `value` is absent.
 */
function personRef(
  personId: unknown,
  central: CentralPersonId,
): Record<string, unknown> | undefined {
  const id = str(personId);
  return id ? defined({ value: central(id), externalId: id }) : undefined;
}

/** The resource a create event makes at the centre. */
function createData(e: OutboxEventRecord, central: CentralPersonId): Record<string, unknown> {
  const p = e.payload;
  const history = [historyEntry(e)];
  switch (e.aggregateType) {
    case 'person':
      return defined({
        schemas: [SCIM.user, SCIM.userExtension],
        externalId: e.aggregateId,
        // Unique at the centre and stable: walk-ups have no directory account name.
        userName: `cardkiosk-${e.aggregateId}`,
        displayName: str(p.name),
        name: { formatted: str(p.name) },
        userType: str(p.kind),
        active: true,
        emails: str(p.email) ? [{ value: p.email, type: 'work', primary: true }] : undefined,
        [SCIM.userExtension]: defined({
          kind: str(p.kind),
          company: str(p.company),
          validUntil: str(p.validUntil),
          hostExternalId: str(p.hostPersonId),
          host: personRef(p.hostPersonId, central),
          history,
        }),
      });
    case 'card':
      return defined({
        schemas: [SCIM.card],
        externalId: e.aggregateId,
        cardNumber: str(p.cardNumber),
        cardType: str(p.cardType),
        idType: str(p.idType),
        status: str(p.status),
        guid: str(p.guid),
        validFrom: str(p.validFrom),
        validUntil: str(p.validUntil),
        numberRange: str(p.numberRange),
        holder: personRef(p.personId, central),
        request: { externalId: str(p.requestId) },
        pukEscrow: str(p.pukEscrow)
          ? { value: p.pukEscrow, keyId: str(p.pukEscrowKeyId) }
          : undefined,
        history,
      });
    case 'request':
      return defined({
        schemas: [SCIM.cardRequest],
        externalId: e.aggregateId,
        processName: str(p.processName),
        channel: str(p.channel),
        state: str(p.to),
        stateReason: str(p.reason),
        requestedBy: str(p.actor),
        person: personRef(p.personId, central),
        history,
      });
    case 'batch':
      return defined({
        schemas: [SCIM.cardBatch],
        externalId: e.aggregateId,
        name: str(p.name),
        state: 'open',
        history,
      });
  }
}

/** The attributes an update event replaces on its resource. */
function replaced(e: OutboxEventRecord): Record<string, unknown> {
  const p = e.payload;
  switch (e.aggregateType) {
    case 'card':
      return defined({
        status: str(p.status),
        chipSerial: str(p.chipSerial),
        certificate: str(p.certificateDer),
        certificateSerial: str(p.certificateSerial),
        revocationReason: str(p.revokeReason) ?? str(p.reason),
        // Lifecycle changes: the hold (certificateHold) and its release, and the links to the
        // cards before and after this one.
        hold: isRecord(p.hold)
          ? defined({
              active: p.hold.active === true,
              kind: str(p.hold.kind),
              reason: str(p.hold.reason),
              since: str(p.hold.since),
            })
          : undefined,
        // SCIMMY refuses to replace an empty multi-valued attribute with an empty list.
        links:
          Array.isArray(p.links) && p.links.length > 0
            ? p.links.filter(isRecord).map((l) =>
                defined({
                  type: str(l.kind),
                  direction: str(l.direction),
                  externalId: str(l.cardId),
                  request: str(l.requestId),
                }),
              )
            : undefined,
        attestation: str(p.attestation)
          ? { outcome: p.attestation, detail: str(p.attestationDetail) }
          : undefined,
        managementKeyAlgorithm: str(p.managementKeyAlgorithm),
        pukEscrow: str(p.pukEscrow)
          ? { value: p.pukEscrow, keyId: str(p.pukEscrowKeyId) }
          : undefined,
      });
    case 'request':
      return defined({
        state: str(p.to),
        stateReason: str(p.reason) ?? '',
        batch: str(p.batchId) ? { externalId: p.batchId } : undefined,
      });
    case 'batch':
      return defined({
        state:
          e.type === 'batch.started'
            ? 'running'
            : e.type === 'batch.completed'
              ? 'completed'
              : undefined,
      });
    case 'person':
      return {};
  }
}

/**
 * The Bulk operation for one event; null when it updates an object whose centre id is not
 * known (its create was refused, so the update cannot be placed).
 */
export function toOperation(
  e: OutboxEventRecord,
  centralId: string | undefined,
  centralPersonId: CentralPersonId = () => undefined,
): BulkOperation | null {
  const endpoint = ENDPOINT[e.aggregateType];
  if (isCreate(e))
    return { method: 'POST', path: endpoint, bulkId: e.id, data: createData(e, centralPersonId) };
  if (!centralId) return null;
  const historyPath = e.aggregateType === 'person' ? `${SCIM.userExtension}:history` : 'history';
  const value = replaced(e);
  return {
    method: 'PATCH',
    path: `${endpoint}/${centralId}`,
    data: {
      schemas: [SCIM.patchOp],
      Operations: [
        ...(Object.keys(value).length ? [{ op: 'replace', value }] : []),
        { op: 'add', path: historyPath, value: [historyEntry(e)] },
      ],
    },
  };
}

/** The idempotency key the centre reads from an operation (see the module comment). */
export function operationKey(op: {
  method?: unknown;
  bulkId?: unknown;
  data?: unknown;
}): string | null {
  if (op.method === 'POST' && typeof op.bulkId === 'string') return op.bulkId;
  const data = op.data as { Operations?: Array<{ op?: string; value?: unknown }> } | undefined;
  for (const o of data?.Operations ?? []) {
    const v = Array.isArray(o.value)
      ? (o.value[0] as { eventId?: unknown } | undefined)
      : undefined;
    if (o.op === 'add' && typeof v?.eventId === 'string') return v.eventId;
  }
  return null;
}

export interface BulkResult {
  method: string;
  bulkId?: string;
  location?: string;
  status: number;
  detail?: string;
  /** The centre had applied this key before (cardkiosk extension member of the result). */
  duplicate: boolean;
}

/**
 * Check a BulkResponse against the operations sent, strictly: anything that does not line
 * up (missing members, more results than operations, a result for another operation) makes
 * the whole answer unusable, so nothing is marked sent on a malformed or partial answer.
 */
export function parseBulkResponse(body: unknown, sent: readonly BulkOperation[]): BulkResult[] {
  if (typeof body !== 'object' || body === null) throw new Error('not a JSON object');
  const { schemas, Operations } = body as { schemas?: unknown; Operations?: unknown };
  if (!Array.isArray(schemas) || !schemas.includes(SCIM.bulkResponse))
    throw new Error('not a BulkResponse');
  if (!Array.isArray(Operations)) throw new Error('BulkResponse without Operations');
  if (Operations.length > sent.length) throw new Error('more results than operations');
  return Operations.map((raw: unknown, i) => {
    const op = sent[i] as BulkOperation;
    if (typeof raw !== 'object' || raw === null) throw new Error(`result ${i} is not an object`);
    const r = raw as Record<string, unknown>;
    const status = Number(r.status);
    if (!Number.isInteger(status) || status < 100 || status > 599)
      throw new Error(`result ${i} has no status`);
    if (r.method !== op.method) throw new Error(`result ${i} is for another operation`);
    if (op.method === 'POST' && r.bulkId !== op.bulkId)
      throw new Error(`result ${i} is for another bulkId`);
    const location = typeof r.location === 'string' ? r.location : undefined;
    if (op.method === 'PATCH' && status < 300 && location && !location.endsWith(op.path))
      throw new Error(`result ${i} is for another resource`);
    if (op.method === 'POST' && status < 300 && !location)
      throw new Error(`result ${i} created a resource without a location`);
    const response = r.response as { detail?: unknown } | undefined;
    return {
      method: op.method,
      ...(op.bulkId ? { bulkId: op.bulkId } : {}),
      ...(location ? { location } : {}),
      status,
      ...(typeof response?.detail === 'string' ? { detail: response.detail.slice(0, 300) } : {}),
      duplicate: r['urn:cardkiosk:duplicate'] === true,
    };
  });
}

/** The id at the end of a resource location. */
export function idFromLocation(location: string): string {
  const id = location.split('/').pop();
  if (!id) throw new Error('location without an id');
  return decodeURIComponent(id);
}
