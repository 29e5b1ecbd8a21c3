import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;

function cli(args: string[], input?: string) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'provisioning/cli.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    ...(input !== undefined ? { input } : {}),
    env: { ...process.env, CARDKIOSK_STATE_DIR: '', CARDKIOSK_ADMIN_KEY: '' },
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

describe('cardkiosk-admin', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  const children: Array<{ kill: () => void }> = [];
  afterAll(() => {
    for (const c of children) c.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes a device from enrollment to provisioned, and refuses the same bundle twice', async () => {
    const central = join(dir, 'central');
    const stateDir = join(dir, 'state');
    const init = cli(['central', 'init', '--dir', central]);
    expect(init.code).toBe(0);
    expect(init.out).toMatch(/admin key id \(SHA-256 of the public key\): [0-9a-f]{64}/);

    const server = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'provisioning/cli.ts',
        'central',
        'serve',
        '--dir',
        central,
        '--port',
        '0',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    children.push({ kill: () => server.kill('SIGTERM') });
    const url = await new Promise<string>((resolve, reject) => {
      server.once('exit', () => reject(new Error('the EST server exited')));
      createInterface({ input: server.stdout! }).on('line', (line) => {
        const match = /^EST server on (https:\/\/\S+)\/\.well-known\/est$/.exec(line);
        if (match) resolve(match[1]!);
      });
    });

    const bundleFile = join(dir, 'bundle.json');
    const enroll = cli([
      'central',
      'enroll',
      '--dir',
      central,
      '--device',
      'lobby-1',
      '--site',
      'Harbour House',
      '--est-url',
      url,
      '--range',
      'hh-1:5000000-5099999',
      '--out',
      bundleFile,
      '--valid-hours',
      '24',
    ]);
    expect(enroll.err).toBe('');
    expect(enroll.code).toBe(0);
    const bundle = readFileSync(bundleFile, 'utf8');

    const adminKey = join(central, 'admin-signing-key.pub.pem');
    const provision = cli(
      ['device', 'provision', '--bundle', '-', '--state-dir', stateDir, '--admin-key', adminKey],
      bundle,
    );
    expect(provision.err).toBe('');
    expect(provision.out).toMatch(/^provisioned as lobby-1 \(enrollment [0-9a-f-]{36}\)/);

    const status = cli(['device', 'status', '--state-dir', stateDir]);
    expect(status.out).toMatch(/device lobby-1, site Harbour House/);
    expect(status.out).toMatch(/card-object changes not yet synced: 0/);

    // The bundle asked (by default) for a centrally certified issuing CA.
    expect(provision.out).toMatch(/^issuing CA O=Harbour House, CN=.+ certified by CN=/m);
    const caStatus = cli(['issuing-ca', 'status', '--state-dir', stateDir]);
    expect(caStatus.out).toMatch(/certified by the central CA/);
    const caRenew = cli(['issuing-ca', 'renew', '--state-dir', stateDir]);
    expect(caRenew.err).toBe('');
    expect(caRenew.out).toMatch(/^certified by CN=cardkiosk central test CA, valid until /m);

    const again = cli(
      [
        'device',
        'provision',
        '--bundle',
        '-',
        '--state-dir',
        join(dir, 'other'),
        '--admin-key',
        adminKey,
      ],
      bundle,
    );
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/^refused: CLAIM_TOKEN_USED/);
    // The claim token is a secret: never echoed in an error.
    const token = JSON.parse(bundle).claimToken as string;
    expect(again.err).not.toContain(token.split('.')[1]);

    const list = cli(['central', 'list', '--dir', central]);
    expect(list.out).toMatch(/lobby-1 {2}Harbour House {2}claimed/);
    const id = /enrollment ([0-9a-f-]{36})/.exec(provision.out)![1]!;
    expect(cli(['central', 'revoke', '--dir', central, '--enrollment', id]).code).toBe(0);
    const renew = cli(['device', 'reenroll', '--state-dir', stateDir]);
    expect(renew.code).toBe(1);
    expect(renew.err).toMatch(/^refused: ENROLLMENT_REVOKED/);
    const caRefused = cli(['issuing-ca', 'renew', '--state-dir', stateDir]);
    expect(caRefused.code).toBe(1);
    expect(caRefused.err).toMatch(/^refused: ENROLLMENT_REVOKED/);
  }, 60_000);

  it('has nothing to renew before every service start on a device not yet provisioned', () => {
    const result = cli(['device', 'reenroll', '--if-expiring', '--state-dir', join(dir, 'fresh')]);
    expect(result.code).toBe(0);
    expect(result.out).toBe('not provisioned: nothing to renew\n');
  });

  it('says how it is used', () => {
    const usage = cli([]);
    expect(usage.code).toBe(2);
    expect(usage.out).toContain('device factory-reset [--force]');
    expect(usage.out).toContain('issuing-ca renew');
    expect(cli(['device', 'provision']).err).toMatch(/--admin-key/);
  });
});
