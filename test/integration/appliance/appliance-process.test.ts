/**
 * The appliance as `npm start` runs it: a real process on its embedded defaults (SQLite file
 * under the state directory, simulated printer, encoder and LEDs, localhost). First start
 * hands over the admin's one-time passcode without logging it; a card goes from walk-up to
 * collected over real HTTP; SIGKILL mid-production and a restart on the same database carry
 * the workflow on.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { readPersistedPrinterState } from '../../../drivers/printer/persistent-simulated-printer.js';
import {
  freePort,
  HttpSession,
  startApplianceProcess,
  type ApplianceProcess,
} from '../../support/appliance-process.js';

const NEW_PASSCODE = 'a-new-long-passcode-1';

describe('the appliance process', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'cardkiosk-process-'));
  let proc: ApplianceProcess | null = null;
  afterAll(async () => {
    await proc?.kill('SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('starts on its defaults, runs a card through, survives SIGKILL mid-production', async () => {
    const port = await freePort();
    // Real-time-ish printing (1/5 speed) so that the kill lands mid-production.
    proc = await startApplianceProcess(stateDir, port, {
      printer: { driver: 'simulated', cycleScale: 0.2, persistState: true },
    });
    expect(existsSync(join(stateDir, 'cardkiosk.db'))).toBe(true);
    const passcodeFile = join(stateDir, 'first-admin-passcode');
    expect(statSync(passcodeFile).mode & 0o777).toBe(0o600);
    const firstPasscode = readFileSync(passcodeFile, 'utf8').trim();
    expect(proc.output.join('\n')).not.toContain(firstPasscode);

    const health = await (await fetch(`${proc.url}/health`)).json();
    expect(health).toMatchObject({
      status: 'ok',
      database: { writable: true },
      devices: {
        printer: { driver: 'simulated' },
        encoder: { driver: 'simulated' },
        leds: { driver: 'simulated' },
      },
    });

    const admin = new HttpSession(proc.url);
    expect(
      (await admin.call('POST', '/api/session', { username: 'admin', passcode: firstPasscode }))
        .status,
    ).toBe(200);
    expect(
      (
        await admin.call('POST', '/api/session/passcode', {
          currentPasscode: firstPasscode,
          newPasscode: NEW_PASSCODE,
        })
      ).status,
    ).toBe(204);
    // The handed-over passcode is a working credential until changed, and not a moment longer.
    expect(existsSync(passcodeFile)).toBe(false);
    const staff: Record<string, HttpSession> = {};
    for (const [name, role] of [
      ['ann', 'approver'],
      ['pia', 'card_production_admin'],
      ['sam', 'security_staff'],
    ] as const) {
      const created = await admin.call('POST', '/api/users', {
        username: name,
        displayName: name,
        roles: [role],
      });
      expect(created.status).toBe(201);
      const s = new HttpSession(proc.url);
      expect(
        (
          await s.call('POST', '/api/session', {
            username: name,
            passcode: created.json.oneTimePasscode,
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await s.call('POST', '/api/session/passcode', {
            currentPasscode: created.json.oneTimePasscode,
            newPasscode: NEW_PASSCODE,
          })
        ).status,
      ).toBe(204);
      staff[name] = s;
    }

    const walkUp = new HttpSession(proc.url);
    const submitted = await walkUp.call('POST', '/api/self-service/requests', {
      kind: 'visitor',
      name: 'Pat Process',
      company: 'Acme',
      acceptTerms: true,
    });
    expect(submitted.status).toBe(201);
    const pending = await staff.ann!.call('GET', '/api/requests?state=awaiting_approval');
    const id = pending.json.items[0].id as string;
    expect((await staff.ann!.call('POST', `/api/requests/${id}/approve`)).json.request.state).toBe(
      'card_generated',
    );
    expect(
      (await staff.pia!.call('POST', `/api/requests/${id}/production`, { mode: 'single' })).status,
    ).toBe(200);
    await vi.waitFor(
      async () =>
        expect(
          (
            await walkUp.call('POST', '/api/self-service/status', {
              statusCode: submitted.json.statusCode,
            })
          ).json.state,
        ).toBe('producing'),
      { timeout: 10_000, interval: 50 },
    );

    // Power cut in the middle of printing.
    await proc.kill('SIGKILL');
    proc = await startApplianceProcess(stateDir, port, {
      printer: { driver: 'simulated', cycleScale: 0.01, persistState: true },
    });
    // The admin passcode was changed: the file is gone, and no new admin appears.
    expect(existsSync(passcodeFile)).toBe(false);

    const afterRestart = await staff.pia!.call('GET', `/api/requests/${id}`);
    expect(afterRestart.json.request).toMatchObject({
      state: 'production_failed',
      stateReason: 'interrupted: the appliance restarted during production',
    });
    // Spoiled is what the printer physically fed before the kill (its state survives it).
    const printer = readPersistedPrinterState(join(stateDir, 'simulated-printer.json'))!;
    expect(afterRestart.json.attempts[0]).toMatchObject({
      outcome: 'failed',
      spoiledCards: 100 - printer.cardsInFeeder,
    });
    expect((await staff.pia!.call('POST', `/api/requests/${id}/retry`)).status).toBe(200);
    await vi.waitFor(
      async () =>
        expect((await staff.pia!.call('GET', `/api/requests/${id}`)).json.request.state).toBe(
          'produced',
        ),
      { timeout: 20_000, interval: 100 },
    );
    const collected = await staff.sam!.call('POST', `/api/requests/${id}/collect`);
    expect(collected.status).toBe(200);
    expect(collected.json.pin).toMatch(/^\d{6}$/);
    const audit = await staff.pia!.call('GET', '/api/audit/verify');
    expect(audit.json.ok).toBe(true);
    for (const line of proc.output) expect(line).not.toContain(collected.json.pin);
    await proc.kill('SIGTERM');
    proc = null;
  }, 120_000);
});
