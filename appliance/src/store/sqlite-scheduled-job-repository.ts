/** SQLite adapter of the scheduler's port: the scheduled_jobs table (migration 0015). */
import type {
  ScheduledJobRecord,
  ScheduledJobRepository,
} from '../core/scheduler/scheduled-job-store.js';
import type { Row, SqliteConnection } from './sqlite-connection.js';
import { num, str, strOrNull } from './row-mapping.js';

function toRecord(r: Row): ScheduledJobRecord {
  const summary = strOrNull(r.last_summary);
  return {
    name: str(r.name),
    lastRunAt: strOrNull(r.last_run_at),
    lastSummary: summary === null ? null : (JSON.parse(summary) as Record<string, unknown>),
    lastError: strOrNull(r.last_error),
    lastErrorAt: strOrNull(r.last_error_at),
    runs: num(r.runs),
  };
}

export class SqliteScheduledJobRepository implements ScheduledJobRepository {
  constructor(private readonly db: SqliteConnection) {}

  async get(name: string): Promise<ScheduledJobRecord | null> {
    const r = await this.db.get('SELECT * FROM scheduled_jobs WHERE name = ?', [name]);
    return r ? toRecord(r) : null;
  }

  async list(): Promise<ScheduledJobRecord[]> {
    return (await this.db.all('SELECT * FROM scheduled_jobs ORDER BY name')).map(toRecord);
  }

  async recordRun(name: string, at: string, summary: Record<string, unknown>): Promise<void> {
    await this.db.run(
      `INSERT INTO scheduled_jobs (name, last_run_at, last_summary, runs) VALUES (?, ?, ?, 1)
       ON CONFLICT(name) DO UPDATE SET last_run_at = excluded.last_run_at,
         last_summary = excluded.last_summary, last_error = NULL, last_error_at = NULL,
         runs = runs + 1`,
      [name, at, JSON.stringify(summary)],
    );
  }

  async recordFailure(name: string, at: string, error: string): Promise<void> {
    await this.db.run(
      `INSERT INTO scheduled_jobs (name, last_error, last_error_at) VALUES (?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET last_error = excluded.last_error,
         last_error_at = excluded.last_error_at`,
      [name, error, at],
    );
  }
}
