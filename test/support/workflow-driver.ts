/**
 * Drives card requests through the HTTP API the way staff and walk-ups do, for scenario tests:
 * each helper asserts the status it expects and returns the parsed body.
 */
import { expect } from 'vitest';
import type { Staff, TestApp } from './build-test-app.js';

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
