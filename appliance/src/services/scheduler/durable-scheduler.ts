/**
 * The one durable scheduler of the appliance: card expiry, temporary-card expiry, visit
 * retention, automatic sign-out and any other work that must happen at a time rather than in
 * answer to a request.
 *
 * Contract (for whoever registers a job):
 * - `register({ name, due, run })` before `start()`. Names are unique and stable: the last run
 *   is stored under the name, so renaming a job makes it run as if it never had. register()
 *   refuses a malformed rule; start() refuses an unknown time zone before anything runs.
 * - `due` is `{ kind: 'interval', everyMs }` (due `everyMs` after its last run) or
 *   `{ kind: 'daily', at: 'HH:MM', timeZone }` (due at the first such wall-clock time in that
 *   IANA zone after its last run; core/scheduler/due-rule.ts). A job that never ran is due at
 *   once.
 * - `run(tx, window)` does the job's work inside ONE store transaction `tx` that the scheduler
 *   opened; the scheduler records the run (lastRunAt = window.now, the returned summary) in the
 *   same transaction, so a crash leaves both or neither. `window.since` is the previous run's
 *   `now` (null the first time): the run covers the whole period (since, now], which is how a
 *   job catches up after the device was off: an overdue job runs ONCE, not once per missed
 *   period. Work must therefore be written as "everything due by `now`", never "what became
 *   due in the last interval".
 * - `run` returns a summary (counts; never personal data or secrets) and optionally
 *   `afterCommit`, called once the transaction is on disk (emit live events, publish a CRL);
 *   an error there is logged, never undoes the run.
 * - A `run` that throws rolls back everything it wrote; the failure is recorded in a separate
 *   transaction and the job stays due, so it is tried again at the next tick.
 * - Time is the injected Clock's. `runDue()` runs every job due at clock.now(), one after the
 *   other in registration order; tests advance a TestClock and call it (no sleeps). `start()`
 *   runs `runDue()` once (catch-up after downtime), then arms a timer for the next due time,
 *   capped at MAX_TICK_MS so a clock jump (NTP, suspend) is noticed within that time. The
 *   timer is unref'd: it never keeps the process alive. `stop()` disarms it and waits for a
 *   run in progress. Runs never overlap.
 */
import {
  checkDueRule,
  checkDueRuleShape,
  isDue,
  nextDueAt,
  type DueRule,
} from '../../core/scheduler/due-rule.js';
import type { ScheduledJobRecord } from '../../core/scheduler/scheduled-job-store.js';
import type { Clock } from '../../core/ports.js';
import type { Store, StoreTx } from '../../core/store-ports.js';
import type { Logger } from '../ports.js';

/** The longest the timer waits before looking at the clock again. */
export const MAX_TICK_MS = 60_000;

export interface JobWindow {
  /** The previous successful run's `now`; null on the first run. */
  since: Date | null;
  now: Date;
}

export interface JobResult {
  summary?: Record<string, unknown>;
  afterCommit?: () => void | Promise<void>;
}

export interface ScheduledJob {
  name: string;
  due: DueRule;
  run(tx: StoreTx, window: JobWindow): Promise<JobResult | void>;
}

export interface JobRunReport {
  name: string;
  ok: boolean;
  summary?: Record<string, unknown>;
  error?: string;
}

