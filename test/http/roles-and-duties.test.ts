/**
 * Role checks over every staff transition and separation of duties, through HTTP: for each
 * event's route, every staff role is tried against a request in the state the event needs;
 * only the roles the state table names get through, and a refusal changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAFF_ROLES, type StaffRole } from '../../appliance/src/core/roles.js';
import {
  REQUEST_MACHINE,
  type RequestEventType,
  type RequestState,
} from '../../appliance/src/core/workflow/request-machine.js';
import { buildTestApp, type Staff, type TestApp } from '../support/build-test-app.js';
import { dbSnapshot } from '../support/db-snapshot.js';
import type { FakeCardPrinter } from '../support/fake-devices.js';
import {
  addPerson,
  crewFor,
  getRequest,
  ok,
  post,
  produceCard,
  type Crew,
} from '../support/workflow-driver.js';

const ROUTE: Partial<Record<RequestEventType, { path: string; body?: object }>> = {
  approve: { path: 'approve' },
  reject: { path: 'reject', body: { reason: 'not expected today' } },
  choose_single: { path: 'production', body: { mode: 'single' } },
  choose_mass: { path: 'production', body: { mode: 'mass', batchName: 'roles' } },
  retry: { path: 'retry' },
  cancel: { path: 'cancel', body: { reason: 'duplicate' } },
  collect: { path: 'collect' },
};

function allowedRoles(state: RequestState, event: RequestEventType): StaffRole[] {
  const roles = new Set((REQUEST_MACHINE[state][event] ?? []).flatMap((c) => c.roles));
  return STAFF_ROLES.filter((r) => roles.has(r));
}

describe('roles and separation of duties over HTTP', () => {
  let t: TestApp;
  let crew: Crew;
  const byRole = {} as Record<StaffRole, Staff>;

  beforeAll(async () => {
    t = await buildTestApp();
    crew = await crewFor(t);
    for (const role of STAFF_ROLES) byRole[role] = await t.staff(`only-${role}`, [role]);
  });
  afterAll(async () => t.dispose());

  /** A request of a with-approval visitor process brought to `state`. */
  async function requestIn(state: RequestState): Promise<string> {
    const personId = await addPerson(t, crew.officer, 'visitor');
    const { id } = await produceCard(t, crew.officer, personId, 'CCProcVisitorCardWithApproval');
    if (state === 'awaiting_approval') return id;
    await ok(post(t, crew.approver, `/api/requests/${id}/approve`));
    if (state === 'card_generated') return id;
    if (state === 'production_failed')
      (t.printer as FakeCardPrinter).failNext('feed', 'feeder_empty');
    await ok(post(t, crew.producer, `/api/requests/${id}/production`, { mode: 'single' }));
    await t.appliance.services.production.whenIdle();
    const now = (await getRequest(t, crew.officer, id)).request.state;
    if (now !== state) throw new Error(`could not bring a request to ${state}; it is ${now}`);
    return id;
  }

  const cases: Array<[RequestEventType, RequestState]> = [
    ['approve', 'awaiting_approval'],
    ['reject', 'awaiting_approval'],
    ['choose_single', 'card_generated'],
    ['choose_mass', 'card_generated'],
    ['retry', 'production_failed'],
    ['cancel', 'production_failed'],
    ['collect', 'produced'],
  ];

  for (const [event, state] of cases) {
    for (const role of STAFF_ROLES) {
      const allowed = allowedRoles(state, event).includes(role);
      it(`${event} from ${state} by ${role}: ${allowed ? 'accepted' : 'refused'}`, async () => {
        const id = await requestIn(state);
        const route = ROUTE[event]!;
        const before = await dbSnapshot(t);
        const res = await post(t, byRole[role], `/api/requests/${id}/${route.path}`, route.body);
        if (allowed) {
          expect(res.statusCode, res.body).toBe(200);
        } else {
          expect(res.statusCode, res.body).toBe(403);
          expect(res.json().error).toBe('ROLE_NOT_ALLOWED');
          expect(await dbSnapshot(t)).toEqual(before);
        }
      });
    }
  }

  it('refuses an approval by whoever requested the card, and lets another approver approve', async () => {
    const both = await t.staff('dual', ['registration_officer', 'approver']);
    const personId = await addPerson(t, both, 'visitor');
    const { id } = await produceCard(t, both, personId, 'CCProcVisitorCardWithApproval');
    const before = await dbSnapshot(t);
    const res = await post(t, both, `/api/requests/${id}/approve`);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({
      error: 'SEPARATION_OF_DUTIES',
      message: 'whoever requested a card cannot approve it (separation of duties)',
    });
    expect(await dbSnapshot(t)).toEqual(before);
    await ok(post(t, crew.approver, `/api/requests/${id}/approve`));
  });

  it('refuses a rejection by whoever requested the card; they cancel it, and another approver may reject', async () => {
    const both = await t.staff('dual-reject', ['registration_officer', 'approver']);
    const personId = await addPerson(t, both, 'visitor');
    const mine = (await produceCard(t, both, personId, 'CCProcVisitorCardWithApproval')).id;
    const before = await dbSnapshot(t);
    const res = await post(t, both, `/api/requests/${mine}/reject`, { reason: 'changed my mind' });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({
      error: 'SEPARATION_OF_DUTIES',
      message:
        'whoever requested a card cannot reject it (separation of duties); cancel it instead',
    });
    expect(await dbSnapshot(t)).toEqual(before);
    const cancelled = await ok(
      post(t, both, `/api/requests/${mine}/cancel`, { reason: 'changed my mind' }),
    );
    expect(cancelled.request.state).toBe('cancelled');

    const theirs = (await produceCard(t, both, personId, 'CCProcVisitorCardWithApproval')).id;
    const rejected = await ok(
      post(t, crew.approver, `/api/requests/${theirs}/reject`, { reason: 'not expected today' }),
    );
    expect(rejected.request.state).toBe('rejected');
  });

  it('has no approval step in a without-approval process', async () => {
    const personId = await addPerson(t, crew.officer, 'visitor');
    const { id, state } = await produceCard(
      t,
      crew.officer,
      personId,
      'CCProcVisitorCardWithoutApproval',
    );
    expect(state).toBe('card_generated');
    const res = await post(t, crew.approver, `/api/requests/${id}/approve`);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('TRANSITION_NOT_ALLOWED');
  });

  it('keeps walk-ups out of staff routes', async () => {
    for (const url of [
      '/api/requests',
      '/api/persons',
      '/api/cards',
      '/api/audit',
      '/api/batches',
      '/api/users',
    ]) {
      const res = await t.call({ method: 'GET', url });
      expect(res.statusCode, url).toBe(401);
    }
    const id = await requestIn('awaiting_approval');
    expect((await post(t, null, `/api/requests/${id}/approve`)).statusCode).toBe(401);
  });

  it('lets only registration officers start "Produce card"', async () => {
    const personId = await addPerson(t, crew.officer, 'visitor');
    for (const role of STAFF_ROLES.filter((r) => r !== 'registration_officer')) {
      const res = await post(t, byRole[role], '/api/requests', {
        personId,
        processName: 'CCProcVisitorCardWithApproval',
      });
      expect(res.statusCode, role).toBe(403);
    }
  });
});
