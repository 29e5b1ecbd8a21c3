/**
 * SQLite adapters for the workflow's records: persons, requests and their transitions,
 * card objects, production attempts, batches and number ranges.
 */
import type { NumberRange } from '../core/card/card-number.js';
import type {
  BatchRecord,
  BatchState,
  CardRecord,
  PersonRecord,
  ProductionAttemptRecord,
  RequestRecord,
  TransitionRecord,
} from '../core/records.js';
import type {
  BatchRepository,
  CardQuery,
  CardRepository,
  NumberRangeRepository,
  Page,
  PersonQuery,
  PersonRepository,
  PersonUpdatableField,
  ProductionAttemptRepository,
  RequestQuery,
  RequestRepository,
} from '../core/store-ports.js';
import type { RequestState } from '../core/workflow/request-machine.js';
import { blob, bytesOrNull, num, str, strOrNull, where } from './row-mapping.js';
import type { Row, SqlValue, SqliteConnection } from './sqlite-connection.js';

const PERSON_COLUMNS: Record<PersonUpdatableField, string> = {
  name: 'name',
  company: 'company',
  email: 'email',
  validUntil: 'valid_until',
  centralId: 'central_id',
  updatedAt: 'updated_at',
};

export class SqlitePersonRepository implements PersonRepository {
  constructor(private readonly db: SqliteConnection) {}

