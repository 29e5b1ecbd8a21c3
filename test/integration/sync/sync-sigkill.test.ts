/**
 * The appliance killed with SIGKILL in the middle of a drain to the centre: after a restart
 * every event is at the centre, each applied once, in order per object, and nothing is
 * stuck. The appliance runs as `npm start` would (a child process on a temporary state
 * directory); the centre runs here, behind the fault proxy, slowed so the kill lands mid-drain.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SqliteStore } from '../../../appliance/src/store/sqlite-store.js';
import { startCentral, waitUntil, type CentralFixture } from '../../support/central-fixture.js';
import { freePort, startApplianceProcess } from '../../support/appliance-process.js';
import { seedBacklog } from '../../support/sync-backlog.js';

const CARDS = 300;
let fx: CentralFixture;
let stateDir: string;

beforeAll(async () => {
  fx = await startCentral('kiosk-sigkill');
  stateDir = mkdtempSync(join(tmpdir(), 'cardkiosk-sigkill-'));
});
afterAll(async () => {
  await fx.close();
  rmSync(stateDir, { recursive: true, force: true });
});

interface Row {
  id: string;
  aggregate_type: string;
  aggregate_id: string;
  sent_at: string | null;
}

async function outbox(): Promise<Row[]> {
  const store = await SqliteStore.open(join(stateDir, 'cardkiosk.db'));
  try {
    return await store.exclusive(false, (db) => db.all<Row>('SELECT * FROM outbox ORDER BY seq'));
  } finally {
    await store.close();
  }
}

it('loses and duplicates nothing when killed with SIGKILL during a drain', async () => {
  const store = await SqliteStore.open(join(stateDir, 'cardkiosk.db'));
  const total = await seedBacklog(store, CARDS);
  await store.close();
  const config = {
    sync: fx.syncConfig({
      batchSize: 40,
      backoff: { initialMs: 20, maxMs: 200 },
      probeIntervalMs: 20,
      idleCheckMs: 100,
    }),
  };
  // Slow answers keep the drain going long enough to be cut in the middle.
  fx.proxy.set({ kind: 'slow', chunkBytes: 512, delayMs: 3 });
  const port = await freePort();
  const first = await startApplianceProcess(stateDir, port, config);
  await waitUntil('a drain under way', () => fx.central.stats.applied >= total / 4, 60_000, 5);
  await first.kill('SIGKILL');
  const afterKill = await outbox();
  const sentBeforeKill = afterKill.filter((r) => r.sent_at !== null).length;
  expect(sentBeforeKill).toBeLessThan(total);

  fx.proxy.set({ kind: 'pass' });
  const second = await startApplianceProcess(stateDir, port, config);
  await waitUntil('every event at the centre', () => fx.central.stats.applied >= total, 60_000);
  await waitUntil(
    'every event marked sent',
    async () => (await outbox()).every((r) => r.sent_at !== null),
    30_000,
    100,
  );
  await second.kill('SIGTERM');

  const rows = await outbox();
  expect(rows).toHaveLength(total);
  for (const r of rows) expect(fx.central.applications.get(r.id), r.id).toBe(1);
  const byAggregate = new Map<string, string[]>();
  for (const r of rows)
    byAggregate.set(r.aggregate_id, [...(byAggregate.get(r.aggregate_id) ?? []), r.id]);
  for (const r of rows.filter((x) => x.aggregate_type === 'card').slice(0, CARDS * 3)) {
    const card = fx.central.byExternalId('Cards', r.aggregate_id)!;
    expect((card.history as Array<{ eventId: string }>).map((h) => h.eventId)).toEqual(
      byAggregate.get(r.aggregate_id),
    );
  }
}, 180_000);
