/**
 * The CardPrinter contract over a real serial path: `SerialCardPrinter` on the native binding
 * opens one end of a socat pseudo-terminal pair; the simulator serves the other end. Unplugging
 * kills socat (both ptys vanish); plugging back starts a new socat on the same link paths.
 *
 * socat is required in CI (`CI=true`): there a missing socat fails the suite. Elsewhere the
 * suite is skipped when socat is not installed.
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SerialCardPrinter, SimulatedPrinterDevice } from '../../drivers/printer/index.js';
import { servePrinterOnPort, type PtyPrinterLink } from '../../drivers/printer/pty-printer-link.js';
import { socatAvailable, startSocatPtyPair, type SocatPtyPair } from '../support/socat-pty-pair.js';
import {
  CONTRACT_TIME_SCALE,
  CONTRACT_TIMEOUTS,
  describeCardPrinterContract,
} from './card-printer.contract.js';

const inCi = process.env.CI === 'true';

/**
 * A real tty, socat and the simulator share the CPU with the rest of the suite: a 1 s answer
 * budget proved too tight on a loaded 2-core CI machine (spurious timeouts at earlier stages
 * than the fault under test), so commands get more time here than in-process.
 */
const PTY_TIMEOUTS = {
  commandTimeoutMs: 4_000,
  insertTimeoutMs: 6_000,
  printTimeoutMs: 10_000,
  ejectTimeoutMs: 5_000,
};
const haveSocat = socatAvailable();

describe('socat for the pseudo-terminal tests', () => {
  it.runIf(inCi)('is installed in CI', () => {
    expect(haveSocat, 'socat is missing: .ci/run must apt-get install socat').toBe(true);
  });
});

describe.runIf(haveSocat || inCi)('over a socat pseudo-terminal pair', { timeout: 60_000 }, () => {
  describeCardPrinterContract('SerialCardPrinter on a pty, simulator on the far end', async () => {
    const base = join(tmpdir(), `cardkiosk-printer-${randomUUID()}`);
    const hostPath = `${base}-host`;
    const devicePath = `${base}-printer`;
    const device = new SimulatedPrinterDevice({ timeScale: CONTRACT_TIME_SCALE });
    let pair: SocatPtyPair = await startSocatPtyPair(hostPath, devicePath);
    let link: PtyPrinterLink = await servePrinterOnPort(device, devicePath);
    const printer = new SerialCardPrinter({
      ...CONTRACT_TIMEOUTS,
      ...PTY_TIMEOUTS,
      path: hostPath,
    });
    return {
      printer,
      device,
      unplug: async () => {
        await pair.stop();
        await link.closed;
      },
      plug: async () => {
        pair = await startSocatPtyPair(hostPath, devicePath);
        link = await servePrinterOnPort(device, devicePath);
      },
      close: async () => {
        await printer.close();
        await link.close();
        await pair.stop();
      },
    };
  });
});