  async insert(p: PersonRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO persons (id, kind, name, company, email, host_person_id, valid_until, photo_mime, photo, central_id, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        p.id,
        p.kind,
        p.name,
        p.company,
        p.email,
        p.hostPersonId,
        p.validUntil,
        p.photo?.mimeType ?? null,
        blob(p.photo?.data ?? null),
        p.centralId,
        p.createdAt,
        p.updatedAt,
      ],
    );
  }

  async get(id: string): Promise<PersonRecord | null> {
    const row = await this.db.get('SELECT * FROM persons WHERE id = ?', [id]);
    return row ? toPerson(row) : null;
  }

  async getByCentralId(centralId: string): Promise<PersonRecord | null> {
    const row = await this.db.get('SELECT * FROM persons WHERE central_id = ?', [centralId]);
    return row ? toPerson(row) : null;
  }

  async update(
    id: string,
    changes: Partial<Pick<PersonRecord, PersonUpdatableField>>,
  ): Promise<void> {
    const sets: string[] = [];
    const params: SqlValue[] = [];
    for (const [key, value] of Object.entries(changes)) {
      const column = PERSON_COLUMNS[key as PersonUpdatableField];
      if (!column) throw new Error(`unknown person field ${key}`);
      sets.push(`${column} = ?`);
      params.push(value as SqlValue);
    }
    if (sets.length === 0) return;
    await this.db.run(`UPDATE persons SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
  }

  async search(q: PersonQuery): Promise<PersonRecord[]> {
    const parts: string[] = [];
    const params: SqlValue[] = [];
    if (q.kind) {
      parts.push('kind = ?');
      params.push(q.kind);
    }
    if (q.text) {
      // Match any word of the name, company or e-mail by prefix, case-insensitively.
      parts.push(
        "(name LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\' OR company LIKE ? ESCAPE '\\' OR email LIKE ? ESCAPE '\\')",
      );
      const t = q.text.replace(/[\\%_]/g, (c) => `\\${c}`);
      params.push(`${t}%`, `% ${t}%`, `${t}%`, `${t}%`);
    }
    const rows = await this.db.all(
      `SELECT * FROM persons ${parts.length ? `WHERE ${parts.join(' AND ')}` : ''} ORDER BY name COLLATE NOCASE, id LIMIT ? OFFSET ?`,
      [...params, q.limit, q.offset],
    );
    return rows.map(toPerson);
  }
}

function toPerson(r: Row): PersonRecord {
  const mime = strOrNull(r.photo_mime);
  const photo = bytesOrNull(r.photo);
  return {
    id: str(r.id),
    kind: str(r.kind) as PersonRecord['kind'],
    name: str(r.name),
    company: strOrNull(r.company),
    email: strOrNull(r.email),
    hostPersonId: strOrNull(r.host_person_id),
    validUntil: strOrNull(r.valid_until),
    photo: mime && photo ? { mimeType: mime as 'image/jpeg' | 'image/png', data: photo } : null,
    centralId: strOrNull(r.central_id),
    createdAt: str(r.created_at),
    updatedAt: str(r.updated_at),
  };
}

export class SqliteRequestRepository implements RequestRepository {
  constructor(private readonly db: SqliteConnection) {}

  async insert(r: RequestRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO requests (id, process_name, person_id, channel, state, state_reason, requested_by_user_id, requested_by, status_code_hash, batch_id, purpose, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        r.id,
        r.processName,
        r.personId,
        r.channel,
        r.state,
        r.stateReason,
        r.requestedByUserId,
        r.requestedBy,
        r.statusCodeHash,
        r.batchId,
        r.purpose,
        r.createdAt,
        r.updatedAt,
      ],
    );
  }

  async get(id: string): Promise<RequestRecord | null> {
    const row = await this.db.get('SELECT * FROM requests WHERE id = ?', [id]);
    return row ? toRequest(row) : null;
  }

  async getByStatusCodeHash(hash: string): Promise<RequestRecord | null> {
    const row = await this.db.get('SELECT * FROM requests WHERE status_code_hash = ?', [hash]);
    return row ? toRequest(row) : null;
  }

  async setStatusCodeHash(id: string, hash: string, updatedAt: string): Promise<void> {
    await this.db.run('UPDATE requests SET status_code_hash = ?, updated_at = ? WHERE id = ?', [
      hash,
      updatedAt,
      id,
    ]);
  }

  async updateState(
    id: string,
    expected: RequestState,
    next: RequestState,
    changes: { stateReason: string | null; batchId?: string | null; updatedAt: string },
  ): Promise<boolean> {
    const setBatch = changes.batchId !== undefined;
    const res = await this.db.run(
      `UPDATE requests SET state = ?, state_reason = ?, updated_at = ?${setBatch ? ', batch_id = ?' : ''} WHERE id = ? AND state = ?`,
      [
        next,
        changes.stateReason,
        changes.updatedAt,
        ...(setBatch ? [changes.batchId ?? null] : []),
        id,
        expected,
      ],
    );
    return res.changes === 1;
  }

  private filter(q: Omit<RequestQuery, 'limit' | 'offset'>) {
    return where({
      state: q.state,
      process_name: q.processName,
      person_id: q.personId,
      batch_id: q.batchId,
      channel: q.channel,
    });
  }

  async list(q: RequestQuery): Promise<RequestRecord[]> {
    const w = this.filter(q);
    const rows = await this.db.all(
      `SELECT * FROM requests ${w.sql} ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?`,
      [...w.params, q.limit, q.offset],
    );
    return rows.map(toRequest);
  }

  async count(q: Omit<RequestQuery, 'limit' | 'offset'>): Promise<number> {
    const w = this.filter(q);
    const row = await this.db.get(`SELECT COUNT(*) AS n FROM requests ${w.sql}`, w.params);
    return num(row?.n);
  }

  async inStates(states: readonly RequestState[]): Promise<RequestRecord[]> {
    if (states.length === 0) return [];
    const rows = await this.db.all(
      `SELECT * FROM requests WHERE state IN (${states.map(() => '?').join(',')}) ORDER BY updated_at, id`,
      [...states],
    );
    return rows.map(toRequest);
  }

  async addTransition(t: TransitionRecord): Promise<void> {
    await this.db.run(
      'INSERT INTO request_transitions (request_id, from_state, to_state, event, actor, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [t.requestId, t.fromState, t.toState, t.event, t.actor, t.reason, t.at],
    );
  }

  async transitions(requestId: string): Promise<TransitionRecord[]> {
    const rows = await this.db.all(
      'SELECT * FROM request_transitions WHERE request_id = ? ORDER BY seq',
      [requestId],
    );
    return rows.map((r) => ({
      requestId: str(r.request_id),
      fromState: strOrNull(r.from_state) as RequestState | null,
      toState: str(r.to_state) as RequestState,
      event: str(r.event) as TransitionRecord['event'],
      actor: str(r.actor),
      reason: strOrNull(r.reason),
      at: str(r.at),
    }));
  }
}

function toRequest(r: Row): RequestRecord {
  return {
    id: str(r.id),
    processName: str(r.process_name),
    personId: str(r.person_id),
    channel: str(r.channel) as RequestRecord['channel'],
    state: str(r.state) as RequestState,
    stateReason: strOrNull(r.state_reason),
    requestedByUserId: strOrNull(r.requested_by_user_id),
    requestedBy: str(r.requested_by),
    statusCodeHash: strOrNull(r.status_code_hash),
    batchId: strOrNull(r.batch_id),
    purpose: strOrNull(r.purpose),
    createdAt: str(r.created_at),
    updatedAt: str(r.updated_at),
  };
}

const CARD_COLUMNS: Record<string, string> = {
  cardType: 'card_type',
  idType: 'id_type',
  status: 'status',
  pinSealed: 'pin_sealed',
  pukSealed: 'puk_sealed',
  pukEscrow: 'puk_escrow',
  guid: 'guid',
  validFrom: 'valid_from',
  validUntil: 'valid_until',
  chipSerial: 'chip_serial',
  certificateDer: 'certificate_der',
  certificateSerial: 'certificate_serial',
  revocationReason: 'revocation_reason',
  attestation: 'attestation',
  attestationDetail: 'attestation_detail',
  managementKeyAlgorithm: 'management_key_algorithm',
  pinRevealedAt: 'pin_revealed_at',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

export class SqliteCardRepository implements CardRepository {
  constructor(private readonly db: SqliteConnection) {}

  async insert(c: CardRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO cards (id, request_id, card_number, card_type, id_type, status, pin_sealed, puk_sealed, guid, valid_from, valid_until, chip_serial, certificate_der, certificate_serial, revocation_reason, pin_revealed_at, created_at, updated_at, puk_escrow)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        c.id,
        c.requestId,
        c.cardNumber,
        c.cardType,
        c.idType,
        c.status,
        c.pinSealed,
        c.pukSealed,
        c.guid,
        c.validFrom,
        c.validUntil,
        c.chipSerial,
        blob(c.certificateDer),
        c.certificateSerial,
        c.revocationReason,
        c.pinRevealedAt,
        c.createdAt,
        c.updatedAt,
        c.pukEscrow ?? null,
      ],
    );
  }

  async get(id: string): Promise<CardRecord | null> {
    const row = await this.db.get('SELECT * FROM cards WHERE id = ?', [id]);
    return row ? toCard(row) : null;
  }

  async getByGuid(guid: string): Promise<CardRecord | null> {
    // Stored as lower-case hex (card-object-factory) under a UNIQUE index.
    const row = await this.db.get('SELECT * FROM cards WHERE guid = ?', [guid.toLowerCase()]);
    return row ? toCard(row) : null;
  }

  async getByRequest(requestId: string): Promise<CardRecord | null> {
    const row = await this.db.get('SELECT * FROM cards WHERE request_id = ?', [requestId]);
    return row ? toCard(row) : null;
  }

  async update(
    id: string,
    changes: Partial<Omit<CardRecord, 'id' | 'requestId' | 'cardNumber'>>,
  ): Promise<void> {
    const sets: string[] = [];
    const params: SqlValue[] = [];
    for (const [key, value] of Object.entries(changes)) {
      const column = CARD_COLUMNS[key];
      if (!column) throw new Error(`unknown card field ${key}`);
      sets.push(`${column} = ?`);
      params.push(value instanceof Uint8Array ? blob(value) : (value as SqlValue));
    }
    if (sets.length === 0) return;
    await this.db.run(`UPDATE cards SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
  }

  async destroyRevealedPins(before: string): Promise<number> {
    const r = await this.db.run(
      'UPDATE cards SET pin_sealed = NULL WHERE pin_sealed IS NOT NULL AND pin_revealed_at IS NOT NULL AND pin_revealed_at < ?',
      [before],
    );
    return r.changes;
  }

  async withoutEscrow(limit: number): Promise<CardRecord[]> {
    return (await this.db.all(CARD_WITHOUT_ESCROW_SQL, [limit])).map(toCard);
  }

  async list(q: CardQuery): Promise<CardRecord[]> {
    const w = where({ status: q.status, card_number: q.cardNumber, request_id: q.requestId });
    const rows = await this.db.all(
      `SELECT * FROM cards ${w.sql} ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?`,
      [...w.params, q.limit, q.offset],
    );
    return rows.map(toCard);
  }
}

