/**
 * `npm run central`: the central Identity Manager for the demo, on https://127.0.0.1:8443
 * (CENTRAL_PORT, CENTRAL_STATE_DIR to change). On first start it makes a development PKI and
 * a client certificate for one device (CENTRAL_DEVICE_ID, default "kiosk-1"), and prints the
 * `sync` block to put into the appliance's config.json. The first administrator's bearer token
 * is written to CENTRAL_STATE_DIR/admin-token.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildCentralServer, SCIM_BASE_PATH } from './central-server.js';
import { CentralAdminWorkspace } from '../central-admin/central-admin-workspace.js';
import { ensureDevPki, issueDeviceCertificate } from './dev-pki.js';

const stateDir = resolve(process.env.CENTRAL_STATE_DIR ?? 'central-state');
const port = Number(process.env.CENTRAL_PORT ?? 8443);
const deviceId = process.env.CENTRAL_DEVICE_ID ?? 'kiosk-1';

const pki = await ensureDevPki(join(stateDir, 'pki'));
const device = await issueDeviceCertificate(pki, deviceId, join(stateDir, 'devices'));
// The central admin workspace shares the dev PKI's CA (pki/ca.pem, pki/ca-key.pem): device
// enrollment over EST issues certificates the SCIM side accepts.
const admin = await CentralAdminWorkspace.open(stateDir);
const central = await buildCentralServer({
  dbFile: join(stateDir, 'central.db'),
  est: { ca: admin.ca, enrollments: admin.enrollments },
  tls: {
    key: readFileSync(pki.serverKey),
    cert: readFileSync(pki.serverCert),
    ca: readFileSync(pki.caCert),
  },
});
// The first administrator's bearer token (decisions, central revocations, the directory), kept
// readable by its owner only; more with central.issueAdminToken.
const adminTokenFile = join(stateDir, 'admin-token');
if (!existsSync(adminTokenFile))
  writeFileSync(adminTokenFile, `${await central.issueAdminToken('central-admin')}\n`, {
    mode: 0o600,
  });
const bound = await central.listen(port, '127.0.0.1');
process.stdout.write(
  `central Identity Manager (SCIM 2.0, mutual TLS) on https://127.0.0.1:${bound}${SCIM_BASE_PATH}\n` +
    `administrator token (Authorization: Bearer …) in ${adminTokenFile}\n` +
    `EST enrollment on https://127.0.0.1:${bound}/.well-known/est (enrollments: cardkiosk-admin central enroll --dir ${stateDir} --est-url https://127.0.0.1:${bound})\n` +
    `device config (state/config.json):\n${JSON.stringify(
      {
        sync: {
          enabled: true,
          baseUrl: `https://127.0.0.1:${bound}${SCIM_BASE_PATH}`,
          tls: { certFile: device.certFile, keyFile: device.keyFile, caFile: pki.caCert },
          escrowPublicKeyFile: pki.escrowPublicKey,
        },
      },
      null,
      2,
    )}\n`,
);
const stop = () => {
  void central.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
