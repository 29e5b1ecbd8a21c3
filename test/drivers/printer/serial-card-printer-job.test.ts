/**
 * The job SerialCardPrinter sends, on the in-process simulator (a rev. E Quantum): the order
 * of the guide's example (p. 69) and Evolis' drivers, the header of each download, the error
 * mode restored, and the pre-job checks that refuse before a blank is spoiled.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  PrinterFaultError,
  createSimulatedCardPrinter,
  type SimulatedSerialCardPrinter,
} from '../../../drivers/printer/index.js';
import type { SimulatedPrinterOptions } from '../../../drivers/printer/simulated-printer-device.js';
import { contractArtwork } from '../../contract/card-printer.contract.js';

let printer: SimulatedSerialCardPrinter | undefined;
afterEach(async () => printer?.close());

function setUp(device: SimulatedPrinterOptions = {}) {
  printer = createSimulatedCardPrinter({ pollIntervalMs: 0, device: { timeScale: 0, ...device } });
  const sent: string[] = [];
  printer.device.on('command', (c: { name: string; params: string[] }) =>
    sent.push([c.name, ...c.params].join(';')),
  );
  return { printer, sent };
}

describe('the job SerialCardPrinter sends', () => {
  it('parks, then prints in the documented order with one Dbc;panel;levels;nbytes per inked panel', async () => {
    const { printer, sent } = setUp();
    await printer.status(); // connect and learn the printer first
    sent.length = 0;
    await printer.insertToChipStation('contact');
    // Each job is followed by a status read; the job itself runs from Pem;2 on.
    expect(sent.slice(0, sent.indexOf('Sis') + 1)).toEqual([
      'Pem;2',
      'Rcr',
      'Rse;o',
      'Sk;f',
      'Rlr;p',
      'Sis',
    ]);
    sent.length = 0;
    await printer.print(contractArtwork());
    const job = sent.slice(sent.indexOf('Pem;2'), sent.indexOf('Pem;0') + 1);
    const downloads = job.filter((c) => c.startsWith('Dbc'));
    expect(job.filter((c) => !c.startsWith('Dbc'))).toEqual([
      'Pem;2',
      'Pr;ymcko',
      'Rcr',
      'Rse;o',
      'Sk;f',
      'Rlr;p',
      'Ss',
      'Sr',
      'Se',
      'Pem;0',
    ]);
    expect(downloads.map((d) => d.split(';').slice(0, 3).join(';'))).toEqual([
      'Dbc;y;128',
      'Dbc;m;128',
      'Dbc;c;128',
      'Dbc;k;2',
      'Dbc;o;2',
    ]);
    expect(job.indexOf('Sr')).toBeLessThan(job.indexOf(downloads[0]!));
    expect(printer.device.snapshot()).toMatchObject({ printed: 1, cardsInserted: 1 });
  });

  it('sends no Sr to a model the guide does not tick for it (Kiosk)', async () => {
    const { printer, sent } = setUp({ model: 'kiosk' });
    await printer.status();
    const refused: string[] = [];
    printer.device.on('reply', (text: string) => {
      if (text === 'ERROR CDE') refused.push(sent.at(-1) ?? '');
    });
    await printer.print(contractArtwork());
    expect(sent).not.toContain('Sr');
    expect(refused).toEqual([]);
    expect(printer.device.snapshot().printed).toBe(1);
  });

  it.each([
    [
      'ribbon on its end mark',
      (d: SimulatedSerialCardPrinter) => d.device.replaceRibbon(0),
      'ribbon_out',
      /Rcr/,
    ],
    [
      'cover open',
      (d: SimulatedSerialCardPrinter) => d.device.injectFault('cover_open'),
      'cover_open',
      /Rse;o/,
    ],
    [
      'a card already inside',
      (d: SimulatedSerialCardPrinter) => d.device.placeCard('print'),
      'card_inside',
      /Rlr;p/,
    ],
    [
      'feeder empty',
      (d: SimulatedSerialCardPrinter) => d.device.loadCards(-100),
      'feeder_empty',
      /Sk;f/,
    ],
  ] as const)('refuses the job before feeding when %s', async (_what, arrange, fault, raw) => {
    const { printer, sent } = setUp();
    await printer.status();
    arrange(printer);
    sent.length = 0;
    const error = await printer.print(contractArtwork()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrinterFaultError);
    expect(error).toMatchObject({ fault, cardFed: false });
    expect((error as PrinterFaultError).rawFault).toMatch(raw);
    expect(sent).not.toContain('Si');
    expect(sent).not.toContain('Ss');
    expect(printer.device.snapshot()).toMatchObject({ printed: 0, cardsInserted: 0 });
    expect(await printer.status()).toMatchObject({ state: 'fault', fault });
  });
});
