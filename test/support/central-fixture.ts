/**
 * The central Identity Manager for sync tests: a dev PKI in a temporary directory, the
 * central server on loopback with mutual TLS, a device client certificate, a fault proxy in
 * front of the server, and a SCIM client for the device that goes through the proxy.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScimIdentityManagerClient } from '../../appliance/src/central/scim-identity-manager-client.js';
import { EciesEscrow } from '../../appliance/src/crypto/ecies-escrow.js';
import { silentLogger } from '../../appliance/src/services/ports.js';
import {
  buildCentralServer,
  SCIM_BASE_PATH,
  type CentralServer,
} from '../../provisioning/central/central-server.js';
import {
  ensureDevPki,
  issueDeviceCertificate,
  type DeviceCredentials,
  type DevPkiFiles,
} from '../../provisioning/central/dev-pki.js';
import { FaultProxy } from './fault-proxy.js';

export interface CentralFixture {
  dir: string;
  pki: DevPkiFiles;
  device: DeviceCredentials;
  central: CentralServer;
  centralPort: number;
  proxy: FaultProxy;
  /** SCIM base URL through the proxy. */
  baseUrl: string;
  escrow: EciesEscrow;
  client(opts?: { requestTimeoutMs?: number }): ScimIdentityManagerClient;
  /** The `sync` block of a device config.json that uses this centre. */
  syncConfig(extra?: Record<string, unknown>): Record<string, unknown>;
  close(): Promise<void>;
}

export async function startCentral(deviceId = 'kiosk-test'): Promise<CentralFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'cardkiosk-central-'));
  const pki = await ensureDevPki(join(dir, 'pki'));
  const device = await issueDeviceCertificate(pki, deviceId, join(dir, 'devices'));
  const central = await buildCentralServer({
    dbFile: join(dir, 'central.db'),
    escrowPrivateKeyPem: readFileSync(pki.escrowPrivateKey, 'utf8'),
    tls: {
      key: readFileSync(pki.serverKey),
      cert: readFileSync(pki.serverCert),
      ca: readFileSync(pki.caCert),
    },
  });
  const centralPort = await central.listen(0, '127.0.0.1');
  const proxy = new FaultProxy({ host: '127.0.0.1', port: centralPort });
  const proxyPort = await proxy.start();
  const baseUrl = `https://127.0.0.1:${proxyPort}${SCIM_BASE_PATH}`;
  const tls = { certFile: device.certFile, keyFile: device.keyFile, caFile: pki.caCert };
  const clients: ScimIdentityManagerClient[] = [];
  return {
    dir,
    pki,
    device,
    central,
    centralPort,
    proxy,
    baseUrl,
    escrow: new EciesEscrow(readFileSync(pki.escrowPublicKey, 'utf8')),
    client(opts = {}) {
      const c = new ScimIdentityManagerClient({
        baseUrl,
        tls,
        requestTimeoutMs: opts.requestTimeoutMs ?? 3_000,
        log: silentLogger,
      });
      clients.push(c);
      return c;
    },
    syncConfig(extra = {}) {
      return {
        enabled: true,
        baseUrl,
        tls,
        escrowPublicKeyFile: pki.escrowPublicKey,
        ...extra,
      };
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await proxy.stop();
      await central.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Poll `check` until it returns true, at most `timeoutMs`; no fixed sleeps in tests. */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  everyMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
