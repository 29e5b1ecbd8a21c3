/**
 * The moments a crash can fall into, reproduced in-process: the change committed with its
 * Idempotency-Key while storing the answer failed (what SIGKILL between the two leaves on
 * disk), and half-done work from before a restart. A replay gets one consistent answer and
 * never repeats the change; a PIN nobody saw is shown by the replay, then refused; start-up
 * finishes what was stranded. (The real-process version is crash-torture.test.ts.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { StoreTx } from '../../appliance/src/core/store-ports.js';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { FakePivEncoder } from '../support/fake-devices.js';
import {
  addPerson,
  crewFor,
  getRequest,
  ok,
  post,
  produceCard,
} from '../support/workflow-driver.js';

/** Every transaction storing an Idempotency-Key answer fails while `crashing` is set. */
function failAnswerStorage(t: TestApp): { crashing: boolean } {
  const control = { crashing: false };
  const original = t.store.transaction.bind(t.store);
  t.store.transaction = <T>(fn: (tx: StoreTx) => Promise<T>) =>
    original((tx) => {
      if (!control.crashing) return fn(tx);
      const idempotency = Object.create(tx.idempotency, {
        answer: {
          value: async () => {
            throw new Error('simulated crash before the answer was stored');
          },
        },
      });
      return fn({ ...tx, idempotency });
    });
  return control;
}

const rows = (t: TestApp, sql: string, params: unknown[] = []) =>
  t.store.exclusive(false, (db) => db.all<Record<string, unknown>>(sql, params as never[]));

let t: TestApp | null = null;
afterEach(async () => {
  await t?.dispose();
  t = null;
});

describe('a crash after the change committed, before its answer was stored', () => {
  it('records the key with the change, and a walk-up replay gets a working code, once', async () => {
    t = await buildTestApp();
    const control = failAnswerStorage(t);
    const headers = { 'idempotency-key': 'walk-up-crash-1' };
    const payload = { kind: 'visitor', name: 'Crash Window', acceptTerms: true };
    control.crashing = true;
    const lost = await post(t, null, '/api/self-service/requests', payload, headers);
    control.crashing = false;
    expect(lost.statusCode).toBe(500);

    // On disk: the submitted request and its claimed key, nothing else.
    const requests = await rows(t, 'SELECT id, state FROM requests');
    expect(requests).toEqual([{ id: expect.any(String), state: 'awaiting_approval' }]);
    expect(await rows(t, 'SELECT status_code, resource_id FROM idempotency_keys')).toEqual([
      { status_code: 0, resource_id: requests[0]!.id },
    ]);

    const replay = await post(t, null, '/api/self-service/requests', payload, headers);
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const { statusCode } = replay.json() as { statusCode: string };
    const status = await ok(post(t, null, '/api/self-service/status', { statusCode }, undefined));
    expect(status).toMatchObject({ state: 'awaiting_approval', holderName: 'Crash Window' });
    const again = await post(t, null, '/api/self-service/requests', payload, headers);
    expect(again.json()).toEqual(replay.json());
    expect(await rows(t, 'SELECT id FROM requests')).toHaveLength(1);
  });

  it('shows a collected PIN nobody saw to the replay, destroys it then, and refuses after', async () => {
    const encoder = new FakePivEncoder();
    t = await buildTestApp({ encoder });
    const crew = await crewFor(t);
    const person = await addPerson(t, crew.officer, 'visitor');
    const { id } = await produceCard(t, crew.officer, person, 'CCProcVisitorCardWithoutApproval');
    await ok(post(t, crew.producer, `/api/requests/${id}/production`, { mode: 'single' }));
    await t.appliance.services.production.whenIdle();
    const control = failAnswerStorage(t);
    const headers = { 'idempotency-key': `collect-crash-${id}` };

    control.crashing = true;
    const lost = await post(t, crew.guard, `/api/requests/${id}/collect`, undefined, headers);
    control.crashing = false;
    expect(lost.statusCode).toBe(500);
    expect(lost.body).not.toContain(encoder.chips[0]!.pin);
    // Collected, but the PIN waits (sealed) for the answer that carries it.
    expect(await rows(t, 'SELECT status, pin_sealed IS NOT NULL AS kept FROM cards')).toEqual([
      { status: 'collected', kept: 1 },
    ]);

    const replay = await post(t, crew.guard, `/api/requests/${id}/collect`, undefined, headers);
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toMatchObject({
      pin: encoder.chips[0]!.pin,
      request: { state: 'collected' },
    });
    expect(await rows(t, 'SELECT pin_sealed FROM cards')).toEqual([{ pin_sealed: null }]);
    const stored = await rows(
      t,
      'SELECT body, secrets_sealed, secrets_shown_at FROM idempotency_keys',
    );
    expect(stored).toEqual([
      {
        body: expect.not.stringContaining(encoder.chips[0]!.pin),
        secrets_sealed: null,
        secrets_shown_at: expect.any(String),
      },
    ]);

    const refused = await post(t, crew.guard, `/api/requests/${id}/collect`, undefined, headers);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ error: 'ALREADY_DONE' });
    expect(refused.body).not.toContain(encoder.chips[0]!.pin);
    const history = (await getRequest(t, crew.officer, id)).transitions as Array<{ event: string }>;
    expect(history.filter((h) => h.event === 'collect')).toHaveLength(1);
  });

  it('answers a replayed approval from the request as it is, without approving twice', async () => {
    t = await buildTestApp();
    const crew = await crewFor(t);
    const person = await addPerson(t, crew.officer, 'visitor');
    const { id } = await produceCard(t, crew.officer, person, 'CCProcVisitorCardWithApproval');
    const control = failAnswerStorage(t);
    const headers = { 'idempotency-key': `approve-crash-${id}` };
    control.crashing = true;
    expect(
      (await post(t, crew.approver, `/api/requests/${id}/approve`, undefined, headers)).statusCode,
    ).toBe(500);
    control.crashing = false;
    const replay = await ok(
      post(t, crew.approver, `/api/requests/${id}/approve`, undefined, headers),
    );
    expect(replay.request).toMatchObject({ id, state: 'card_generated' });
    const again = await ok(
      post(t, crew.approver, `/api/requests/${id}/approve`, undefined, headers),
    );
    expect(again).toEqual(replay);
    const history = (await getRequest(t, crew.officer, id)).transitions as Array<{ event: string }>;
    expect(history.filter((h) => h.event === 'approve')).toHaveLength(1);
  });

  it('stores a refusal that changed nothing nowhere, so the key can be used again', async () => {
    t = await buildTestApp();
    const crew = await crewFor(t);
    const headers = { 'idempotency-key': 'refused-1' };
    const missing = '00000000-0000-4000-8000-000000000000';
    expect(
      (await post(t, crew.approver, `/api/requests/${missing}/approve`, undefined, headers))
        .statusCode,
    ).toBe(404);
    expect(await rows(t, 'SELECT * FROM idempotency_keys')).toEqual([]);
  });
});

