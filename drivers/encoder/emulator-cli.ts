/**
 * Attach a simulated PIV card to pcscd from the shell, through the vpcd virtual reader:
 *
 *   npx tsx drivers/encoder/emulator-cli.ts [--port 35963] [--host 127.0.0.1]
 *                                           [--serial 12345678] [--non-piv]
 *                                           [--profile yubikey-5.7]
 *                                           [--attestation-root-out root.pem]
 *
 * --profile picks the card generation (simulated-card-profiles.ts: yubikey-4.3,
 * yubikey-5.4 (default), yubikey-5.7, piv-applet). Cards that attest chain to a TEST
 * attestation root made when the process starts; --attestation-root-out writes that root
 * and its intermediate (PEM) for the appliance's `attestation.rootsFile`. It is a test root:
 * never configure it on a device that issues real cards.
 *
 * Port 35963 is "Virtual PCD 00 00", 35964 "Virtual PCD 00 01". The card stays inserted
 * (re-connecting across pcscd restarts) until the process gets SIGINT or SIGTERM. Every
 * card lives in memory only: stopping the process throws the card away.
 */
import { parseArgs } from 'node:util';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import {
  SimulatedNonPivCard,
  SimulatedPivCard,
  emulatorAttestationAuthority,
  type SimulatedCard,
} from './simulated-piv-card.js';
import { DEFAULT_CARD_PROFILE, simulatedCardProfile } from './simulated-card-profiles.js';
import { VPCD_DEFAULT_PORT, VpcdClient } from './vpcd-client.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: String(VPCD_DEFAULT_PORT) },
    serial: { type: 'string' },
    'non-piv': { type: 'boolean', default: false },
    profile: { type: 'string', default: DEFAULT_CARD_PROFILE },
    'attestation-root-out': { type: 'string' },
  },
});

let profile;
try {
  profile = simulatedCardProfile(values.profile);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}
const rootOut = values['attestation-root-out'];
if (rootOut) {
  const { root, issuer } = emulatorAttestationAuthority();
  const pem = [root, issuer]
    .map((ca) => new X509Certificate(Buffer.from(ca.certificateDer)).toString())
    .join('');
  writeFileSync(rootOut, pem);
  process.stderr.write(`TEST attestation root written to ${rootOut}\n`);
}
const card: SimulatedCard = values['non-piv']
  ? new SimulatedNonPivCard()
  : new SimulatedPivCard({ profile, ...(values.serial ? { serial: Number(values.serial) } : {}) });
process.stderr.write(`card profile ${profile.name}: ${profile.description}\n`);
const client = new VpcdClient({ card, host: values.host, port: Number(values.port) });
client.on('connected', () =>
  process.stderr.write(`card inserted into vpcd ${values.host}:${values.port}\n`),
);
client.on('disconnected', () =>
  process.stderr.write('vpcd connection closed; waiting to re-insert\n'),
);

const stop = (): void => {
  void client.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

client.insert(60_000).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
