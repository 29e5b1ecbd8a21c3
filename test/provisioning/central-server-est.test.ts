import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../appliance/src/config.js';
import { CentralAdminWorkspace } from '../../provisioning/central-admin/central-admin-workspace.js';
import {
  buildCentralServer,
  SCIM_BASE_PATH,
  type CentralServer,
} from '../../provisioning/central/central-server.js';
import { ensureDevPki } from '../../provisioning/central/dev-pki.js';
import { provisionDevice } from '../../provisioning/device/device-provisioning.js';

function get(
  url: string,
  tls: { ca: string; cert?: string; key?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { ...tls }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('EST in the central test server', () => {
  let dir: string;
  let central: CentralServer;
  let admin: CentralAdminWorkspace;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'central-est-'));
    // `central init` first, then the central server's dev PKI: it must keep the admin's CA.
    admin = await CentralAdminWorkspace.open(dir);
    const pki = await ensureDevPki(join(dir, 'pki'));
    expect(readFileSync(pki.caCert, 'utf8')).toBe(admin.ca.certificatePem);
    central = await buildCentralServer({
      dbFile: join(dir, 'central.db'),
      tls: {
        key: readFileSync(pki.serverKey),
        cert: readFileSync(pki.serverCert),
        ca: readFileSync(pki.caCert),
      },
      est: { ca: admin.ca, enrollments: admin.enrollments },
    });
    url = `https://127.0.0.1:${await central.listen(0, '127.0.0.1')}`;
  });

  afterAll(async () => {
    await central.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('enrolls a device whose certificate then opens SCIM, which refuses clients without one', async () => {
    const bundle = admin.createEnrollment({
      deviceName: 'lobby-7',
      site: 'Dock 7',
      estUrl: url,
      scimUrl: `${url}${SCIM_BASE_PATH}`,
      escrowPublicKeyPem: readFileSync(join(dir, 'pki', 'escrow-public.pem'), 'utf8'),
      approvalPolicy: 'per-process',
      numberRanges: [{ id: 'd7', first: 7_000_000, last: 7_000_999 }],
    });
    const stateDir = join(dir, 'device');
    await provisionDevice({
      bundle,
      adminPublicKeyPem: admin.adminPublicKeyPem,
      stateDir,
    });

    // The appliance's sync block now points at the provisioned identity.
    const config = loadConfig({ CARDKIOSK_STATE_DIR: stateDir });
    expect(config.sync.enabled).toBe(true);
    expect(config.sync.baseUrl).toBe(`${url}${SCIM_BASE_PATH}`);
    const tls = config.sync.tls!;
    const ca = readFileSync(tls.caFile, 'utf8');

    const withCert = await get(`${url}${SCIM_BASE_PATH}/ServiceProviderConfig`, {
      ca,
      cert: readFileSync(tls.certFile, 'utf8'),
      key: readFileSync(tls.keyFile, 'utf8'),
    });
    expect(withCert.status).toBe(200);
    const anonymous = await get(`${url}${SCIM_BASE_PATH}/ServiceProviderConfig`, { ca });
    expect(anonymous.status).toBe(401);
    expect(readFileSync(config.sync.escrowPublicKeyFile!, 'utf8')).toContain('PUBLIC KEY');
  });
});
