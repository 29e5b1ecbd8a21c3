/**
 * Reading writes nothing: /health answered 100 times, and every GET operation of the OpenAPI
 * document asked anonymously and by each staff role (sessions older than a minute included),
 * leave the database and its WAL byte for byte as they were. An SD card wears with every
 * synchronous write, and a monitor probes /health every few seconds.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { addPerson, crewFor, produceCard, type Crew } from '../support/workflow-driver.js';

/** Size, modification time and SHA-256 of the database and its WAL. */
function fileState(dbFile: string): Record<string, string> {
  const state: Record<string, string> = {};
  for (const file of [dbFile, `${dbFile}-wal`]) {
    if (!existsSync(file)) {
      state[file] = 'absent';
      continue;
    }
    const st = statSync(file);
    const hash = createHash('sha256').update(readFileSync(file)).digest('hex');
    state[file] = `${st.size} ${st.mtimeMs} ${hash}`;
  }
  return state;
}

/** Streams never end by themselves; they are read-only subscriptions. */
const STREAMS = new Set(['/api/events', '/api/self-service/events']);

describe('reading writes nothing', () => {
  let t: TestApp;
  let crew: Crew;
  let requestId: string;
  let personId: string;
  beforeAll(async () => {
    t = await buildTestApp();
    crew = await crewFor(t);
    personId = await addPerson(t, crew.officer, 'visitor', { name: 'Rhea Reader' });
    requestId = (await produceCard(t, crew.officer, personId, 'PcmProcVisitorCardWithoutApproval'))
      .id as string;
  });
  afterAll(async () => t.dispose());

  it('answers /health 100 times without touching the database or its WAL', async () => {
    const before = fileState(t.dbFile);
    expect(before[`${t.dbFile}-wal`]).not.toBe('absent');
    for (let i = 0; i < 100; i++) {
      const res = await t.call({ method: 'GET', url: '/health' });
      expect(res.statusCode).toBe(200);
      expect(res.json().database).toEqual({ writable: true });
    }
    expect(fileState(t.dbFile)).toEqual(before);
  });

  it('answers every GET operation, anonymous and signed in, without a write', async () => {
    const doc = (await t.call({ method: 'GET', url: '/docs/json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const paths = Object.entries(doc.paths)
      .filter(([path, ops]) => 'get' in ops && !STREAMS.has(path))
      .map(([path]) =>
        path
          .replace(/\{(requestId|id)\}/g, requestId)
          .replace(/\{personId\}/g, personId)
          .replace(/\{[^}]+\}/g, 'no-such-thing'),
      );
    expect(paths.length).toBeGreaterThan(15);
    // Sessions used more than a minute after their last use: the idle timer moves, nothing is written.
    t.clock.advance(5 * 60_000);
    // Signing a CRL takes the next CRL number, which must persist (RFC 5280 §5.2.3): that write
    // happens at most hourly and after a revocation; between, every GET is answered from cache.
    expect((await t.call({ method: 'GET', url: '/ca/crl' })).statusCode).toBe(200);
    // A delta CRL takes a CRL number too, and is cached for half its validity.
    expect((await t.call({ method: 'GET', url: '/ca/crl/delta' })).statusCode).toBe(200);
    const before = fileState(t.dbFile);
    const statuses: number[] = [];
    for (const cookie of [undefined, ...Object.values(crew).map((s) => s.cookie)]) {
      for (const url of paths) {
        const res = await t.call({ method: 'GET', url, ...(cookie ? { cookie } : {}) });
        statuses.push(res.statusCode);

        expect(res.statusCode, `GET ${url}`).toBeLessThan(500);
      }
    }
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(paths.length);
    expect(fileState(t.dbFile)).toEqual(before);
  });

  it('keeps a session alive while it is used, though its use is not written', async () => {
    for (let i = 0; i < 4; i++) {
      t.clock.advance(20 * 60_000);
      const res = await t.call({ method: 'GET', url: '/api/session', cookie: crew.guard.cookie });
      expect(res.statusCode).toBe(200);
    }
    t.clock.advance(31 * 60_000);
    const idle = await t.call({ method: 'GET', url: '/api/session', cookie: crew.guard.cookie });
    expect(idle.statusCode).toBe(401);
  });
});
