/**
 * The durable scheduler's bookkeeping: one row per job with its last successful run, written
 * in the same transaction as the job's own changes (services/scheduler/durable-scheduler.ts).
 */
export const migration0015 = {
  version: 15,
  name: 'scheduled jobs',
  sql: `
CREATE TABLE scheduled_jobs (
  name TEXT PRIMARY KEY,
  last_run_at TEXT,
  last_summary TEXT,
  last_error TEXT,
  last_error_at TEXT,
  runs INTEGER NOT NULL DEFAULT 0
);
`,
};
