/**
 * The durable scheduler against the real SQLite store: a job's work and the record of its run
 * commit together or not at all, an overdue job runs once after downtime covering the whole
 * missed period, and the record survives a restart. Time is a TestClock; nothing sleeps.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../appliance/src/services/ports.js';
import {
  DurableScheduler,
  type JobWindow,
  type ScheduledJob,
} from '../../../../appliance/src/services/scheduler/durable-scheduler.js';
import { SqliteStore } from '../../../../appliance/src/store/sqlite-store.js';
import { TestClock } from '../../../support/test-clock.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

let dir: string;
let store: SqliteStore;
let clock: TestClock;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cardkiosk-scheduler-'));
  store = await SqliteStore.open(join(dir, 'db.sqlite'));
  clock = new TestClock(new Date('2031-04-02T10:00:00.000Z'));
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A job that writes one audit event per run, so its work is visible in the store. */
function auditingJob(
  name: string,
  due: ScheduledJob['due'],
  windows: JobWindow[],
  failWith?: () => Error | null,
): ScheduledJob {
  return {
    name,
    due,
    async run(tx, window) {
      windows.push(window);
      await tx.audit.append(
        {
          actor: 'scheduler',
          action: `job.${name}`,
          objectType: 'device',
          objectId: 'd',
          details: {},
        },
        window.now.toISOString(),
      );
      const err = failWith?.();
      if (err) throw err;
      return { summary: { wrote: 1 } };
    },
  };
}

async function jobAudits(name: string): Promise<number> {
  const events = await store.read((tx) =>
    tx.audit.list({ limit: 1000, offset: 0, action: `job.${name}` }),
  );
  return events.length;
}

function scheduler(): DurableScheduler {
  return new DurableScheduler({ store, clock, log: silentLogger });
}

describe('durable scheduler', () => {
  it('runs a job that never ran at once, then only when its interval has passed', async () => {
    const windows: JobWindow[] = [];
    const s = scheduler();
    s.register(auditingJob('tick', { kind: 'interval', everyMs: 5 * 60_000 }, windows));
    expect((await s.runDue()).map((r) => r.name)).toEqual(['tick']);
    expect(windows[0]?.since).toBeNull();
    clock.advance(4 * 60_000);
    expect(await s.runDue()).toEqual([]);
    clock.advance(60_000);
    expect(await s.runDue()).toHaveLength(1);
    expect(windows[1]?.since).toEqual(new Date('2031-04-02T10:00:00.000Z'));
    expect(await jobAudits('tick')).toBe(2);
  });

  it('records the run in the transaction of the work: a failing run leaves neither', async () => {
    const windows: JobWindow[] = [];
    let fail = true;
    const s = scheduler();
    s.register(
      auditingJob('fragile', { kind: 'interval', everyMs: 60_000 }, windows, () =>
        fail ? new Error('disk said no') : null,
      ),
    );
    const [report] = await s.runDue();
    expect(report).toMatchObject({ name: 'fragile', ok: false, error: 'disk said no' });
    expect(await jobAudits('fragile')).toBe(0);
    const [status] = await s.status();
    expect(status).toMatchObject({ lastRunAt: null, runs: 0, lastError: 'disk said no' });
    // Still due: the next tick tries again and, this time, both commit.
    fail = false;
    expect((await s.runDue())[0]).toMatchObject({ ok: true, summary: { wrote: 1 } });
    expect(await jobAudits('fragile')).toBe(1);
    expect((await s.status())[0]).toMatchObject({ runs: 1, lastError: null });
  });

  it('catches up once after downtime, covering the whole missed period, across a restart', async () => {
    const windows: JobWindow[] = [];
    const daily = { kind: 'daily', at: '02:00', timeZone: 'Europe/Berlin' } as const;
    const first = scheduler();
    first.register(auditingJob('nightly', daily, windows));
    await first.start();
    await first.stop();
    const firstRun = windows[0]?.now;
    await store.close();

    // Off for nine days; the job is due nine times over but must run once.
    clock.advance(9 * DAY_MS);
    store = await SqliteStore.open(join(dir, 'db.sqlite'));
    const second = scheduler();
    second.register(auditingJob('nightly', daily, windows));
    const reports = await second.start();
    await second.stop();
    expect(reports).toHaveLength(1);
    expect(windows).toHaveLength(2);
    expect(windows[1]?.since).toEqual(firstRun);
    expect(windows[1]?.now).toEqual(clock.now());
    expect(await jobAudits('nightly')).toBe(2);

    // Not due again until the next 02:00 in Berlin.
    const [status] = await second.status();
    expect(status?.nextDueAt).toBe('2031-04-12T00:00:00.000Z');
  });

  it('does not run a job on restart when it is not due yet', async () => {
    const windows: JobWindow[] = [];
    const a = scheduler();
    a.register(auditingJob('hourly', { kind: 'interval', everyMs: HOUR_MS }, windows));
    await a.runDue();
    clock.advance(HOUR_MS / 2);
    const b = scheduler();
    b.register(auditingJob('hourly', { kind: 'interval', everyMs: HOUR_MS }, windows));
    expect(await b.start()).toEqual([]);
    await b.stop();
    expect(windows).toHaveLength(1);
  });

  it('runs after-commit steps only once the run is on disk, and a failure there keeps the run', async () => {
    const seen: number[] = [];
    const s = scheduler();
    s.register({
      name: 'notify',
      due: { kind: 'interval', everyMs: 60_000 },
      async run() {
        return {
          summary: { n: 1 },
          afterCommit: async () => {
            const [rec] = await store.read((tx) => tx.scheduledJobs.list());
            seen.push(rec?.runs ?? -1);
            throw new Error('event bus down');
          },
        };
      },
    });
    expect((await s.runDue())[0]).toMatchObject({ ok: true });
    expect(seen).toEqual([1]);
  });

  it('refuses two jobs with one name and a malformed rule', () => {
    const s = scheduler();
    s.register(auditingJob('x', { kind: 'interval', everyMs: 60_000 }, []));
    expect(() => s.register(auditingJob('x', { kind: 'interval', everyMs: 60_000 }, []))).toThrow(
      /already registered/,
    );
    expect(() =>
      s.register(auditingJob('y', { kind: 'daily', at: '7am', timeZone: 'UTC' }, [])),
    ).toThrow(/HH:MM/);
  });

  it('refuses to start with a job in an unknown time zone, before any job runs', async () => {
    const windows: JobWindow[] = [];
    const s = scheduler();
    s.register(auditingJob('first', { kind: 'interval', everyMs: 60_000 }, windows));
    s.register(auditingJob('z', { kind: 'daily', at: '03:00', timeZone: 'Mars/Olympus' }, []));
    await expect(s.start()).rejects.toThrow(/unknown time zone "Mars\/Olympus"/);
    expect(windows).toEqual([]);
    await s.stop();
  });

  it('never overlaps runs: a second runDue waits for the first', async () => {
    let active = 0;
    let maxActive = 0;
    const s = scheduler();
    s.register({
      name: 'slow',
      due: { kind: 'interval', everyMs: 1000 },
      async run(tx) {
        active++;
        maxActive = Math.max(maxActive, active);
        await tx.audit.list({ limit: 1, offset: 0 });
        active--;
      },
    });
    const [a, b] = await Promise.all([s.runDue(), s.runDue()]);
    expect(maxActive).toBe(1);
    // The second found the job already run at this instant.
    expect([a.length, b.length].sort()).toEqual([0, 1]);
  });
});