const CARD_WITHOUT_ESCROW_SQL =
  "SELECT * FROM cards WHERE puk_escrow IS NULL AND puk_sealed <> '' ORDER BY created_at, id LIMIT ?";

export function toCard(r: Row): CardRecord {
  return {
    id: str(r.id),
    requestId: str(r.request_id),
    cardNumber: str(r.card_number),
    cardType: str(r.card_type) as CardRecord['cardType'],
    idType: str(r.id_type) as CardRecord['idType'],
    status: str(r.status) as CardRecord['status'],
    pinSealed: strOrNull(r.pin_sealed),
    pukSealed: str(r.puk_sealed),
    pukEscrow: strOrNull(r.puk_escrow),
    guid: str(r.guid),
    validFrom: str(r.valid_from),
    validUntil: str(r.valid_until),
    chipSerial: strOrNull(r.chip_serial),
    certificateDer: bytesOrNull(r.certificate_der),
    certificateSerial: strOrNull(r.certificate_serial),
    revocationReason: strOrNull(r.revocation_reason),
    attestation: strOrNull(r.attestation),
    attestationDetail: strOrNull(r.attestation_detail),
    managementKeyAlgorithm: strOrNull(r.management_key_algorithm),
    pinRevealedAt: strOrNull(r.pin_revealed_at),
    createdAt: str(r.created_at),
    updatedAt: str(r.updated_at),
  };
}

