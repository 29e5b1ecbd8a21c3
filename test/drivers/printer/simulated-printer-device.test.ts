/**
 * The simulator as a model of documented printers, fed raw bytes (no driver in between):
 * what each model answers, both `Dbc` forms and `Db`, validation of every panel, nothing
 * printed after a refused download, and Evolis' own Windows driver job accepted byte for byte.
 * Expected answers come from the guide (A5013 rev. E) and the notes, not from our driver.
 */
import { describe, expect, it } from 'vitest';
import { compressMonoPanel, decompressMonoPanel } from '../../../drivers/printer/panel-encoder.js';
import {
  CommandFrameParser,
  ReplyFrameParser,
  encodeCommand,
  encodeCompressedDownload,
  encodeRawDownload,
  MONO_BYTES_PER_LINE,
  PANEL_LINES,
} from '../../../drivers/printer/printer-codec.js';
import {
  SimulatedPrinterDevice,
  type SimulatedPrinterOptions,
} from '../../../drivers/printer/simulated-printer-device.js';
import { WINDOWS_DRIVER_CARD_WHITE } from '../../fixtures/printer/windows-driver-job.js';

/** A host on the simulator: send bytes, wait for `n` replies (events, no sleeps). */
function host(options: SimulatedPrinterOptions = {}) {
  const device = new SimulatedPrinterDevice({ timeScale: 0, ...options });
  const parser = new ReplyFrameParser();
  const replies: string[] = [];
  const rawBytes: number[] = [];
  let waiting: { n: number; resolve: (r: string[]) => void } | undefined;
  const link = device.connectHost((bytes) => {
    rawBytes.push(...bytes);
    for (const line of parser.push(bytes)) if ('text' in line) replies.push(line.text);
    if (waiting && replies.length >= waiting.n) {
      const w = waiting;
      waiting = undefined;
      w.resolve(replies.splice(0, w.n));
    }
  });
  const send = (bytes: Uint8Array, n: number): Promise<string[]> =>
    new Promise((resolve) => {
      waiting = { n, resolve };
      link.receive(bytes);
    });
  const ask = async (name: string, ...params: string[]): Promise<string> =>
    (await send(encodeCommand(name, ...params), 1))[0]!;
  return { device, send, ask, rawBytes };
}

function monoPanelWithLine(line: number): Uint8Array {
  const bits = new Uint8Array(PANEL_LINES * MONO_BYTES_PER_LINE);
  bits.fill(0xff, line * MONO_BYTES_PER_LINE, (line + 1) * MONO_BYTES_PER_LINE);
  return bits;
}

