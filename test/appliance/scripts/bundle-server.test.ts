/**
 * `npm run build` bundles the service into one file run by a small loader with the V8 code
 * cache the build saved (start-up speed). The bundle must run as
 * the separate modules do: this bundles into a scratch directory inside dist/ (so the package
 * root is found above it, as from dist/appliance/src), starts it, and asks for what depends on
 * files found at run time: the version (package.json), the API description and its UI (Swagger
 * UI's own files), the kiosk UI, and a signed-in session over the database (native sqlite3).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  freePort,
  HttpSession,
  startApplianceProcess,
  type ApplianceProcess,
} from '../../support/appliance-process.js';

const root = new URL('../../..', import.meta.url).pathname;

describe('the bundled service', () => {
  mkdirSync(join(root, 'dist'), { recursive: true });
  const outDir = mkdtempSync(join(root, 'dist', 'bundle-test-'));
  const stateDir = mkdtempSync(join(tmpdir(), 'cardkiosk-bundle-'));
  let proc: ApplianceProcess | null = null;
  afterAll(async () => {
    await proc?.kill('SIGTERM');
    rmSync(outDir, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('starts and serves what needs files and native modules found at run time', async () => {
    const entry = join(outDir, 'main.js');
    execFileSync(process.execPath, ['appliance/scripts/bundle-server.mjs', entry], { cwd: root });
    // The build ran the bundle once and saved what V8 compiled for the start.
    expect(existsSync(join(outDir, 'server.cjs.codecache'))).toBe(true);
    proc = await startApplianceProcess(stateDir, await freePort(), {}, {}, [entry]);
    await proc.waitForLine(/cardkiosk ready/);
    const version = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
    const health = await (await fetch(`${proc.url}/health`)).json();
    expect(health).toMatchObject({ status: 'ok', version, database: { writable: true } });
    // The card renderer's native module is loaded on the first card drawn, not at start.
    const mapped = () => readFileSync(`/proc/${proc?.child.pid}/maps`, 'utf8');
    expect(mapped()).not.toMatch(/resvg/);

    const docs = await fetch(`${proc.url}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
    const spec = (await (await fetch(`${proc.url}/docs/json`)).json()) as { paths: object };
    expect(Object.keys(spec.paths)).toContain('/health');
    // yaml is one of the bundle's deferred requires: loaded here, on the first use.
    const yamlSpec = await fetch(`${proc.url}/docs/yaml`);
    expect(yamlSpec.status).toBe(200);
    expect(await yamlSpec.text()).toMatch(/^openapi: 3\./m);
    expect((await fetch(`${proc.url}/`)).status).toBeLessThan(500);

    const admin = new HttpSession(proc.url);
    const passcode = readFileSync(join(stateDir, 'first-admin-passcode'), 'utf8').trim();
    expect((await admin.call('POST', '/api/session', { username: 'admin', passcode })).status).toBe(
      200,
    );
    expect(
      (
        await admin.call('POST', '/api/session/passcode', {
          currentPasscode: passcode,
          newPasscode: 'a-new-long-passcode-1',
        })
      ).status,
    ).toBe(204);
    const processes = await admin.call('GET', '/api/processes');
    expect(processes.status).toBe(200);
  }, 180_000);

  it('on existing state starts without loading the CA and its X.509 library, then loads them on first use', async () => {
    await proc?.kill('SIGTERM');
    // The CA modules import reflect-metadata, which defines Reflect.getMetadata: the probe,
    // preloaded into the service, says on SIGUSR2 whether that has happened, and which of the
    // packages left out of the bundle (loaded on first use from node_modules) are loaded.
    const probe = join(outDir, 'reflect-probe.cjs');
    writeFileSync(
      probe,
      `process.on('SIGUSR2', () => {
  const lazy = new Set(Object.keys(require.cache).map((f) => /node_modules\\/(@peculiar\\/[^/]+|qrcode|nodemailer)\\//.exec(f)?.[1]).filter(Boolean));
  const builtins = process.moduleLoadList.map((m) => /^NativeModule (https|http2|tls)$/.exec(m)?.[1]).filter(Boolean);
  process.stdout.write('probe: Reflect.getMetadata is ' + typeof Reflect.getMetadata + '; loaded: [' + [...lazy].sort().join(' ') + ']; builtins: [' + builtins.sort().join(' ') + ']\\n');
});
`,
    );
    proc = await startApplianceProcess(stateDir, await freePort(), {}, {}, [
      '--require',
      probe,
      join(outDir, 'main.js'),
    ]);
    expect((await fetch(`${proc.url}/health`)).status).toBe(200);
    proc.child.kill('SIGUSR2');
    // Nor the https, http2 and tls modules that Fastify requires for servers it does not make.
    expect(await proc.waitForLine(/probe: /)).toMatch(
      /Reflect.getMetadata is undefined; loaded: \[\]; builtins: \[\]/,
    );

    const chain = await fetch(`${proc.url}/ca/chain.pem`);
    expect(chain.status).toBe(200);
    expect(await chain.text()).toMatch(/^-----BEGIN CERTIFICATE-----/);
    proc.child.kill('SIGUSR2');
    expect(await proc.waitForLine(/probe: Reflect.getMetadata is function/)).toMatch(
      /loaded: \[.*@peculiar\/x509.*\]/,
    );
  }, 60_000);

  it('refuses to build when a package meant to load on first use is imported at start', () => {
    const entry = join(outDir, 'eager-entry.ts');
    writeFileSync(entry, "import 'nodemailer';\n");
    let stderr = '';
    try {
      execFileSync(
        process.execPath,
        ['appliance/scripts/bundle-server.mjs', join(outDir, 'eager', 'main.js'), entry],
        {
          cwd: root,
          stdio: 'pipe',
        },
      );
    } catch (err) {
      stderr = String((err as { stderr?: Buffer }).stderr);
    }
    expect(stderr).toMatch(
      /meant to load on first use is imported at start: .*eager-entry\.ts -> nodemailer/,
    );
  }, 60_000);
});