export class SqliteProductionAttemptRepository implements ProductionAttemptRepository {
  constructor(private readonly db: SqliteConnection) {}

  async insert(a: ProductionAttemptRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO production_attempts (id, request_id, card_id, attempt, batch_id, started_at, finished_at, outcome, reason, spoiled_cards, bytes_sent, printer, encoder)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        a.id,
        a.requestId,
        a.cardId,
        a.attempt,
        a.batchId,
        a.startedAt,
        a.finishedAt,
        a.outcome,
        a.reason,
        a.spoiledCards,
        a.bytesSent,
        a.printer,
        a.encoder,
      ],
    );
  }

  async finish(
    id: string,
    outcome: 'succeeded' | 'failed',
    c: { finishedAt: string; reason: string | null; spoiledCards: number; bytesSent: number },
  ): Promise<void> {
    await this.db.run(
      'UPDATE production_attempts SET outcome = ?, finished_at = ?, reason = ?, spoiled_cards = ?, bytes_sent = ? WHERE id = ?',
      [outcome, c.finishedAt, c.reason, c.spoiledCards, c.bytesSent, id],
    );
  }

  async forRequest(requestId: string): Promise<ProductionAttemptRecord[]> {
    const rows = await this.db.all(
      'SELECT * FROM production_attempts WHERE request_id = ? ORDER BY attempt',
      [requestId],
    );
    return rows.map(toAttempt);
  }

  async running(): Promise<ProductionAttemptRecord[]> {
    const rows = await this.db.all(
      "SELECT * FROM production_attempts WHERE outcome = 'running' ORDER BY started_at",
    );
    return rows.map(toAttempt);
  }

  async markCardFed(id: string, at: string): Promise<void> {
    await this.db.run('UPDATE production_attempts SET card_fed_at = ? WHERE id = ?', [at, id]);
  }

  async spoiledTotal(): Promise<number> {
    const row = await this.db.get(
      'SELECT COALESCE(SUM(spoiled_cards), 0) AS n FROM production_attempts',
    );
    return num(row?.n);
  }
}

