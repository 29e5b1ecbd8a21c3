/**
 * The bad-input sweep: every operation in the OpenAPI document at /docs/json gets malformed
 * input generated from its own schemas (test/support/openapi-bad-input.ts), from every staff
 * role and from an anonymous caller. Every answer is a 4xx with exactly `{ error, message }`,
 * never a 5xx, and the database is unchanged. The cases come from the document, not from a
 * list here, so an operation added later is swept without touching this file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAFF_ROLES } from '../../appliance/src/core/roles.js';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { dbSnapshot } from '../support/db-snapshot.js';
import {
  badInputCases,
  operationsOf,
  unbrokenRequest,
  type BadInputCase,
  type OpenApiDocument,
  type Operation,
} from '../support/openapi-bad-input.js';
import { addPerson, crewFor, produceCard } from '../support/workflow-driver.js';

describe('every operation in the OpenAPI document refuses malformed input', () => {
  let t: TestApp;
  let operations: Operation[];
  const callers: Array<{ who: string; cookie: string | null }> = [
    { who: 'anonymous', cookie: null },
  ];

  beforeAll(async () => {
    t = await buildTestApp({ certificates: null });
    // Some data, so that a refusal that slipped through would have something to change.
    const crew = await crewFor(t);
    const personId = await addPerson(t, crew.officer, 'visitor');
    await produceCard(t, crew.officer, personId, 'CCProcVisitorCardWithApproval');
    for (const role of STAFF_ROLES)
      callers.push({ who: role, cookie: (await t.staff(`sweep-${role}`, [role])).cookie });
    const doc = await t.call({ method: 'GET', url: '/docs/json' });
    expect(doc.statusCode).toBe(200);
    operations = operationsOf(doc.json() as OpenApiDocument);
  }, 60_000);
  afterAll(async () => t.dispose());

  it('finds the operations and a malformed request for each', () => {
    // A floor, not a list: the document has these at least, and each one gets cases.
    expect(operations.length).toBeGreaterThanOrEqual(40);
    for (const ids of ['POST /api/requests/{id}/approve', 'GET /api/requests', 'POST /api/session'])
      expect(operations.map((o) => o.id)).toContain(ids);
    for (const op of operations) expect(badInputCases(op).length, op.id).toBeGreaterThan(0);
  });

  it('builds valid requests to break: the unbroken request of each operation passes validation', async () => {
    // Each case breaks one place of this request; were it invalid already, a case would be
    // refused for the wrong reason and prove nothing about the place it breaks.
    const before = await dbSnapshot(t);
    const invalid: string[] = [];
    for (const op of operations) {
      const res = await withDeadline(t.call(unbrokenRequest(op)));
      if (res === null) {
        invalid.push(`${op.id}: no answer`);
        continue;
      }
      const message = res.statusCode === 400 ? String(res.json().message) : '';
      if (/^(body|querystring|params|headers)\b/.test(message))
        invalid.push(`${op.id}: ${message}`);
    }
    expect(invalid).toEqual([]);
    expect(await dbSnapshot(t)).toEqual(before);
  });

  it('answers every case from every caller with a 4xx {error, message} and changes nothing', async () => {
    const failures: string[] = [];
    let sent = 0;
    for (const op of operations) {
      const cases = badInputCases(op);
      for (const { who, cookie } of callers) {
        const before = await dbSnapshot(t);
        for (const c of cases) {
          sent++;
          const problem = await refusalProblem(t, c, cookie);
          if (problem) failures.push(`${who} ${c.operation} (${c.what}): ${problem}`);
        }
        const after = await dbSnapshot(t);
        if (JSON.stringify(after) !== JSON.stringify(before))
          failures.push(`${who} ${op.id}: the database changed`);
      }
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(1000);
  }, 120_000);
});

/**
 * A request that never answers (a hook that died with the stack) is a failure to report, not
 * a reason to hang the suite; generous, since a refusal takes milliseconds.
 */
const ANSWER_DEADLINE_MS = 10_000;

async function withDeadline<T>(answer: Promise<T>): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ANSWER_DEADLINE_MS);
  });
  try {
    return await Promise.race([answer, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** What is wrong with the answer to a malformed request; null when it is a proper refusal. */
async function refusalProblem(
  t: TestApp,
  c: BadInputCase,
  cookie: string | null,
): Promise<string | null> {
  const res = await withDeadline(t.call({ ...c.request, ...(cookie ? { cookie } : {}) }));
  if (res === null) return `no answer within ${ANSWER_DEADLINE_MS} ms`;
  if (res.statusCode < 400 || res.statusCode > 499)
    return `status ${res.statusCode}: ${res.body.slice(0, 200)}`;
  let body: unknown;
  try {
    body = res.json();
  } catch {
    return `status ${res.statusCode} with a body that is not JSON: ${res.body.slice(0, 200)}`;
  }
  const keys = body && typeof body === 'object' ? Object.keys(body).sort() : [];
  const { error, message } = (body ?? {}) as Record<string, unknown>;
  if (
    keys.join(',') !== 'error,message' ||
    typeof error !== 'string' ||
    typeof message !== 'string'
  )
    return `status ${res.statusCode} with a body not shaped {error, message}: ${res.body.slice(0, 200)}`;
  return null;
}
