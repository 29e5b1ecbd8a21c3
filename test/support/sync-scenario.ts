/**
 * Helpers for the sync tests: an appliance wired to the central test server, a workload that
 * makes every kind of outbox event (walk-ups, cards produced, collected and revoked), and the
 * check that sums up "nothing lost, nothing applied twice, order per object kept".
 */
import { expect } from 'vitest';
import { SCIM } from '../../appliance/src/central/scim-protocol.js';
import { buildTestApp, type TestApp } from './build-test-app.js';
import type { CentralFixture } from './central-fixture.js';
import { addPerson, crewFor, ok, post, produceCard, type Crew } from './workflow-driver.js';

export const FAST_SYNC = {
  batchSize: 50,
  backoff: { initialMs: 20, maxMs: 200 },
  probeIntervalMs: 20,
  pullIntervalMs: 60_000,
  idleCheckMs: 50,
  offlineAfterMs: 60_000,
};

export async function syncedApp(
  fx: CentralFixture,
  sync: Record<string, unknown> = {},
  opts: { requestTimeoutMs?: number } = {},
): Promise<TestApp> {
  return buildTestApp({
    centralClient: fx.client({ requestTimeoutMs: opts.requestTimeoutMs ?? 2_000 }),
    escrow: fx.escrow,
    config: { sync: { enabled: true, ...FAST_SYNC, ...sync } as never },
  });
}

export interface Workload {
  crew: Crew;
  /** Card ids by what happened to them. */
  collected: string[];
  revoked: string[];
  /** Walk-up requests waiting for approval. */
  waiting: string[];
}

/** Cards through hand-over, one revoked, and walk-ups waiting for approval. */
const crews = new WeakMap<TestApp, Crew>();

export async function runWorkload(t: TestApp, cards = 3, walkUps = 2): Promise<Workload> {
  let crew = crews.get(t);
  if (!crew) crews.set(t, (crew = await crewFor(t)));
  const collected: string[] = [];
  for (let i = 0; i < cards; i++) {
    const personId = await addPerson(t, crew.officer, 'employee');
    const request = await produceCard(
      t,
      crew.officer,
      personId,
      'CCProcEmployeeCardWithoutApproval',
    );
    await ok(post(t, crew.producer, `/api/requests/${request.id}/production`, { mode: 'single' }));
    await t.appliance.services.production.whenIdle();
    await ok(post(t, crew.guard, `/api/requests/${request.id}/collect`));
    const card = (
      await ok(
        t.call({ method: 'GET', url: `/api/requests/${request.id}`, cookie: crew.officer.cookie }),
      )
    ).card;
    collected.push(card.id);
  }
  const revoked = collected.splice(0, 1);
  for (const id of revoked)
    await ok(post(t, crew.guard, `/api/cards/${id}/revoke`, { reason: 'lost' }));
  for (let i = 0; i < walkUps; i++) {
    await ok(
      t.call({
        method: 'POST',
        url: '/api/self-service/requests',
        payload: { acceptTerms: true, kind: 'visitor', name: `Walk Up ${i}` },
      }),
      201,
    );
  }
  const waiting = (
    await t.store.read((tx) =>
      tx.requests.list({ state: 'awaiting_approval', limit: 1000, offset: 0 }),
    )
  ).map((r) => r.id);
  return { crew, collected, revoked, waiting };
}

export interface OutboxRow {
  id: string;
  seq: number;
  aggregate_type: string;
  aggregate_id: string;
  type: string;
  priority: number;
  sent_at: string | null;
  rejected_at: string | null;
}

export async function outboxRows(t: TestApp): Promise<OutboxRow[]> {
  return t.store.exclusive(false, (db) => db.all<OutboxRow>('SELECT * FROM outbox ORDER BY seq'));
}

const TYPE_OF: Record<string, string> = {
  person: 'Users',
  card: 'Cards',
  request: 'CardRequests',
  batch: 'CardBatches',
};

/**
 * Every event of this device is marked sent, none rejected; the centre applied each exactly
 * once; each object's history at the centre lists its events in the device's seq order.
 */
export async function expectAllDelivered(t: TestApp, fx: CentralFixture): Promise<void> {
  const rows = await outboxRows(t);
  expect(rows.length).toBeGreaterThan(0);
  expect(rows.filter((r) => r.sent_at === null).map((r) => r.type)).toEqual([]);
  expect(rows.filter((r) => r.rejected_at !== null)).toEqual([]);
  for (const r of rows) expect(fx.central.applications.get(r.id), `${r.type} ${r.id}`).toBe(1);
  const byAggregate = new Map<string, OutboxRow[]>();
  for (const r of rows) {
    const key = `${r.aggregate_type}:${r.aggregate_id}`;
    byAggregate.set(key, [...(byAggregate.get(key) ?? []), r]);
  }
  for (const [key, events] of byAggregate) {
    const [type, id] = key.split(':') as [string, string];
    const resource = fx.central.byExternalId(TYPE_OF[type] as string, id);
    expect(resource, key).toBeDefined();
    const history = (
      type === 'person'
        ? (resource![SCIM.userExtension] as { history: unknown[] }).history
        : (resource!.history as unknown[])
    ) as Array<{ eventId: string }>;
    expect(
      history.map((h) => h.eventId),
      key,
    ).toEqual(events.map((e) => e.id));
  }
}
