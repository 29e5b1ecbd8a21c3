/**
 * Attach a simulated PIV card to pcscd from the shell, through the vpcd virtual reader:
 *
 *   npx tsx drivers/encoder/emulator-cli.ts [--port 35963] [--host 127.0.0.1]
 *                                           [--serial 12345678] [--non-piv]
 *
 * Port 35963 is "Virtual PCD 00 00", 35964 "Virtual PCD 00 01". The card stays inserted
 * (re-connecting across pcscd restarts) until the process gets SIGINT or SIGTERM. Every
 * card lives in memory only: stopping the process throws the card away.
 */
import { parseArgs } from 'node:util';
import { SimulatedNonPivCard, SimulatedPivCard, type SimulatedCard } from './simulated-piv-card.js';
import { VPCD_DEFAULT_PORT, VpcdClient } from './vpcd-client.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: String(VPCD_DEFAULT_PORT) },
    serial: { type: 'string' },
    'non-piv': { type: 'boolean', default: false },
  },
});

const card: SimulatedCard = values['non-piv']
  ? new SimulatedNonPivCard()
  : new SimulatedPivCard(values.serial ? { serial: Number(values.serial) } : {});
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
