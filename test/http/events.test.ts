/** Server-sent events: the staff stream, the walk-up stream behind a one-use ticket, cleanup. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import Fastify from 'fastify';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { crewFor, ok, type Crew } from '../support/workflow-driver.js';
import { openSse } from '../support/sse-client.js';
import { eventRoutes } from '../../appliance/src/http/routes/events.js';
import { installErrorHandler } from '../../appliance/src/http/plugins/error-handler.js';
import { installSessionAuth } from '../../appliance/src/http/plugins/session-auth.js';
import { sharedSchemas } from '../../appliance/src/http/schemas/common.js';
import { STREAM_TOKEN_TTL_MS } from '../../appliance/src/http/stream-tokens.js';

describe('live events', () => {
  let t: TestApp;
  let crew: Crew;
  let base: string;

  beforeAll(async () => {
    t = await buildTestApp();
    crew = await crewFor(t);
    base = await t.appliance.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => t.dispose());

  const walkUp = async (name: string) =>
    ok<{ statusCode: string }>(
      t.call({
        method: 'POST',
        url: '/api/self-service/requests',
        payload: { kind: 'visitor', name, acceptTerms: true },
      }),
      201,
    );
  const ticket = async (statusCode: string) =>
    ok<{ token: string; expiresInSeconds: number }>(
      t.call({ method: 'POST', url: '/api/self-service/stream-token', payload: { statusCode } }),
    );
  const listeners = () => t.appliance.services.events.listenerCount('request.changed');

  it('refuses the staff stream without a session', async () => {
    const res = await t.call({ method: 'GET', url: '/api/events' });
    expect(res.statusCode).toBe(401);
  });

  it('streams request changes to signed-in staff and drops the listener on close', async () => {
    const before = listeners();
    const sse = await openSse(`${base}/api/events`, crew.approver.cookie);
    expect(sse.status).toBe(200);
    expect(sse.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(sse.headers['cache-control']).toBe('no-store');
    await sse.next((e) => e.event === 'ready');
    expect(listeners()).toBe(before + 1);
    await walkUp('Stream Visitor');
    const change = await sse.next((e) => e.event === 'request.changed');
    expect(change.data).toMatchObject({ state: 'awaiting_approval', batchId: null });
    expect(Object.keys(change.data).sort()).toEqual([
      'batchId',
      'processName',
      'requestId',
      'state',
    ]);
    sse.close();
    await expect.poll(listeners).toBe(before);
  });

  it('follows one walk-up request live through a one-use ticket', async () => {
    const mine = await walkUp('Wanda Walkup');
    const other = await walkUp('Otto Other');
    const { token, expiresInSeconds } = await ticket(mine.statusCode);
    expect(token).not.toContain(mine.statusCode.replace('-', ''));
    expect(expiresInSeconds).toBe(STREAM_TOKEN_TTL_MS / 1000);

    const sse = await openSse(`${base}/api/self-service/events?token=${token}`);
    expect(sse.status).toBe(200);
    const first = await sse.next((e) => e.event === 'status');
    expect(first.data).toMatchObject({ state: 'awaiting_approval', holderName: 'Wanda Walkup' });

    // Another person's request changes: nothing about it reaches this stream.
    const otherId = (await t.appliance.services.requests.walkUpStatus(other.statusCode)).requestId;
    await ok(
      t.call({
        method: 'POST',
        url: `/api/requests/${otherId}/approve`,
        cookie: crew.approver.cookie,
      }),
    );
    const mineId = (await t.appliance.services.requests.walkUpStatus(mine.statusCode)).requestId;
    await ok(
      t.call({
        method: 'POST',
        url: `/api/requests/${mineId}/reject`,
        cookie: crew.approver.cookie,
        payload: { reason: 'no host today' },
      }),
    );
    const rejected = await sse.next((e) => e.data.state === 'rejected');
    expect(rejected.data).toMatchObject({ holderName: 'Wanda Walkup', reason: 'no host today' });
    expect(sse.events.every((e) => e.data.holderName === 'Wanda Walkup')).toBe(true);

    // The ticket was used: a second stream with it is refused.
    const again = await t.call({ method: 'GET', url: `/api/self-service/events?token=${token}` });
    expect(again.statusCode).toBe(401);
    sse.close();
  });

  it('refuses unknown and expired tickets, and codes that match no request', async () => {
    const unknown = await t.call({
      method: 'GET',
      url: `/api/self-service/events?token=${'x'.repeat(43)}`,
    });
    expect(unknown.statusCode).toBe(401);
    const { statusCode } = await walkUp('Late Larry');
    const { token } = await ticket(statusCode);
    t.clock.advance(STREAM_TOKEN_TTL_MS + 1);
    const expired = await t.call({ method: 'GET', url: `/api/self-service/events?token=${token}` });
    expect(expired.statusCode).toBe(401);
    const none = await t.call({
      method: 'POST',
      url: '/api/self-service/stream-token',
      payload: { statusCode: 'ZZZZ-ZZZZ' },
    });
    expect(none.statusCode).toBe(404);
  });
});

describe('event stream lifecycle', () => {
  it('sends heartbeats and ends open streams when the app closes', async () => {
    const t = await buildTestApp();
    // The same routes on a bare app, with a heartbeat short enough to observe.
    const app = Fastify();
    for (const schema of sharedSchemas) app.addSchema(schema);
    installErrorHandler(app);
    await app.register(cookie);
    await app.register(rateLimit, { global: false });
    installSessionAuth(app, t.appliance.services.auth, { secureCookie: false });
    await app.register(eventRoutes, {
      services: t.appliance.services,
      options: { publicBaseUrl: '', secureCookie: false, walkUpKinds: [] },
      heartbeatMs: 20,
    });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const created = await ok<{ statusCode: string }>(
        t.call({
          method: 'POST',
          url: '/api/self-service/requests',
          payload: { kind: 'visitor', name: 'Hanna Heartbeat', acceptTerms: true },
        }),
        201,
      );
      const { token } = (
        await app.inject({
          method: 'POST',
          url: '/api/self-service/stream-token',
          payload: { statusCode: created.statusCode },
        })
      ).json() as { token: string };
      const before = t.appliance.services.events.listenerCount('request.changed');
      const sse = await openSse(`${base}/api/self-service/events?token=${token}`);
      await expect
        .poll(() => sse.comments.filter((c) => c === 'heartbeat').length)
        .toBeGreaterThan(1);
      await app.close();
      await sse.closed;
      expect(t.appliance.services.events.listenerCount('request.changed')).toBe(before);
    } finally {
      await app.close();
      await t.dispose();
    }
  });
});