function toAttempt(r: Row): ProductionAttemptRecord {
  return {
    id: str(r.id),
    requestId: str(r.request_id),
    cardId: str(r.card_id),
    attempt: num(r.attempt),
    batchId: strOrNull(r.batch_id),
    startedAt: str(r.started_at),
    finishedAt: strOrNull(r.finished_at),
    outcome: str(r.outcome) as ProductionAttemptRecord['outcome'],
    reason: strOrNull(r.reason),
    spoiledCards: num(r.spoiled_cards),
    bytesSent: num(r.bytes_sent),
    printer: str(r.printer),
    encoder: str(r.encoder),
    cardFedAt: strOrNull(r.card_fed_at),
  };
}

export class SqliteBatchRepository implements BatchRepository {
  constructor(private readonly db: SqliteConnection) {}

  async insert(b: BatchRecord): Promise<void> {
    await this.db.run(
      'INSERT INTO batches (id, name, state, created_by, created_at, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [b.id, b.name, b.state, b.createdBy, b.createdAt, b.startedAt, b.finishedAt],
    );
  }

  async get(id: string): Promise<BatchRecord | null> {
    const row = await this.db.get('SELECT * FROM batches WHERE id = ?', [id]);
    return row ? toBatch(row) : null;
  }

  async getByName(name: string): Promise<BatchRecord | null> {
    const row = await this.db.get('SELECT * FROM batches WHERE name = ?', [name]);
    return row ? toBatch(row) : null;
  }

  async setState(
    id: string,
    state: BatchState,
    at: { startedAt?: string; finishedAt?: string },
  ): Promise<void> {
    await this.db.run(
      'UPDATE batches SET state = ?, started_at = COALESCE(?, started_at), finished_at = COALESCE(?, finished_at) WHERE id = ?',
      [state, at.startedAt ?? null, at.finishedAt ?? null, id],
    );
  }

  async list(q: Page & { state?: BatchState }): Promise<BatchRecord[]> {
    const w = where({ state: q.state });
    const rows = await this.db.all(
      `SELECT * FROM batches ${w.sql} ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?`,
      [...w.params, q.limit, q.offset],
    );
    return rows.map(toBatch);
  }
}

function toBatch(r: Row): BatchRecord {
  return {
    id: str(r.id),
    name: str(r.name),
    state: str(r.state) as BatchState,
    createdBy: str(r.created_by),
    createdAt: str(r.created_at),
    startedAt: strOrNull(r.started_at),
    finishedAt: strOrNull(r.finished_at),
  };
}

export class SqliteNumberRangeRepository implements NumberRangeRepository {
  constructor(private readonly db: SqliteConnection) {}

  async all(): Promise<NumberRange[]> {
    const rows = await this.db.all('SELECT * FROM number_ranges ORDER BY ordinal, id');
    return rows.map((r) => ({
      id: str(r.id),
      first: num(r.first),
      last: num(r.last),
      next: num(r.next),
    }));
  }

  async ensure(range: { id: string; first: number; last: number }): Promise<void> {
    const existing = await this.db.get('SELECT first, last FROM number_ranges WHERE id = ?', [
      range.id,
    ]);
    if (existing) {
      if (num(existing.first) !== range.first || num(existing.last) !== range.last) {
        throw new Error(
          `number range ${range.id} is already defined with other bounds; give the new range a new id`,
        );
      }
      return;
    }
    const overlap = await this.db.get(
      'SELECT id FROM number_ranges WHERE first <= ? AND last >= ?',
      [range.last, range.first],
    );
    if (overlap) throw new Error(`number range ${range.id} overlaps range ${str(overlap.id)}`);
    const ord = await this.db.get('SELECT COALESCE(MAX(ordinal), 0) + 1 AS n FROM number_ranges');
    await this.db.run(
      'INSERT INTO number_ranges (id, ordinal, first, last, next) VALUES (?, ?, ?, ?, ?)',
      [range.id, num(ord?.n), range.first, range.last, range.first],
    );
  }

  async advance(id: string, next: number): Promise<void> {
    // Only forward: a number once handed out is never handed out again.
    const res = await this.db.run('UPDATE number_ranges SET next = ? WHERE id = ? AND next < ?', [
      next,
      id,
      next,
    ]);
    if (res.changes !== 1) throw new Error(`number range ${id} cannot move back`);
  }
}
