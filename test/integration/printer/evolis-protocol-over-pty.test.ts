/**
 * The Evolis protocol over a real tty (a socat pseudo-terminal pair): Evolis' own Windows
 * driver job (a real capture) written byte for byte into the simulator prints its card; and
 * our SerialCardPrinter, on the native serial binding, connects to documented models of both
 * generations, learns what each answers, polls nothing else, and prints.
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPortStream } from '@serialport/stream';
import { afterEach, describe, expect } from 'vitest';
import {
  PrinterRefusedError,
  SerialCardPrinter,
  SimulatedPrinterDevice,
  type SimulatedPrinterOptions,
} from '../../../drivers/printer/index.js';
import { decompressMonoPanel } from '../../../drivers/printer/panel-encoder.js';
import { CommandFrameParser, ReplyFrameParser } from '../../../drivers/printer/printer-codec.js';
import {
  servePrinterOnPort,
  type PtyPrinterLink,
} from '../../../drivers/printer/pty-printer-link.js';
import { contractArtwork, waitForStatus } from '../../contract/card-printer.contract.js';
import { WINDOWS_DRIVER_CARD_WHITE } from '../../fixtures/printer/windows-driver-job.js';
import { startSocatPtyPair, type SocatPtyPair } from '../../support/socat-pty-pair.js';
import { itWithTools } from '../../support/system-tools.js';

const it = itWithTools(['socat']);
// Generous answer budgets: the pty, socat and the simulator share a loaded 2-core machine.
const TIMEOUTS = {
  commandTimeoutMs: 5_000,
  insertTimeoutMs: 8_000,
  printTimeoutMs: 15_000,
  ejectTimeoutMs: 8_000,
  pollIntervalMs: 50,
  reconnectInitialDelayMs: 20,
  reconnectMaxDelayMs: 200,
};

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function printerOnPty(
  options: SimulatedPrinterOptions,
): Promise<{ device: SimulatedPrinterDevice; hostPath: string }> {
  const base = join(tmpdir(), `cardkiosk-evolis-${randomUUID()}`);
  const device = new SimulatedPrinterDevice({ timeScale: 0.01, ...options });
  const pair: SocatPtyPair = await startSocatPtyPair(`${base}-host`, `${base}-printer`);
  cleanups.push(() => pair.stop());
  const link: PtyPrinterLink = await servePrinterOnPort(device, `${base}-printer`);
  cleanups.push(() => link.close());
  return { device, hostPath: `${base}-host` };
}

function driverFor(hostPath: string, ribbon: 'ymcko' | 'k' = 'ymcko'): SerialCardPrinter {
  const printer = new SerialCardPrinter({ ...TIMEOUTS, path: hostPath, ribbon });
  cleanups.push(() => printer.close());
  return printer;
}

describe('the Evolis protocol over a pseudo-terminal', { timeout: 90_000 }, () => {
  it("prints the card of Evolis' Windows driver job, written byte for byte", async () => {
    const { device, hostPath } = await printerOnPty({ model: 'dualys', ribbonType: 'k' });
    const { autoDetect } = await import('@serialport/bindings-cpp');
    const port = new SerialPortStream({ binding: autoDetect(), path: hostPath, baudRate: 115_200 });
    await new Promise<void>((resolve, reject) => port.once('open', resolve).once('error', reject));
    cleanups.push(() => new Promise<void>((resolve) => port.close(() => resolve())));
    const replies: string[] = [];
    const parser = new ReplyFrameParser();
    const allAnswered = new Promise<void>((resolve) =>
      port.on('data', (chunk: Buffer) => {
        for (const line of parser.push(chunk)) if ('text' in line) replies.push(line.text);
        if (replies.length >= 10) resolve();
      }),
    );
    const printed = new Promise((resolve) => device.once('printed', resolve));
    port.write(Buffer.from(WINDOWS_DRIVER_CARD_WHITE));
    await printed;
    await allAnswered;
    expect(replies).toEqual(new Array(10).fill('OK'));
    const dbc = new CommandFrameParser()
      .push(WINDOWS_DRIVER_CARD_WHITE)
      .flatMap((e) => (e.kind === 'command' && e.command.name === 'Dbc' ? [e.command] : []))[0]!;
    expect(device.printed()).toHaveLength(1);
    expect(device.printed()[0]!.front.k).toEqual(decompressMonoPanel(0, dbc.data!));
  });

  it('gets a printer that knows only the rev. E reads ready, polls only those, and prints', async () => {
    const { device, hostPath } = await printerOnPty({ model: 'quantum' });
    const refused: string[] = [];
    const printer = driverFor(hostPath);
    const ready = await waitForStatus(printer, (s) => s.state === 'ready');
    expect(ready).toMatchObject({ family: 'quantum', model: device.model, cover: 'closed' });
    expect(ready.capabilities).toEqual(
      expect.arrayContaining(['Rlr;p', 'Rlr;r', 'Rcr', 'Rco;l', 'Rse;o', 'Sk;f', 'Sk;w']),
    );
    expect(ready.capabilities).not.toContain('Rrt;count');
    // From here on nothing the printer does not know is sent: no ERROR CDE in a whole
    // production (park under the contact station, print, eject) and the polls around it.
    let last = '';
    device.on('command', (c: { name: string; params: string[] }) => {
      last = [c.name, ...c.params].join(';');
    });
    device.on('reply', (text: string) => {
      if (text === 'ERROR CDE') refused.push(last);
    });
    await printer.insertToChipStation('contact');
    expect(device.snapshot().cardPosition).toBe('contact');
    await printer.print(contractArtwork());
    await waitForStatus(printer, (s) => s.state === 'ready');
    expect(refused).toEqual([]);
    expect(device.snapshot()).toMatchObject({ printed: 1, cardsInserted: 1, errorMode: 0 });
  });

  it('prints on a Dualys (no Rfv, no sensors, no contact station) and names what it lacks', async () => {
    const { device, hostPath } = await printerOnPty({ model: 'dualys' });
    const printer = driverFor(hostPath);
    const ready = await waitForStatus(printer, (s) => s.state === 'ready');
    expect(ready.family).toBe('dualys');
    expect(ready.firmware).toBeUndefined();
    expect(ready.capabilities).not.toContain('Rse;o');
    const parking = await printer.insertToChipStation('contact').catch((e: unknown) => e);
    expect(parking).toBeInstanceOf(PrinterRefusedError);
    expect((parking as PrinterRefusedError).message).toMatch(/contact station/);
    expect(device.snapshot().cardsInserted).toBe(0);
    await printer.print(contractArtwork());
    expect(device.snapshot().printed).toBe(1);
  });

  it('understands a newer printer that ends replies with NUL and reads its ribbon count', async () => {
    const { device, hostPath } = await printerOnPty({ model: 'primacy', ribbonPrints: 20 });
    const printer = driverFor(hostPath);
    const ready = await waitForStatus(printer, (s) => s.state === 'ready');
    expect(ready).toMatchObject({ family: 'newer', ribbonRemaining: 20 });
    expect(ready.capabilities).toContain('Rrt;count');
    // 20 prints left is under the "nearly out" mark.
    expect(ready.warnings).toContain('ribbon_low');
    await printer.insertToChipStation('contact');
    await printer.print(contractArtwork());
    expect(device.snapshot()).toMatchObject({ printed: 1, cardsInserted: 1 });
  });
});
