/**
 * Runs the simulated printer on a serial port path, typically one end of a pseudo-terminal
 * pair, so that the appliance (or `cu`, or minicom) can talk to it over a real tty:
 *
 *   socat -d -d pty,raw,echo=0,link=/tmp/printer-host pty,raw,echo=0,link=/tmp/printer-dev &
 *   npx tsx drivers/printer/simulator-cli.ts /tmp/printer-dev --model quantum --time-scale 0.1
 *   # then point the appliance's printer path at /tmp/printer-host
 *
 * When the port vanishes (socat restarted) it waits for the path to come back and serves
 * it again with the same supplies. Faults can be injected from stdin, one per line:
 * `fault card_jam print`, `clear`, `cards 100`, `ribbon 200 ymcko`, `status`.
 */

import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { servePrinterOnPort } from './pty-printer-link.js';
import {
  SIMULATED_MODELS,
  SimulatedPrinterDevice,
  type FaultStage,
  type SimulatedFault,
} from './simulated-printer-device.js';

const RETRY_OPEN_MS = 500;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'time-scale': { type: 'string', default: '1' },
      cards: { type: 'string', default: '100' },
      ribbon: { type: 'string', default: '200' },
      'ribbon-type': { type: 'string', default: 'ymcko' },
      model: { type: 'string', default: 'quantum' },
      baud: { type: 'string', default: '115200' },
    },
  });
  const path = positionals[0];
  if (!path) {
    console.error(
      `usage: simulator-cli.ts <port path> [--model ${SIMULATED_MODELS.join('|')}] [--time-scale 1] [--cards 100] [--ribbon 200] [--ribbon-type ymcko|k]`,
    );
    process.exit(2);
  }
  const model = SIMULATED_MODELS.find((m) => m === values.model);
  if (!model) {
    console.error(`unknown model ${values.model}: one of ${SIMULATED_MODELS.join(', ')}`);
    process.exit(2);
  }
  const device = new SimulatedPrinterDevice({
    model,
    timeScale: Number(values['time-scale']),
    cardsInFeeder: Number(values.cards),
    ribbonPrints: Number(values.ribbon),
    ribbonType: values['ribbon-type'] === 'k' ? 'k' : 'ymcko',
  });
  device.on('command', (c: { name: string; params: string[] }) =>
    console.log(`<- ${c.name}${c.params.length ? ';' + c.params.join(';') : ''}`),
  );
  device.on('reply', (text: string) => console.log(`-> ${text}`));

  createInterface({ input: process.stdin }).on('line', (line) => {
    const [verb, a, b] = line.trim().split(/\s+/);
    if (verb === 'fault' && a)
      device.injectFault(a as SimulatedFault, { at: (b ?? 'now') as FaultStage });
    else if (verb === 'clear') device.clearFault(a as SimulatedFault | undefined);
    else if (verb === 'cards' && a) device.loadCards(Number(a));
    else if (verb === 'ribbon' && a) device.replaceRibbon(Number(a), b === 'k' ? 'k' : undefined);
    console.log(JSON.stringify(device.snapshot()));
  });

  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      stopping = true;
      process.exit(0);
    });
  }
  for (;;) {
    try {
      const link = await servePrinterOnPort(device, path, { baudRate: Number(values.baud) });
      console.log(`serving the simulated printer on ${path}`);
      await link.closed;
      console.log(`${path} closed; waiting for it to come back`);
    } catch (error) {
      if (stopping) return;
      console.log(
        `cannot open ${path} (${error instanceof Error ? error.message : String(error)}); retrying`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_OPEN_MS));
  }
}

void main();
