/**
 * The SQLite store: one durable connection, migrated on open, with every piece of work
 * (reads included) serialised so that a transaction's statements never interleave with
 * another caller's. `transaction` resolves only after COMMIT, which with synchronous=FULL
 * means the change is on disk.
 *
 * Whether the disk takes writes is known from the outcome of the last real write; only when
 * nothing was written for a while does a question about it commit a probe row, so monitoring
 * /health costs no writes on an SD card (a probe at most every probeIntervalMs).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Store, StoreTx } from '../core/store-ports.js';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';
import { SqliteAuditLog } from './sqlite-audit-log.js';
import { SqliteConnection } from './sqlite-connection.js';
import { SqliteOutbox } from './sqlite-outbox.js';
import { SqliteScheduledJobRepository } from './sqlite-scheduled-job-repository.js';
import { SqliteCardLifecycleRepository } from './sqlite-card-lifecycle-repository.js';
import {
  SqliteIdempotencyRepository,
  SqliteSessionRepository,
  SqliteUserRepository,
} from './sqlite-staff-repositories.js';
import {
  SqliteBatchRepository,
  SqliteCardRepository,
  SqliteNumberRangeRepository,
  SqlitePersonRepository,
  SqliteProductionAttemptRepository,
  SqliteRequestRepository,
} from './sqlite-workflow-repositories.js';
import {
  SqliteBarredPersonRepository,
  SqliteInvitationRepository,
  SqliteNotificationRepository,
  SqliteRetentionRepository,
  SqliteVisitRepository,
} from './sqlite-visit-repositories.js';

/** SQLite result codes that mean the file or disk refuses writes, not that a statement was wrong. */
const WRITE_REFUSED = /^SQLITE_(READONLY|IOERR|FULL|CANTOPEN|CORRUPT|NOTADB|PERM)/;

export interface SqliteStoreOptions {
  /** Monotonic milliseconds (performance.now by default); tests advance their own. */
  monotonicNow?: () => number;
  /** How long a successful write answers "writable" before a probe commits one (5 min). */
  probeIntervalMs?: number;
  /** How long a failed write answers "not writable" before a probe tries again (10 s). */
  retryIntervalMs?: number;
}

export class SqliteStore implements Store {
  private readonly tx: StoreTx;
  private closed = false;
  private lastWrite: { ok: boolean; at: number } | null = null;
  private probing: Promise<boolean> | null = null;
  private readonly now: () => number;
  private readonly probeIntervalMs: number;
  private readonly retryIntervalMs: number;

  private constructor(
    private readonly conn: SqliteConnection,
    options: SqliteStoreOptions,
  ) {
    this.now = options.monotonicNow ?? (() => performance.now());
    this.probeIntervalMs = options.probeIntervalMs ?? 5 * 60_000;
    this.retryIntervalMs = options.retryIntervalMs ?? 10_000;
    this.tx = {
      persons: new SqlitePersonRepository(conn),
      requests: new SqliteRequestRepository(conn),
      cards: new SqliteCardRepository(conn),
      attempts: new SqliteProductionAttemptRepository(conn),
      batches: new SqliteBatchRepository(conn),
      numberRanges: new SqliteNumberRangeRepository(conn),
      users: new SqliteUserRepository(conn),
      sessions: new SqliteSessionRepository(conn),
      audit: new SqliteAuditLog(conn),
      outbox: new SqliteOutbox(conn),
      idempotency: new SqliteIdempotencyRepository(conn),
      scheduledJobs: new SqliteScheduledJobRepository(conn),
      cardLifecycle: new SqliteCardLifecycleRepository(conn),
      visits: new SqliteVisitRepository(conn),
      notifications: new SqliteNotificationRepository(conn),
      invitations: new SqliteInvitationRepository(conn),
      barred: new SqliteBarredPersonRepository(conn),
      retention: new SqliteRetentionRepository(conn),
    };
  }

  static async open(file: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const conn = await SqliteConnection.open(file);
    await migrate(conn, MIGRATIONS);
    const store = new SqliteStore(conn, options);
    // One probe at open, so the first /health already knows and writes nothing. Not awaited:
    // its commit (on a new WAL, a header and a frame, each with an fsync) overlaps the rest of
    // the start; whoever asks for writability meanwhile shares it.
    void store.isWritable();
    return store;
  }

  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.conn.serialize(async () => {
      this.assertOpen();
      try {
        await this.conn.exec('BEGIN IMMEDIATE');
      } catch (err) {
        this.noteWriteFailure(err);
        throw err;
      }
      try {
        const result = await fn(this.tx);
        await this.conn.exec('COMMIT');
        this.lastWrite = { ok: true, at: this.now() };
        return result;
      } catch (err) {
        this.noteWriteFailure(err);
        await this.conn.exec('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  read<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.conn.serialize(async () => {
      this.assertOpen();
      return fn(this.tx);
    });
  }

  /**
   * Run fn on the connection itself, serialised with all other work and, when `write`, inside
   * one write transaction. For adapters in store/ that implement ports of other modules.
   */
  exclusive<T>(write: boolean, fn: (conn: SqliteConnection) => Promise<T>): Promise<T> {
    if (!write) return this.conn.serialize(async () => (this.assertOpen(), fn(this.conn)));
    return this.transaction(() => fn(this.conn));
  }

  /**
   * Whether the database takes writes: the last write's outcome while it is recent, else a
   * committed probe row (one at a time, however many callers ask at once).
   */
  async isWritable(): Promise<boolean> {
    const last = this.lastWrite;
    if (last && this.now() - last.at < (last.ok ? this.probeIntervalMs : this.retryIntervalMs)) {
      return last.ok;
    }
    this.probing ??= this.probe().finally(() => (this.probing = null));
    return this.probing;
  }

  private async probe(): Promise<boolean> {
    try {
      await this.conn.serialize(async () => {
        this.assertOpen();
        // A real committed write: proves the file, its directory (for the WAL) and the disk.
        await this.conn.run(
          "INSERT INTO device_state (key, value) VALUES ('health_probe', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
          [new Date().toISOString()],
        );
      });
      this.lastWrite = { ok: true, at: this.now() };
      return true;
    } catch {
      this.lastWrite = { ok: false, at: this.now() };
      return false;
    }
  }

  private noteWriteFailure(err: unknown): void {
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && WRITE_REFUSED.test(code)) {
      this.lastWrite = { ok: false, at: this.now() };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.conn.serialize(async () => {
      this.closed = true;
      await this.conn.close();
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the store is closed');
  }
}
