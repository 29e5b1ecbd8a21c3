/** Staff sign-in: one-time passcodes, cookie flags, lockout, rate limit, session expiry, sign-out. */
import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, TEST_PASSCODE, type TestApp } from '../support/build-test-app.js';

describe('staff sign-in', () => {
  let t: TestApp;
  afterEach(async () => t.dispose());

  const signIn = (username: string, passcode: string) =>
    t.call({ method: 'POST', url: '/api/session', payload: { username, passcode } });
  const cookieOf = (res: { headers: Record<string, unknown> }) =>
    String([res.headers['set-cookie']].flat()[0]).split(';')[0]!;

  it('creates the first device administrator once, who must change the one-time passcode first', async () => {
    t = await buildTestApp();
    expect(t.firstAdminPasscode).toMatch(/^[a-z0-9]{4}(-[a-z0-9]{4}){3}$/);
    const res = await signIn('admin', t.firstAdminPasscode!);
    expect(res.statusCode).toBe(200);
    const setCookie = String([res.headers['set-cookie']].flat()[0]);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(res.json().user).toMatchObject({
      username: 'admin',
      roles: ['device_admin'],
      mustChangePasscode: true,
    });
    const cookie = cookieOf(res);
    const blocked = await t.call({ method: 'GET', url: '/api/users', cookie });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error).toBe('PASSCODE_CHANGE_REQUIRED');
    const weak = await t.call({
      method: 'POST',
      url: '/api/session/passcode',
      cookie,
      payload: { currentPasscode: t.firstAdminPasscode, newPasscode: 'short' },
    });
    expect(weak.statusCode).toBe(400);
    const changed = await t.call({
      method: 'POST',
      url: '/api/session/passcode',
      cookie,
      payload: { currentPasscode: t.firstAdminPasscode, newPasscode: TEST_PASSCODE },
    });
    expect(changed.statusCode).toBe(204);
    expect((await t.call({ method: 'GET', url: '/api/users', cookie })).statusCode).toBe(200);
    // The one-time passcode no longer works.
    expect((await signIn('admin', t.firstAdminPasscode!)).statusCode).toBe(401);
  });

  it('locks an account after five wrong passcodes, even with the right one', async () => {
    t = await buildTestApp();
    const staff = await t.staff('lou', ['approver']);
    for (let i = 0; i < 5; i++)
      expect((await signIn('lou', 'wrong-passcode')).statusCode).toBe(401);
    const locked = await signIn('lou', TEST_PASSCODE);
    expect(locked.statusCode).toBe(423);
    expect(locked.json().message).toMatch(/too many failed sign-ins/);
    t.clock.advance(16 * 60_000);
    expect((await signIn('lou', TEST_PASSCODE)).statusCode).toBe(200);
    const audit = await t.call({
      method: 'GET',
      url: '/api/audit?action=user.locked',
      cookie: staff.cookie,
    });
    expect(audit.json().items).toHaveLength(1);
  });

  it('does not say whether a user name exists', async () => {
    t = await buildTestApp();
    await t.staff('kim', ['approver']);
    const unknown = await signIn('nobody', 'whatever-passcode');
    const wrong = await signIn('kim', 'whatever-passcode');
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json()).toEqual(wrong.json());
  });

  it('rate-limits sign-in attempts per address', async () => {
    t = await buildTestApp({
      config: {
        rateLimits: { signInPerMinute: 3, walkUpPerMinute: 100, statusLookupsPerMinute: 100 },
      } as never,
    });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await signIn('nobody', 'x')).statusCode);
    expect(codes).toEqual([401, 401, 401, 429]);
  });

  it('ends a session after idle time, and on sign-out', async () => {
    t = await buildTestApp();
    const staff = await t.staff('ida', ['approver']);
    expect(
      (await t.call({ method: 'GET', url: '/api/session', cookie: staff.cookie })).statusCode,
    ).toBe(200);
    t.clock.advance(31 * 60_000);
    expect(
      (await t.call({ method: 'GET', url: '/api/session', cookie: staff.cookie })).statusCode,
    ).toBe(401);
    const again = cookieOf(await signIn('ida', TEST_PASSCODE));
    expect(
      (await t.call({ method: 'POST', url: '/api/session/sign-out', cookie: again })).statusCode,
    ).toBe(204);
    expect((await t.call({ method: 'GET', url: '/api/session', cookie: again })).statusCode).toBe(
      401,
    );
  });

  it('lets a device administrator disable an account, ending its sessions', async () => {
    t = await buildTestApp();
    const admin = await t.staff('root2', ['device_admin']);
    const staff = await t.staff('dan', ['approver']);
    expect(
      (
        await t.call({
          method: 'POST',
          url: `/api/users/${staff.userId}/disable`,
          cookie: admin.cookie,
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (await t.call({ method: 'GET', url: '/api/session', cookie: staff.cookie })).statusCode,
    ).toBe(401);
    expect((await signIn('dan', TEST_PASSCODE)).statusCode).toBe(401);
    expect(
      (
        await t.call({
          method: 'POST',
          url: `/api/users/${admin.userId}/disable`,
          cookie: admin.cookie,
        })
      ).statusCode,
    ).toBe(400);
  });
});