describe('start-up finishes half-done work', () => {
  it('submits a request stranded in `requested` and releases a running batch’s held members', async () => {
    t = await buildTestApp();
    const crew = await crewFor(t);
    const stranded = (
      await produceCard(
        t,
        crew.officer,
        await addPerson(t, crew.officer, 'visitor'),
        'CCProcVisitorCardWithApproval',
      )
    ).id;
    const members: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { id } = await produceCard(
        t,
        crew.officer,
        await addPerson(t, crew.officer, 'visitor'),
        'CCProcVisitorCardWithoutApproval',
      );
      await ok(
        post(t, crew.producer, `/api/requests/${id}/production`, {
          mode: 'mass',
          batchName: 'held',
        }),
      );
      members.push(id);
    }
    const batchId = (await getRequest(t, crew.officer, members[0]!)).request.batchId as string;
    // What the two-transaction versions left after a crash: a request created but not
    // submitted, and a batch marked running whose members were never released.
    await t.store.exclusive(true, async (db) => {
      await db.run("UPDATE requests SET state = 'requested' WHERE id = ?", [stranded]);
      await db.run("UPDATE batches SET state = 'running' WHERE id = ?", [batchId]);
    });
    await t.appliance.app.close();
    await t.store.close();

    const second = await buildTestApp({ stateDir: t.stateDir });
    t = second;
    await second.appliance.services.production.whenIdle();
    expect((await getRequest(second, crew.officer, stranded)).request.state).toBe(
      'awaiting_approval',
    );
    for (const id of members)
      expect((await getRequest(second, crew.officer, id)).request.state).toBe('produced');
    await expect
      .poll(async () => (await rows(second, 'SELECT state FROM batches'))[0])
      .toEqual({
        state: 'completed',
      });
  });
});
