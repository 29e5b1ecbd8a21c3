/**
 * The outbox: every change the central Identity Manager must learn, written in the same
 * transaction as the change. The event id (a UUID) is the idempotency key of the write to
 * the centre; lower priority values are sent first.
 */
import { randomUUID } from 'node:crypto';
import type { OutboxEventInput, OutboxEventRecord } from '../core/records.js';
import type { Outbox } from '../core/store-ports.js';
import { num, str, strOrNull } from './row-mapping.js';
import type { Row, SqliteConnection } from './sqlite-connection.js';

export const DEFAULT_OUTBOX_PRIORITY = 10;

export class SqliteOutbox implements Outbox {
  constructor(private readonly db: SqliteConnection) {}

  async add(e: OutboxEventInput, at: string): Promise<OutboxEventRecord> {
    const id = randomUUID();
    const priority = e.priority ?? DEFAULT_OUTBOX_PRIORITY;
    const res = await this.db.run(
      'INSERT INTO outbox (id, aggregate_type, aggregate_id, type, payload, priority, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [id, e.aggregateType, e.aggregateId, e.type, JSON.stringify(e.payload), priority, at],
    );
    return { ...e, priority, id, seq: res.lastID, createdAt: at, sentAt: null };
  }

  async pending(limit: number): Promise<OutboxEventRecord[]> {
    const rows = await this.db.all(
      'SELECT * FROM outbox WHERE sent_at IS NULL ORDER BY priority, seq LIMIT ?',
      [limit],
    );
    return rows.map(toOutbox);
  }

  async countPending(): Promise<number> {
    return num((await this.db.get('SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL'))?.n);
  }
}

function toOutbox(r: Row): OutboxEventRecord {
  return {
    id: str(r.id),
    seq: num(r.seq),
    aggregateType: str(r.aggregate_type) as OutboxEventRecord['aggregateType'],
    aggregateId: str(r.aggregate_id),
    type: str(r.type),
    payload: JSON.parse(str(r.payload)) as Record<string, unknown>,
    priority: num(r.priority),
    createdAt: str(r.created_at),
    sentAt: strOrNull(r.sent_at),
  };
}
