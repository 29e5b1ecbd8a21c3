/**
 * A reply that comes after its command timed out must not be taken as the answer to the next
 * command (which would shift every later reply by one): the driver resynchronises first.
 * Reproduces the cascade seen on a loaded CI machine, where one slow download reply made
 * every following fault test read the previous command's answer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PrinterFaultError } from '../../../drivers/printer/card-printer.js';
import {
  createSimulatedCardPrinter,
  type SimulatedSerialCardPrinter,
} from '../../../drivers/printer/index.js';

const W = 1016;
const H = 648;
const artwork = () => ({
  front: { widthPx: W, heightPx: H, rgba: new Uint8Array(W * H * 4).fill(255) },
});

describe('SerialCardPrinter after a timed-out command', () => {
  let printer: SimulatedSerialCardPrinter;
  afterEach(async () => printer?.close());

  it('drops the late reply and pairs every later reply with its own command', async () => {
    // Printing takes 3 × 200 ms of simulated time, the driver waits only 150 ms for it.
    printer = createSimulatedCardPrinter({
      device: {
        timeScale: 1,
        cycleTimesMs: { insert: 0, printPerPanel: 200, eject: 0 },
        ribbonType: 'ymcko',
      },
      commandTimeoutMs: 1_000,
      printTimeoutMs: 150,
      pollIntervalMs: 0,
    });
    const late = new Promise<void>((resolve) => printer.device.once('printed', () => resolve()));
    const failed = await printer.print(artwork()).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(PrinterFaultError);
    expect((failed as PrinterFaultError).fault).toBe('not_answering');
    // The printer finishes the card and answers the print command after the driver gave up.
    await late;

    const status = await printer.status();
    expect(status).toMatchObject({ state: 'ready', serialNumber: 'SIM0000001' });
    expect(status.ribbonRemaining).toBeGreaterThan(0);
    // The next job gets the answers to its own commands: a fault injected at print is seen as such.
    printer.device.injectFault('cover_open', { at: 'feed' });
    const next = await printer.print(artwork()).catch((e: unknown) => e);
    expect((next as PrinterFaultError).fault).toBe('cover_open');
  });
});
