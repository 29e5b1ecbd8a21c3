/**
 * The store port of the durable scheduler: one row per job name with its last run. The
 * scheduler records a run through this port inside the transaction that holds the job's own
 * changes, so the record and the work commit together or not at all.
 */

export interface ScheduledJobRecord {
  name: string;
  /** The `now` of the last successful run (ISO 8601); null before the first. */
  lastRunAt: string | null;
  /** What the last successful run reported (counts, never personal data or secrets). */
  lastSummary: Record<string, unknown> | null;
  /** The last failure's message and time; cleared by the next successful run. */
  lastError: string | null;
  lastErrorAt: string | null;
  /** Successful runs so far. */
  runs: number;
}

export interface ScheduledJobRepository {
  get(name: string): Promise<ScheduledJobRecord | null>;
  list(): Promise<ScheduledJobRecord[]>;
  /** Record a successful run at `at`; clears the last error. */
  recordRun(name: string, at: string, summary: Record<string, unknown>): Promise<void>;
  /** Record a failed run; leaves lastRunAt as it was, so the job stays due. */
  recordFailure(name: string, at: string, error: string): Promise<void>;
}
