import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sinon from 'sinon';
import { afterEach, describe, expect, it } from 'vitest';
import {
  notifierFromEnv,
  SystemdNotifyCommand,
} from '../../../appliance/src/systemd/systemd-notifier.js';
import { freePort, startApplianceProcess } from '../../support/appliance-process.js';
import { listenOnNotifySocket } from '../../support/notify-socket-listener.js';
import { itWithTools } from '../../support/system-tools.js';

const sandbox = sinon.createSandbox();
const withNotify = itWithTools(['systemd-notify', 'python3']);

describe('SystemdNotifyCommand', () => {
  afterEach(() => sandbox.restore());

  it('runs systemd-notify with the fields and only the notify socket and PATH', async () => {
    const run = sandbox.stub().resolves();
    const notifier = new SystemdNotifyCommand('/run/systemd/notify', run);
    await notifier.ready('ready on http://127.0.0.1:8080');
    await notifier.watchdog();
    expect(run.firstCall.args[0]).toBe('systemd-notify');
    expect(run.firstCall.args[1]).toEqual(['READY=1', 'STATUS=ready on http://127.0.0.1:8080']);
    expect(run.firstCall.args[2]).toEqual({
      PATH: process.env.PATH,
      NOTIFY_SOCKET: '/run/systemd/notify',
    });
    expect(run.secondCall.args[1]).toEqual(['WATCHDOG=1']);
  });

  it('keeps a status on one line', async () => {
    const run = sandbox.stub().resolves();
    await new SystemdNotifyCommand('/n', run).status('printer\nWATCHDOG=1');
    expect(run.firstCall.args[1]).toEqual(['STATUS=printer WATCHDOG=1']);
  });

  it('is off when systemd gave no notify socket', () => {
    expect(notifierFromEnv({})).toBeNull();
    expect(notifierFromEnv({ NOTIFY_SOCKET: '/run/systemd/notify' })).toBeInstanceOf(
      SystemdNotifyCommand,
    );
  });
});

describe('sd_notify over a unix datagram socket', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  withNotify('delivers READY=1 with its status to the notify socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'notify-'));
    dirs.push(dir);
    const socket = await listenOnNotifySocket(join(dir, 'notify.sock'));
    try {
      await new SystemdNotifyCommand(socket.path).ready('ready on test');
      expect(await socket.waitFor(/READY=1/)).toBe('READY=1|STATUS=ready on test');
    } finally {
      socket.close();
    }
  });

  withNotify(
    'the appliance says READY=1 once /health answers, then pings the watchdog',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'notify-'));
      dirs.push(dir);
      const socket = await listenOnNotifySocket(join(dir, 'notify.sock'));
      const stateDir = mkdtempSync(join(tmpdir(), 'notify-state-'));
      dirs.push(stateDir);
      // WATCHDOG_USEC of 1 s: a ping every 500 ms.
      const app = await startApplianceProcess(
        stateDir,
        await freePort(),
        {},
        { NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '1000000' },
      );
      try {
        await socket.waitFor(/^READY=1/);
        const health = await fetch(`${app.url}/health`);
        expect(health.status).toBe(200);
        await socket.waitFor(/^WATCHDOG=1/);
        const before = socket.messages.filter((m) => m === 'WATCHDOG=1').length;
        await new Promise((r) => setTimeout(r, 1_600));
        expect(socket.messages.filter((m) => m === 'WATCHDOG=1').length).toBeGreaterThan(before);
        await app.kill('SIGTERM');
        await socket.waitFor(/^STOPPING=1/);
      } finally {
        await app.kill('SIGKILL');
        socket.close();
      }
    },
    60_000,
  );
});
