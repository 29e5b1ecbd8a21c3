/**
 * The SQLite store: one durable connection, migrated on open, with every piece of work
 * (reads included) serialised so that a transaction's statements never interleave with
 * another caller's. `transaction` resolves only after COMMIT, which with synchronous=FULL
 * means the change is on disk.
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

export class SqliteStore implements Store {
  private readonly tx: StoreTx;
  private closed = false;

  private constructor(private readonly conn: SqliteConnection) {
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

  static async open(file: string): Promise<SqliteStore> {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const conn = await SqliteConnection.open(file);
    await migrate(conn, MIGRATIONS);
    return new SqliteStore(conn);
  }

  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.conn.serialize(async () => {
      this.assertOpen();
      await this.conn.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.tx);
        await this.conn.exec('COMMIT');
        return result;
      } catch (err) {
        await this.conn.exec('ROLLBACK');
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

  async isWritable(): Promise<boolean> {
    try {
      await this.conn.serialize(async () => {
        this.assertOpen();
        // A real committed write: proves the file, its directory (for the WAL) and the disk.
        await this.conn.run(
          "INSERT INTO device_state (key, value) VALUES ('health_probe', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
          [new Date().toISOString()],
        );
      });
      return true;
    } catch {
      return false;
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
