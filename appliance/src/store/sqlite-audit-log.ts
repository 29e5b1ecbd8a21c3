/**
 * The audit trail: every event is hash-chained to the one before it
 * (hash = SHA-256(prevHash ‖ canonical JSON of the event)), so that an edited, removed or
 * inserted row breaks the chain at a sequence number `verify` can name.
 */
import { createHash } from 'node:crypto';
import type { AuditEventInput, AuditEventRecord } from '../core/records.js';
import type { AuditLog, AuditQuery } from '../core/store-ports.js';
import { num, str, where } from './row-mapping.js';
import type { Row, SqliteConnection } from './sqlite-connection.js';

export const GENESIS_HASH = '0'.repeat(64);

export function auditHash(
  prevHash: string,
  e: Omit<AuditEventRecord, 'hash' | 'prevHash'>,
): string {
  const canonical = JSON.stringify([
    e.seq,
    e.at,
    e.actor,
    e.action,
    e.objectType,
    e.objectId,
    canonicalize(e.details),
  ]);
  return createHash('sha256').update(prevHash).update(canonical).digest('hex');
}

function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((k) => [k, canonicalize((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

export class SqliteAuditLog implements AuditLog {
  constructor(private readonly db: SqliteConnection) {}

  async append(e: AuditEventInput, at: string): Promise<AuditEventRecord> {
    const last = await this.db.get('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1');
    const seq = last ? num(last.seq) + 1 : 1;
    const prevHash = last ? str(last.hash) : GENESIS_HASH;
    const details = canonicalize(e.details) as Record<string, unknown>;
    const record = { ...e, details, seq, at };
    const hash = auditHash(prevHash, record);
    await this.db.run(
      'INSERT INTO audit_events (seq, at, actor, action, object_type, object_id, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [
        seq,
        at,
        e.actor,
        e.action,
        e.objectType,
        e.objectId,
        JSON.stringify(details),
        prevHash,
        hash,
      ],
    );
    return { ...record, prevHash, hash };
  }

  async list(q: AuditQuery): Promise<AuditEventRecord[]> {
    const w = where({
      object_type: q.objectType,
      object_id: q.objectId,
      actor: q.actor,
      action: q.action,
    });
    const rows = await this.db.all(
      `SELECT * FROM audit_events ${w.sql} ORDER BY seq DESC LIMIT ? OFFSET ?`,
      [...w.params, q.limit, q.offset],
    );
    return rows.map(toAudit);
  }

  async verify(): Promise<{ ok: boolean; events: number; brokenAt: number | null }> {
    const rows = await this.db.all('SELECT * FROM audit_events ORDER BY seq');
    let prev = GENESIS_HASH;
    let expectedSeq = 1;
    // Retention deletes the oldest events; the chain then starts where it recorded (migration 0020).
    const anchor = await this.db.get<{ value: string }>(
      "SELECT value FROM device_state WHERE key = 'audit_chain_anchor'",
    );
    if (anchor) {
      const a = JSON.parse(anchor.value) as { seq: number; prevHash: string };
      prev = a.prevHash;
      expectedSeq = a.seq;
    }
    for (const row of rows) {
      const e = toAudit(row);
      if (e.seq !== expectedSeq || e.prevHash !== prev || auditHash(prev, e) !== e.hash) {
        return { ok: false, events: rows.length, brokenAt: e.seq };
      }
      prev = e.hash;
      expectedSeq++;
    }
    return { ok: true, events: rows.length, brokenAt: null };
  }
}

function toAudit(r: Row): AuditEventRecord {
  return {
    seq: num(r.seq),
    at: str(r.at),
    actor: str(r.actor),
    action: str(r.action),
    objectType: str(r.object_type) as AuditEventRecord['objectType'],
    objectId: str(r.object_id),
    details: JSON.parse(str(r.details)) as Record<string, unknown>,
    prevHash: str(r.prev_hash),
    hash: str(r.hash),
  };
}
