import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { itWithTools } from '../support/system-tools.js';

const SERVICE = 'systemd/cardkiosk.service';
const KIOSK = 'systemd/cardkiosk-kiosk.service';
const INSTALL = 'systemd/install-raspberry-pi.sh';

/** Directive values of a unit file, in order (comments and sections ignored). */
function directives(file: string, name: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith(`${name}=`))
    .map((line) => line.slice(name.length + 1));
}

describe('systemd units', () => {
  // verify also checks that ExecStart's programs exist: node, cage and chromium.
  itWithTools(['systemd-analyze', 'cage', 'chromium', 'node'])(
    'pass systemd-analyze verify',
    () => {
      const result = spawnSync('systemd-analyze', ['verify', SERVICE, KIOSK], { encoding: 'utf8' });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    },
  );

  itWithTools(['systemd-analyze'])(
    'rate the service 2.0 or better (OK) in systemd-analyze security',
    () => {
      const result = spawnSync(
        'systemd-analyze',
        ['security', '--offline=true', '--no-pager', SERVICE],
        { encoding: 'utf8' },
      );
      const match = /Overall exposure level for cardkiosk\.service: (\d+\.\d+) (\w+)/.exec(
        result.stdout,
      );
      expect(match, result.stdout + result.stderr).not.toBeNull();
      expect(Number(match![1])).toBeLessThanOrEqual(2.0);
      expect(['OK', 'SAFE']).toContain(match![2]);
    },
  );

  it('is a notify service with a watchdog, restarted on failure, as its own user', () => {
    expect(directives(SERVICE, 'Type')).toEqual(['notify']);
    expect(directives(SERVICE, 'NotifyAccess')).toEqual(['all']);
    expect(Number(directives(SERVICE, 'WatchdogSec')[0])).toBeGreaterThan(0);
    expect(directives(SERVICE, 'Restart')).toEqual(['on-failure']);
    expect(directives(SERVICE, 'User')).toEqual(['cardkiosk']);
    expect(directives(SERVICE, 'StateDirectory')).toEqual(['cardkiosk']);
  });

  it('lets the service reach the serial printer and GPIO and no other device', () => {
    expect(directives(SERVICE, 'DevicePolicy')).toEqual(['closed']);
    expect(directives(SERVICE, 'DeviceAllow')).toEqual([
      'char-ttyUSB rw',
      'char-ttyACM rw',
      'char-gpiochip rw',
    ]);
    for (const d of ['NoNewPrivileges', 'PrivateTmp'])
      expect(directives(SERVICE, d)).toEqual(['yes']);
    expect(directives(SERVICE, 'ProtectSystem')).toEqual(['strict']);
  });

  it('starts the kiosk browser after the service and restarts it whenever it dies', () => {
    expect(directives(KIOSK, 'After').join(' ')).toContain('cardkiosk.service');
    expect(directives(KIOSK, 'Restart')).toEqual(['always']);
    const exec = directives(KIOSK, 'ExecStart')[0]!;
    expect(exec).toMatch(/^\/usr\/bin\/cage .*-- \/usr\/bin\/chromium --kiosk /);
    expect(exec).toMatch(/ http:\/\/127\.0\.0\.1:8080\/$/);
  });
});

describe('install script', () => {
  it('is valid bash', () => {
    expect(() => execFileSync('bash', ['-n', INSTALL])).not.toThrow();
  });

  itWithTools(['shellcheck'])('passes shellcheck', () => {
    const result = spawnSync('shellcheck', [INSTALL], { encoding: 'utf8' });
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  it('installs the units it is shipped with and the users they name', () => {
    const script = readFileSync(INSTALL, 'utf8');
    expect(script).toContain('systemd/cardkiosk.service');
    expect(script).toContain('systemd/cardkiosk-kiosk.service');
    expect(script).toMatch(/usermod -a -G dialout,gpio "\$SERVICE_USER"/);
    expect(script).toContain('npm ci');
    expect(script).toContain('npm run build');
  });
});

describe('kiosk browser policy', () => {
  it('lets the walk-up photo use the camera on the local UI only, and nothing else', () => {
    const policy = JSON.parse(readFileSync('systemd/chromium-kiosk-policy.json', 'utf8'));
    expect(policy.VideoCaptureAllowedUrls).toEqual(['http://127.0.0.1:8080']);
    expect(policy.AudioCaptureAllowed).toBe(false);
    expect(policy.URLBlocklist).toEqual(['*']);
    expect(policy.URLAllowlist).toEqual(['http://127.0.0.1:8080']);
    // The kiosk unit opens exactly the URL the policy allows.
    expect(directives(KIOSK, 'ExecStart')[0]).toContain('http://127.0.0.1:8080/');
    expect(readFileSync(INSTALL, 'utf8')).toContain(
      '/etc/chromium/policies/managed/cardkiosk.json',
    );
  });
});