describe('SimulatedPrinterDevice: a documented model', () => {
  it('answers ERROR CDE to commands no Evolis document has, such as Rst', async () => {
    const h = host();
    expect(await h.ask('Rst')).toBe('ERROR CDE');
    expect(await h.ask('Xyz', '1')).toBe('ERROR CDE');
  });

  it('answers only what the guide ticks for the model', async () => {
    const dualys = host({ model: 'dualys' });
    // Rfv: Quantum and Kiosk only (p. 32); Sis: Quantum and Kiosk (p. 59); Rse (p. 37).
    expect(await dualys.ask('Rfv')).toBe('ERROR CDE');
    expect(await dualys.ask('Sis')).toBe('ERROR CDE');
    expect(await dualys.ask('Rse', 'o')).toBe('ERROR CDE');
    expect(await dualys.ask('Rlr', 'p')).toBe('NO CARD');
    const tattoo = host({ model: 'tattoo' });
    expect(await tattoo.ask('Rcr')).toBe('ERROR CDE');
    expect(await tattoo.ask('Sr')).toBe('ERROR CDE');
    const quantum = host({ model: 'quantum' });
    expect(await quantum.ask('Rfv')).toBe(quantum.device.firmware);
    expect(await quantum.ask('Rrt', 'count')).toBe('ERROR CDE');
    expect(await quantum.ask('Sk', 'f')).toBe('0');
  });

  it('answers Rlr;p in the rev. E words and in the newer ones', async () => {
    const revE = host({ model: 'quantum' });
    expect(await revE.ask('Rlr', 'p')).toBe('NO CARD');
    expect(await revE.ask('Sis')).toBe('OK');
    expect(await revE.ask('Rlr', 'p')).toBe('ERR CARD');
    const newer = host({ model: 'primacy' });
    expect(await newer.ask('Rlr', 'p')).toBe('OK');
    expect(await newer.ask('Sis')).toBe('OK');
    expect(await newer.ask('Rlr', 'p')).toBe('SMART CARD');
    expect(await newer.ask('Si')).toBe('OK');
    expect(await newer.ask('Rlr', 'p')).toBe('CARD');
    expect(await newer.ask('Sic')).toBe('OK');
    expect(await newer.ask('Rlr', 'p')).toBe('CONTACTLESS CARD');
  });

  it('ends its replies with the model terminator or the one it is given', async () => {
    const nul = host({ model: 'primacy' });
    await nul.ask('Rtp');
    expect(nul.rawBytes.at(-1)).toBe(0x00);
    const lf = host({ replyTerminator: 'lf' });
    await lf.ask('Rtp');
    expect(lf.rawBytes.at(-1)).toBe(0x0a);
  });

  it('prints from both documented Dbc forms and from Db', async () => {
    const h = host({ ribbonType: 'k' });
    const front = compressMonoPanel(monoPanelWithLine(500))!;
    const p15 = encodeCompressedDownload('k', 2, Uint8Array.from([0xff]), 700);
    expect(
      await h.send(
        Uint8Array.from([
          ...encodeCommand('Ss'),
          ...encodeCommand('Sr'),
          ...encodeCompressedDownload('k', 2, front.data),
          ...encodeCommand('Se'),
          ...encodeCommand('Ss'),
          ...p15,
          ...encodeCommand('Se'),
          ...encodeCommand('Ss'),
          ...encodeRawDownload('k', 2, monoPanelWithLine(3)),
          ...encodeCommand('Se'),
        ]),
        10,
      ),
    ).toEqual(new Array(10).fill('OK'));
    const [a, b, c] = h.device.printed();
    expect(a!.front.k).toEqual(monoPanelWithLine(500));
    expect(b!.front.k).toEqual(monoPanelWithLine(700));
    expect(c!.front.k).toEqual(monoPanelWithLine(3));
  });

  it('refuses a panel that does not decode, or levels that do not fit it, and prints nothing', async () => {
    const h = host({ ribbonType: 'k' });
    const bad = Uint8Array.from([0x52, ...new Array(0x52).fill(0)]); // 82 useful bytes > 81
    const replies = await h.send(
      Uint8Array.from([
        ...encodeCommand('Ss'),
        ...encodeCompressedDownload('k', 2, bad),
        ...encodeCommand('Se'),
        ...encodeCommand('Ss'),
        ...encodeCommand('Dbc', 'k', '128', '1').subarray(0, -1),
        0x3b,
        0x00,
        0x0d,
        ...encodeCommand('Se'),
      ]),
      6,
    );
    expect(replies).toEqual([
      'OK',
      'ERROR PARAMETRES',
      'ERROR CDE',
      'OK',
      'ERROR PARAMETRES',
      'ERROR CDE',
    ]);
    expect(h.device.snapshot()).toMatchObject({ printed: 0, refusedDownloads: 2 });
  });

  it("accepts Evolis' Windows driver job byte for byte and prints its card", async () => {
    const h = host({ model: 'dualys', ribbonType: 'k' });
    const garbage: unknown[] = [];
    h.device.on('garbage', (g) => garbage.push(g));
    const replies = await h.send(WINDOWS_DRIVER_CARD_WHITE, 10);
    expect(replies).toEqual(new Array(10).fill('OK'));
    expect(garbage).toEqual([]);
    const card = h.device.printed()[0]!;
    const dbc = new CommandFrameParser()
      .push(WINDOWS_DRIVER_CARD_WHITE)
      .flatMap((e) => (e.kind === 'command' && e.command.name === 'Dbc' ? [e.command] : []))[0]!;
    expect(card.front.k).toEqual(decompressMonoPanel(0, dbc.data!));
    expect(h.device.snapshot()).toMatchObject({
      printed: 1,
      cardsInserted: 1,
      cardPosition: 'none',
    });
  });
});
