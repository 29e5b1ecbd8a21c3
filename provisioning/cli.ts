/**
 * cardkiosk-admin: provisioning from the command line.
 *
 * Central admin (on the admin's machine; --dir is the workspace with the signing key, CA and
 * enrollment registry):
 *   central init      [--dir DIR]                  create the signing key and CA; print the key to pin
 *   central enroll    [--dir DIR] --device NAME --site NAME --est-url URL --out FILE
 *                     [--scim-url URL] [--escrow-key FILE] [--approval required|per-process]
 *                     [--processes A,B] [--range ID:FIRST-LAST]... [--config FILE] [--valid-hours N]
 *                     [--local-ca]   the device keeps its own root instead of a centrally certified issuing CA
 *   central revoke    [--dir DIR] --enrollment ID
 *   central list      [--dir DIR]
 *   central serve     [--dir DIR] [--host H] [--port P]   the EST server on its own
 *
 * On the device (state in $CARDKIOSK_STATE_DIR or --state-dir; the pinned admin key in
 * $CARDKIOSK_ADMIN_KEY or --admin-key):
 *   device provision  --bundle FILE|-  |  --url URL --token TOKEN [--ca FILE]
 *   device reenroll   [--if-expiring]
 *   device status
 *   device factory-reset [--force]
 *   issuing-ca renew  have the centre certify a new issuing CA for the device's cards
 *                     (EST label issuing-ca, over the device certificate); restart the service after
 *   issuing-ca status the issuing CA cards are signed with, and whether it chains to the centre
 *
 * Exit codes: 0 done, 1 refused or failed (the message names the error code), 2 usage.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { CentralAdminWorkspace } from './central-admin/central-admin-workspace.js';
import { parseEnrollmentBundle } from './bundle/enrollment-bundle.js';
import { identityFiles, readEnrollmentInfo } from './device/device-identity.js';
import { provisionDevice, reenrollDevice } from './device/device-provisioning.js';
import { fetchEnrollmentBundle } from './device/est-client.js';
import { enrollIssuingCa, readIssuingCaStatus } from './device/issuing-ca-enrollment.js';
import { countUnsyncedEvents, factoryReset } from './device/factory-reset.js';
import { ProvisioningError } from './errors.js';
import { startEstServer } from './est/est-https-server.js';

class UsageError extends Error {}

const OPTIONS = {
  dir: { type: 'string' },
  device: { type: 'string' },
  site: { type: 'string' },
  'est-url': { type: 'string' },
  'scim-url': { type: 'string' },
  'escrow-key': { type: 'string' },
  approval: { type: 'string' },
  processes: { type: 'string' },
  range: { type: 'string', multiple: true },
  config: { type: 'string' },
  'valid-hours': { type: 'string' },
  out: { type: 'string' },
  enrollment: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  bundle: { type: 'string' },
  url: { type: 'string' },
  token: { type: 'string' },
  ca: { type: 'string' },
  'state-dir': { type: 'string' },
  'admin-key': { type: 'string' },
  'if-expiring': { type: 'boolean' },
  force: { type: 'boolean' },
  'local-ca': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>['values'];

function need(values: Values, name: keyof Values): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function parseRange(text: string): { id: string; first: number; last: number } {
  const match = /^([A-Za-z0-9_-]+):(\d+)-(\d+)$/.exec(text);
  if (!match) throw new UsageError(`--range ${text}: expected ID:FIRST-LAST`);
  const range = { id: match[1]!, first: Number(match[2]), last: Number(match[3]) };
  if (range.last < range.first) throw new UsageError(`--range ${text}: LAST is below FIRST`);
  return range;
}

async function central(command: string | undefined, values: Values): Promise<void> {
  const dir = resolve(values.dir ?? 'central-admin');
  switch (command) {
    case 'init': {
      const ws = await CentralAdminWorkspace.open(dir);
      print(`central admin workspace: ${dir}`);
      print(`pin this key on devices (install script --admin-key): ${ws.adminPublicKeyFile}`);
      print(`admin key id (SHA-256 of the public key): ${ws.adminKeyId}`);
      return;
    }
    case 'enroll': {
      const ws = await CentralAdminWorkspace.open(dir);
      const approval = values.approval ?? 'required';
      if (approval !== 'required' && approval !== 'per-process') {
        throw new UsageError('--approval must be required or per-process');
      }
      const ranges = (values.range ?? []).map(parseRange);
      if (ranges.length === 0) throw new UsageError('--range is required (card-number range)');
      const bundle = ws.createEnrollment({
        deviceName: need(values, 'device'),
        site: need(values, 'site'),
        estUrl: need(values, 'est-url'),
        ...(values['scim-url'] ? { scimUrl: values['scim-url'] } : {}),
        ...(values['escrow-key']
          ? { escrowPublicKeyPem: readFileSync(values['escrow-key'], 'utf8') }
          : {}),
        approvalPolicy: approval,
        ...(values.processes ? { processes: values.processes.split(',') } : {}),
        numberRanges: ranges,
        ...(values.config
          ? { config: JSON.parse(readFileSync(values.config, 'utf8')) as Record<string, unknown> }
          : {}),
        ...(values['valid-hours'] ? { claimValidHours: Number(values['valid-hours']) } : {}),
        issuingCa: values['local-ca'] ? 'local' : 'central',
      });
      const out = need(values, 'out');
      // The bundle holds the claim token: readable by the admin only.
      writeFileSync(out, JSON.stringify(bundle, null, 2) + '\n', { mode: 0o600 });
      const payload = JSON.parse(Buffer.from(bundle.payload, 'base64url').toString('utf8'));
      print(`enrollment ${payload.enrollmentId} for ${payload.deviceName} written to ${out}`);
      print(`claim expires at ${payload.claimExpiresAt}`);
      return;
    }
    case 'revoke': {
      const ws = await CentralAdminWorkspace.open(dir);
      const record = ws.enrollments.revoke(need(values, 'enrollment'), new Date());
      print(`enrollment ${record.id} (${record.deviceName}) revoked at ${record.revokedAt}`);
      return;
    }
    case 'list': {
      const ws = await CentralAdminWorkspace.open(dir);
      for (const r of ws.enrollments.list()) {
        const state = r.revokedAt ? 'revoked' : r.claimedAt ? 'claimed' : 'open';
        print(
          `${r.id}  ${r.deviceName}  ${r.site}  ${state}  claim until ${r.claimExpiresAt}  certificates ${r.certificateSerials.length}`,
        );
      }
      return;
    }
    case 'serve': {
      const { url, app } = await startEstServer({
        dir,
        host: values.host ?? '127.0.0.1',
        port: Number(values.port ?? 8444),
        logger: true,
      });
      print(`EST server on ${url}/.well-known/est`);
      const stop = () => void app.close().then(() => process.exit(0));
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
      return;
    }
    default:
      throw new UsageError(`unknown central command ${command ?? '(none)'}`);
  }
}

async function device(command: string | undefined, values: Values): Promise<void> {
  const stateDir = resolve(values['state-dir'] ?? process.env.CARDKIOSK_STATE_DIR ?? 'state');
  switch (command) {
    case 'provision': {
      const adminKeyFile = values['admin-key'] ?? process.env.CARDKIOSK_ADMIN_KEY;
      if (!adminKeyFile)
        throw new UsageError('--admin-key (the pinned central admin key) is required');
      let text: string;
      let claimToken: string | undefined;
      if (values.bundle) {
        text = readFileSync(values.bundle === '-' ? 0 : values.bundle, 'utf8');
      } else if (values.url) {
        claimToken = need(values, 'token');
        text = await fetchEnrollmentBundle(
          values.url,
          claimToken,
          values.ca ? readFileSync(values.ca, 'utf8') : undefined,
        );
      } else {
        throw new UsageError('give --bundle FILE (or - for standard input), or --url and --token');
      }
      const result = await provisionDevice({
        bundle: parseEnrollmentBundle(text),
        ...(claimToken ? { claimToken } : {}),
        adminPublicKeyPem: readFileSync(adminKeyFile, 'utf8'),
        stateDir,
      });
      print(`provisioned as ${result.deviceName} (enrollment ${result.enrollmentId})`);
      print(
        `device certificate ${result.certificateSerial}, valid until ${result.certificateNotAfter.toISOString()}`,
      );
      print(
        result.issuingCa
          ? `issuing CA ${result.issuingCa.subject} certified by ${result.issuingCa.issuer}, valid until ${result.issuingCa.notAfter.toISOString()}`
          : 'issuing CA: the device keeps its own root (the bundle asks for a local CA)',
      );
      print('restart the service to use the new configuration: systemctl restart cardkiosk');
      return;
    }
    case 'reenroll': {
      if (values['if-expiring'] && !existsSync(identityFiles(stateDir).enrollment)) {
        // The check before every service start: an unprovisioned kiosk has nothing to renew.
        print('not provisioned: nothing to renew');
        return;
      }
      const result = await reenrollDevice({ stateDir, ifExpiring: values['if-expiring'] ?? false });
      print(
        result.renewed
          ? `renewed: certificate ${result.certificateSerial}, valid until ${result.certificateNotAfter.toISOString()}`
          : `not due: the certificate is valid until ${result.certificateNotAfter.toISOString()}`,
      );
      return;
    }
    case 'status': {
      const info = readEnrollmentInfo(stateDir);
      const cert = new x509.X509Certificate(
        readFileSync(identityFiles(stateDir).certificate, 'utf8'),
      );
      print(`device ${info.deviceName}, site ${info.site}, enrollment ${info.enrollmentId}`);
      print(`EST ${info.estUrl}${info.scimUrl ? `, SCIM ${info.scimUrl}` : ''}`);
      print(`certificate ${cert.serialNumber}, valid until ${cert.notAfter.toISOString()}`);
      print(`card-object changes not yet synced: ${await countUnsyncedEvents(stateDir)}`);
      return;
    }
    case 'factory-reset': {
      const result = await factoryReset({ stateDir, force: values.force ?? false });
      print(`factory reset: removed ${result.removed.length} entries from ${stateDir}`);
      if (result.unsyncedDiscarded > 0) {
        print(`discarded ${result.unsyncedDiscarded} unsynced card-object change(s) (--force)`);
      }
      return;
    }
    default:
      throw new UsageError(`unknown device command ${command ?? '(none)'}`);
  }
}

async function issuingCa(command: string | undefined, values: Values): Promise<void> {
  const stateDir = resolve(values['state-dir'] ?? process.env.CARDKIOSK_STATE_DIR ?? 'state');
  switch (command) {
    case 'renew': {
      const result = await enrollIssuingCa({ stateDir });
      print(`issuing CA ${result.subject} (${result.serial})`);
      print(`certified by ${result.issuer}, valid until ${result.notAfter.toISOString()}`);
      print('restart the service to sign cards with it: systemctl restart cardkiosk');
      return;
    }
    case 'status': {
      const status = await readIssuingCaStatus(stateDir);
      if (!status) {
        print('no issuing CA yet: the service creates a local one at its first start');
        return;
      }
      print(`issuing CA ${status.subject}, valid until ${status.notAfter.toISOString()}`);
      print(`chain: ${status.chain.join(' → ')}`);
      print(
        status.chainsToCentre
          ? 'certified by the central CA (a pinned trust anchor)'
          : 'local root: cards do not chain to the central CA (cardkiosk-admin issuing-ca renew)',
      );
      return;
    }
    default:
      throw new UsageError(`unknown issuing-ca command ${command ?? '(none)'}`);
  }
}

async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const [area, command] = parsed.positionals;
  if (parsed.values.help || !area) {
    const source = readFileSync(new URL(import.meta.url), 'utf8');
    const usage = /\/\*\*([\s\S]*?)\*\//.exec(source)?.[1]?.replace(/^ \* ?/gm, '') ?? '';
    process.stdout.write(usage.trim() + '\n');
    return area ? 0 : 2;
  }
  try {
    if (area === 'central') await central(command, parsed.values);
    else if (area === 'device') await device(command, parsed.values);
    else if (area === 'issuing-ca') await issuingCa(command, parsed.values);
    else throw new UsageError(`unknown area ${area}: central, device or issuing-ca`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message} (see --help)\n`);
      return 2;
    }
    if (error instanceof ProvisioningError) {
      process.stderr.write(`refused: ${error.code}: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`failed: ${(error as Error).message}\n`);
    return 1;
  }
}

const code = await run(process.argv.slice(2));
// `central serve` keeps running; every other command ends here.
if (code !== 0 || !(process.argv[2] === 'central' && process.argv[3] === 'serve')) {
  process.exitCode = code;
}
