/**
 * Drives card requests through the HTTP API the way staff and walk-ups do, for scenario tests:
 * each helper asserts the status it expects and returns the parsed body.
 */
import { expect } from 'vitest';
import { TEST_PASSCODE, type Staff, type TestApp } from './build-test-app.js';

export interface Crew {
  officer: Staff;
  approver: Staff;
  producer: Staff;
  guard: Staff;
}

export async function crewFor(t: TestApp): Promise<Crew> {
  return {
    officer: await t.staff('otto', ['registration_officer']),
    approver: await t.staff('ann', ['approver']),
    producer: await t.staff('pia', ['card_production_admin']),
    guard: await t.staff('sam', ['security_staff']),
  };
}

export async function ok<T = any>(
  res: Promise<{ statusCode: number; body: string; json(): unknown }>,
  status = 200,
): Promise<T> {
  const r = await res;
  expect(r.statusCode, `${r.statusCode} ${r.body}`).toBe(status);
  return (r.body ? r.json() : undefined) as T;
}

let personCounter = 0;

export async function addPerson(
  t: TestApp,
  officer: Staff,
  kind: 'employee' | 'contractor' | 'visitor',
  extra: Record<string, unknown> = {},
): Promise<string> {
  personCounter++;
  const body = await ok<{ id: string }>(
    t.call({
      method: 'POST',
      url: '/api/persons',
      cookie: officer.cookie,
      payload: {
        kind,
        name: `Person ${personCounter} ${kind}`,
        company: 'Acme',
        email: `p${personCounter}@example.test`,
        ...(kind === 'contractor' ? { validUntil: '2027-06-30' } : {}),
        ...extra,
      },
    }),
    201,
  );
  return body.id;
}

export async function produceCard(
  t: TestApp,
  officer: Staff,
  personId: string,
  processName: string,
): Promise<any> {
  return (
    await ok<{ request: any }>(
      t.call({
        method: 'POST',
        url: '/api/requests',
        cookie: officer.cookie,
        payload: { personId, processName },
      }),
      201,
    )
  ).request;
}

export async function getRequest(t: TestApp, staff: Staff, id: string): Promise<any> {
  return ok(t.call({ method: 'GET', url: `/api/requests/${id}`, cookie: staff.cookie }));
}

export const post = (
  t: TestApp,
  staff: Staff | null,
  url: string,
  payload?: unknown,
  headers?: Record<string, string>,
) =>
  t.call({
    method: 'POST',
    url,
    ...(staff ? { cookie: staff.cookie } : {}),
    ...(payload !== undefined ? { payload: payload as object } : {}),
    ...(headers ? { headers } : {}),
  });

/**
 * A card made and handed over: the request (approved first when its process asks), produced
 * singly, collected by the guard. The PIN is the one collection shows the holder.
 */
export async function collectedCard(
  t: TestApp,
  crew: Crew,
  processName: string,
  kind: 'visitor' | 'employee' | 'contractor' = 'employee',
  extra: Record<string, unknown> = {},
): Promise<{ requestId: string; cardId: string; personId: string; pin: string | undefined }> {
  const personId = await addPerson(t, crew.officer, kind, extra);
  const { id } = await produceCard(t, crew.officer, personId, processName);
  const before = await getRequest(t, crew.officer, id);
  if (before.request.state === 'awaiting_approval')
    await ok(post(t, crew.approver, `/api/requests/${id}/approve`));
  await ok(post(t, crew.producer, `/api/requests/${id}/production`, { mode: 'single' }));
  await t.appliance.services.production.whenIdle();
  const collected = await ok<{ pin?: string }>(post(t, crew.guard, `/api/requests/${id}/collect`));
  const d = await getRequest(t, crew.officer, id);
  expect(d.card.status).toBe('collected');
  return { requestId: id, cardId: d.card.id, personId, pin: collected.pin };
}

/** A new session for a staff member (sessions end after 30 idle minutes). */
export async function signedInAgain(t: TestApp, staff: Staff): Promise<Staff> {
  const res = await t.call({
    method: 'POST',
    url: '/api/session',
    payload: { username: staff.username, passcode: TEST_PASSCODE },
  });
  expect(res.statusCode).toBe(200);
  const raw = res.headers['set-cookie'];
  return { ...staff, cookie: ((Array.isArray(raw) ? raw[0] : raw) ?? '').split(';')[0] as string };
}

/** The whole crew back after hours (or years, on a test clock): each signs in again. */
export async function crewSignedInAgain(t: TestApp, crew: Crew): Promise<Crew> {
  return {
    officer: await signedInAgain(t, crew.officer),
    approver: await signedInAgain(t, crew.approver),
    producer: await signedInAgain(t, crew.producer),
    guard: await signedInAgain(t, crew.guard),
  };
}