export class DurableScheduler {
  private readonly jobs: ScheduledJob[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<JobRunReport[]> | null = null;
  private started = false;

  constructor(private readonly deps: { store: Store; clock: Clock; log: Logger }) {}

  register(job: ScheduledJob): void {
    if (this.jobs.some((j) => j.name === job.name))
      throw new Error(`a scheduled job named ${job.name} is already registered`);
    // The time zone is checked by start(), which the service calls once it listens: loading
    // the zone database is not worth delaying the kiosk's first screen for.
    checkDueRuleShape(job.due);
    this.jobs.push(job);
  }

  jobNames(): string[] {
    return this.jobs.map((j) => j.name);
  }

  /** Each registered job's stored record (null fields before its first run) and next due time. */
  async status(): Promise<(ScheduledJobRecord & { nextDueAt: string | null })[]> {
    const records = await this.deps.store.read((tx) => tx.scheduledJobs.list());
    return this.jobs.map((job) => {
      const r = records.find((x) => x.name === job.name) ?? {
        name: job.name,
        lastRunAt: null,
        lastSummary: null,
        lastError: null,
        lastErrorAt: null,
        runs: 0,
      };
      const due = nextDueAt(job.due, r.lastRunAt ? new Date(r.lastRunAt) : null);
      return { ...r, nextDueAt: due ? due.toISOString() : null };
    });
  }

  /** Run every job due at the clock's now; waits for (and then repeats after) a run in progress. */
  async runDue(): Promise<JobRunReport[]> {
    while (this.running) await this.running;
    this.running = this.runDueOnce();
    try {
      return await this.running;
    } finally {
      this.running = null;
    }
  }

  /** Refuses a job whose time zone is unknown (nothing has run then); runs what is due. */
  async start(): Promise<JobRunReport[]> {
    for (const job of this.jobs) checkDueRule(job.due);
    this.started = true;
    const reports = await this.runDue();
    this.arm();
    return reports;
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private async runDueOnce(): Promise<JobRunReport[]> {
    const { store, clock, log } = this.deps;
    const reports: JobRunReport[] = [];
    for (const job of this.jobs) {
      const now = clock.now();
      const at = now.toISOString();
      let afterCommit: JobResult['afterCommit'];
      try {
        const outcome = await store.transaction(async (tx) => {
          const record = await tx.scheduledJobs.get(job.name);
          const since = record?.lastRunAt ? new Date(record.lastRunAt) : null;
          if (!isDue(job.due, since, now)) return null;
          const result = (await job.run(tx, { since, now })) ?? {};
          const summary = result.summary ?? {};
          await tx.scheduledJobs.recordRun(job.name, at, summary);
          afterCommit = result.afterCommit;
          return summary;
        });
        if (outcome === null) continue;
        reports.push({ name: job.name, ok: true, summary: outcome });
        log.info({ job: job.name, ...outcome }, 'scheduled job ran');
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        reports.push({ name: job.name, ok: false, error: message });
        log.error({ err, job: job.name }, 'scheduled job failed; it stays due');
        await store
          .transaction((tx) => tx.scheduledJobs.recordFailure(job.name, at, message))
          .catch((e: unknown) => log.error({ err: e }, 'recording a job failure failed'));
        continue;
      }
      try {
        await afterCommit?.();
      } catch (err) {
        log.warn({ err, job: job.name }, 'scheduled job: after-commit step failed');
      }
    }
    return reports;
  }

  /** Sleep until the earliest next due time (at most MAX_TICK_MS), then run and re-arm. */
  private arm(): void {
    if (!this.started) return;
    if (this.timer) clearTimeout(this.timer);
    void this.untilNextDueMs()
      .catch(() => MAX_TICK_MS)
      .then((delayMs) => {
        if (!this.started) return;
        this.timer = setTimeout(() => {
          this.timer = null;
          void this.runDue()
            .catch((err: unknown) => this.deps.log.error({ err }, 'scheduler tick failed'))
            .finally(() => this.arm());
        }, delayMs);
        this.timer.unref();
      });
  }

  private async untilNextDueMs(): Promise<number> {
    const status = await this.status();
    const now = this.deps.clock.now().getTime();
    let earliest = now + MAX_TICK_MS;
    for (const s of status) {
      const due = s.nextDueAt ? Date.parse(s.nextDueAt) : now;
      // A failed job is retried at the next full tick, not in a tight loop.
      const when = s.lastError && due <= now ? now + MAX_TICK_MS : due;
      earliest = Math.min(earliest, when);
    }
    return Math.max(0, earliest - now);
  }
}
