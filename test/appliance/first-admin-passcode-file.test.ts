/**
 * The first admin's one-time passcode file is gone as soon as the passcode is changed over
 * HTTP (not at the next start), stays while it is unchanged or another user changes theirs,
 * and a start that finds it after the change deletes it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { FirstAdminPasscodeFile } from '../../appliance/src/first-admin-passcode-file.js';
import { silentLogger } from '../../appliance/src/services/ports.js';
import { buildTestApp, TEST_PASSCODE, type TestApp } from '../support/build-test-app.js';

describe('the first-admin passcode file', () => {
  let t: TestApp | null = null;
  afterEach(async () => {
    await t?.dispose();
    t = null;
  });

  async function signInAdmin(app: TestApp, passcode: string): Promise<string> {
    const res = await app.call({
      method: 'POST',
      url: '/api/session',
      payload: { username: 'admin', passcode },
    });
    expect(res.statusCode, res.body).toBe(200);
    return String(res.headers['set-cookie']).split(';')[0]!;
  }

  it('is deleted the moment the admin changes the passcode, and not before', async () => {
    t = await buildTestApp({ certificates: null });
    const passcode = t.firstAdminPasscode!;
    const file = new FirstAdminPasscodeFile(t.stateDir, silentLogger);
    file.deleteOnceChanged(t.appliance.services.events);
    file.write(passcode);
    expect(statSync(file.path).mode & 0o777).toBe(0o600);
    expect(readFileSync(file.path, 'utf8').trim()).toBe(passcode);

    const cookie = await signInAdmin(t, passcode);
    const wrong = await t.call({
      method: 'POST',
      url: '/api/session/passcode',
      cookie,
      payload: { currentPasscode: 'not-the-passcode', newPasscode: TEST_PASSCODE },
    });
    expect(wrong.statusCode).toBe(403);
    expect(existsSync(file.path)).toBe(true);

    const changed = await t.call({
      method: 'POST',
      url: '/api/session/passcode',
      cookie,
      payload: { currentPasscode: passcode, newPasscode: TEST_PASSCODE },
    });
    expect(changed.statusCode, changed.body).toBe(204);
    expect(existsSync(file.path)).toBe(false);
  });

  it('stays when another staff member changes their own passcode', async () => {
    t = await buildTestApp({ certificates: null });
    const file = new FirstAdminPasscodeFile(t.stateDir, silentLogger);
    file.deleteOnceChanged(t.appliance.services.events);
    await t.staff('otto', ['registration_officer']); // changes the admin's passcode first
    file.write('left-over-passcode');
    await t.staff('ann', ['approver']); // ann changes her one-time passcode
    expect(existsSync(file.path)).toBe(true);
  });

  it('is deleted at start when the passcode was changed while no one was listening', async () => {
    t = await buildTestApp({ certificates: null });
    const file = new FirstAdminPasscodeFile(t.stateDir, silentLogger);
    file.write(t.firstAdminPasscode!);
    await file.deleteIfChanged(t.store);
    expect(existsSync(file.path)).toBe(true); // not changed yet: it is still the way in
    await t.staff('otto', ['registration_officer']);
    expect(existsSync(file.path)).toBe(true); // this instance was not listening
    await file.deleteIfChanged(t.store);
    expect(existsSync(file.path)).toBe(false);
  });
});
