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

  async nextForDelivery(limit: number): Promise<OutboxEventRecord[]> {
    // Aggregates with an urgent event waiting (a revocation) go first with all their waiting
    // events in seq order, so per-card order holds. The first query is a range scan of the
    // pending index and finds nothing on most calls.
    const urgentAggregates = await this.db.all(
      `SELECT DISTINCT aggregate_type, aggregate_id FROM outbox
        WHERE sent_at IS NULL AND rejected_at IS NULL AND priority < ?`,
      [DEFAULT_OUTBOX_PRIORITY],
    );
    const urgent: Row[] = [];
    for (const a of urgentAggregates) {
      if (urgent.length >= limit) break;
      urgent.push(
        ...(await this.db.all(
          `SELECT * FROM outbox WHERE aggregate_type = ? AND aggregate_id = ?
              AND sent_at IS NULL AND rejected_at IS NULL ORDER BY seq`,
          [a.aggregate_type ?? null, a.aggregate_id ?? null],
        )),
      );
    }
    urgent.sort((x, y) => num(x.seq) - num(y.seq));
    if (urgent.length >= limit) return urgent.slice(0, limit).map(toOutbox);
    const rest = await this.db.all(
      'SELECT * FROM outbox WHERE sent_at IS NULL AND rejected_at IS NULL ORDER BY seq LIMIT ?',
      [limit],
    );
    const taken = new Set(urgent.map((r) => str(r.id)));
    return [...urgent, ...rest.filter((r) => !taken.has(str(r.id)))].slice(0, limit).map(toOutbox);
  }

  async markSent(ids: readonly string[], at: string): Promise<void> {
    for (let i = 0; i < ids.length; i += SQL_VARIABLES_PER_STATEMENT) {
      const chunk = ids.slice(i, i + SQL_VARIABLES_PER_STATEMENT);
      await this.db.run(
        `UPDATE outbox SET sent_at = ?, last_error = NULL WHERE sent_at IS NULL AND id IN (${chunk.map(() => '?').join(',')})`,
        [at, ...chunk],
      );
    }
  }

  async markRejected(id: string, reason: string, at: string): Promise<void> {
    await this.db.run(
      'UPDATE outbox SET rejected_at = ?, last_error = ? WHERE id = ? AND sent_at IS NULL',
      [at, reason, id],
    );
  }

  async deliveryStats(): Promise<{
    pending: number;
    rejected: number;
    oldestPendingAt: string | null;
  }> {
    const row = await this.db.get(
      `SELECT
         (SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND rejected_at IS NULL) AS pending,
         (SELECT COUNT(*) FROM outbox WHERE rejected_at IS NOT NULL AND sent_at IS NULL) AS rejected,
         (SELECT created_at FROM outbox WHERE sent_at IS NULL AND rejected_at IS NULL ORDER BY seq LIMIT 1) AS oldest`,
    );
    return {
      pending: num(row?.pending),
      rejected: num(row?.rejected),
      oldestPendingAt: strOrNull(row?.oldest),
    };
  }

  async centralIds(
    keys: readonly { aggregateType: string; aggregateId: string }[],
  ): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const ids = [...new Set(keys.map((k) => k.aggregateId))];
    for (let i = 0; i < ids.length; i += SQL_VARIABLES_PER_STATEMENT) {
      const chunk = ids.slice(i, i + SQL_VARIABLES_PER_STATEMENT);
      const rows = await this.db.all(
        `SELECT aggregate_type, aggregate_id, central_id FROM sync_links WHERE aggregate_id IN (${chunk.map(() => '?').join(',')})`,
        chunk,
      );
      for (const r of rows)
        found.set(`${str(r.aggregate_type)}:${str(r.aggregate_id)}`, str(r.central_id));
    }
    return found;
  }

  async linkCentralId(
    aggregateType: string,
    aggregateId: string,
    centralId: string,
    at: string,
  ): Promise<void> {
    await this.db.run(
      'INSERT INTO sync_links (aggregate_type, aggregate_id, central_id, linked_at) VALUES (?, ?, ?, ?) ON CONFLICT(aggregate_type, aggregate_id) DO UPDATE SET central_id = excluded.central_id',
      [aggregateType, aggregateId, centralId, at],
    );
  }

  async syncValue(key: string): Promise<string | null> {
    const row = await this.db.get('SELECT value FROM device_state WHERE key = ?', [`sync.${key}`]);
    return strOrNull(row?.value);
  }

  async setSyncValue(key: string, value: string | null): Promise<void> {
    if (value === null) {
      await this.db.run('DELETE FROM device_state WHERE key = ?', [`sync.${key}`]);
      return;
    }
    await this.db.run(
      'INSERT INTO device_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      [`sync.${key}`, value],
    );
  }
}

/** Below SQLite's default limit of bound variables per statement (999 on older builds). */
const SQL_VARIABLES_PER_STATEMENT = 500;

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
