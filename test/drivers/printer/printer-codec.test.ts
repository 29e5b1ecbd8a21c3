import { describe, expect, it } from 'vitest';
import type { PrinterFault } from '../../../drivers/printer/card-printer.js';
import {
  CR,
  CommandFrameParser,
  ESC,
  ReplyFrameParser,
  classifyReply,
  encodeCommand,
  encodeCompressedDownload,
  encodeRawDownload,
  encodeReply,
  parseCardSensor,
  parseCleaningDue,
  parseCoverSensor,
  parseFeederSensor,
  parseRibbonAtEndMark,
  rawPanelBytes,
  type CommandParseEvent,
} from '../../../drivers/printer/printer-codec.js';
import {
  DBC_K_FRAME,
  DBC_K_FRAME_P6,
  DBC_K_PAYLOAD,
  GARBLED_REPLY,
  MONO_JOB_COMMANDS,
  MONO_JOB_REPLIES,
  MONO_JOB_STREAM,
  PEM_2,
} from '../../fixtures/printer/frames.js';
import {
  WINDOWS_DRIVER_CARD_WHITE,
  WINDOWS_DRIVER_COMMANDS,
} from '../../fixtures/printer/windows-driver-job.js';

/** Feeds `bytes` to `push` cut at the given offsets and concatenates what comes out. */
function feedSplit<T>(bytes: Uint8Array, cuts: number[], push: (chunk: Uint8Array) => T[]): T[] {
  const out: T[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(...push(bytes.subarray(start, cut)));
    start = cut;
  }
  return out;
}

function commandsOf(events: CommandParseEvent[]): unknown[] {
  return events.map((e) =>
    e.kind === 'command'
      ? {
          name: e.command.name,
          params: e.command.params,
          ...(e.command.data ? { data: e.command.data } : {}),
        }
      : e,
  );
}

describe('encodeCommand', () => {
  it('frames a command as ESC name;params CR (guide §3)', () => {
    expect(encodeCommand('Pem', 2)).toEqual(PEM_2);
    expect(Array.from(encodeCommand('Se'))).toEqual([ESC, 0x53, 0x65, CR]);
  });

  it('refuses parameters that would break the framing', () => {
    expect(() => encodeCommand('Pc', 'k;=')).toThrow(RangeError);
    expect(() => encodeCommand('Pc', 'a\rb')).toThrow(RangeError);
    expect(() => encodeCommand('P\x1b')).toThrow(RangeError);
  });
});

describe('download frames', () => {
  it("builds Dbc as panel;levels;nbytes (guide p. 6, as Evolis' driver sends it)", () => {
    expect(encodeCompressedDownload('k', 2, DBC_K_PAYLOAD)).toEqual(DBC_K_FRAME_P6);
    const header = Buffer.from(encodeCompressedDownload('k', 2, new Uint8Array(83_312)))
      .subarray(0, 15)
      .toString('latin1');
    expect(header).toBe('\x1bDbc;k;2;83312;');
  });

  it('builds the first-line form panel;levels;firstLine;nbytes (guide p. 15)', () => {
    expect(encodeCompressedDownload('k', 2, DBC_K_PAYLOAD, 10)).toEqual(DBC_K_FRAME);
  });

  it('refuses a first line outside the panel and levels that do not fit the panel', () => {
    expect(() => encodeCompressedDownload('k', 2, DBC_K_PAYLOAD, 1016)).toThrow(RangeError);
    expect(() => encodeCompressedDownload('k', 2, DBC_K_PAYLOAD, -1)).toThrow(RangeError);
    expect(() => encodeCompressedDownload('k', 128, DBC_K_PAYLOAD)).toThrow(RangeError);
    expect(() => encodeCompressedDownload('y', 2, DBC_K_PAYLOAD)).toThrow(RangeError);
  });

  it('sizes raw Db downloads as 648 × 1016 × bits / 8 (guide p. 14)', () => {
    // The guide prints 84 624 / 592 368 bytes, computed from a miscounted 676 992 dots;
    // 648 × 1016 is 658 368 dots.
    expect(rawPanelBytes('k')).toBe(82_296);
    expect(rawPanelBytes('y')).toBe(576_072);
    expect(rawPanelBytes('c', 5)).toBe(411_480);
    const frame = encodeRawDownload('k', 2, new Uint8Array(82_296));
    expect(frame.length).toBe(1 + 'Db;k;2;'.length + 82_296 + 1);
    expect(() => encodeRawDownload('k', 2, new Uint8Array(10))).toThrow(RangeError);
    expect(() => encodeRawDownload('k', 3, new Uint8Array(82_296))).toThrow(RangeError);
  });
});

describe('CommandFrameParser', () => {
  it('parses a whole job stream in one chunk, payload bytes CR and ESC included', () => {
    const events = new CommandFrameParser().push(MONO_JOB_STREAM);
    expect(commandsOf(events)).toEqual(MONO_JOB_COMMANDS);
  });

  it('gives the same commands for the stream split at every single byte boundary', () => {
    for (let cut = 1; cut < MONO_JOB_STREAM.length; cut++) {
      const parser = new CommandFrameParser();
      expect(commandsOf(feedSplit(MONO_JOB_STREAM, [cut], (c) => parser.push(c)))).toEqual(
        MONO_JOB_COMMANDS,
      );
    }
  });

  it('gives the same commands fed one byte at a time and in uneven chunks', () => {
    const oneByOne = new CommandFrameParser();
    const cuts = Array.from({ length: MONO_JOB_STREAM.length - 1 }, (_, i) => i + 1);
    expect(commandsOf(feedSplit(MONO_JOB_STREAM, cuts, (c) => oneByOne.push(c)))).toEqual(
      MONO_JOB_COMMANDS,
    );
    const uneven = new CommandFrameParser();
    expect(
      commandsOf(feedSplit(MONO_JOB_STREAM, [3, 4, 11, 29, 30, 31, 45], (c) => uneven.push(c))),
    ).toEqual(MONO_JOB_COMMANDS);
  });

  it("parses Evolis' Windows driver job (a real capture) into its commands", () => {
    const events = new CommandFrameParser().push(WINDOWS_DRIVER_CARD_WHITE);
    expect(events.filter((e) => e.kind === 'garbage')).toEqual([]);
    const commands = events.flatMap((e) => (e.kind === 'command' ? [e.command] : []));
    expect(commands.map((c) => [c.name, ...c.params].join(';'))).toEqual(WINDOWS_DRIVER_COMMANDS);
    expect(commands.find((c) => c.name === 'Dbc')?.data?.length).toBe(42_832);
  });

  it('tells the two Dbc forms apart whatever the chunking', () => {
    for (const [frame, params] of [
      [DBC_K_FRAME, ['k', '2', '10', '5']],
      [DBC_K_FRAME_P6, ['k', '2', '5']],
    ] as const) {
      for (let cut = 1; cut < frame.length; cut++) {
        const parser = new CommandFrameParser();
        expect(commandsOf(feedSplit(frame, [cut], (c) => parser.push(c)))).toEqual([
          { name: 'Dbc', params, data: DBC_K_PAYLOAD },
        ]);
      }
    }
  });

  it('reads a p. 6 download whose payload starts with digits and no separator', () => {
    const payload = Uint8Array.from([0x31, 0x32, 0x33, ...new Array(0x31 + 0x32 - 2).fill(1)]);
    const frame = encodeCompressedDownload('o', 2, payload);
    const events = new CommandFrameParser().push(frame);
    expect(commandsOf(events)).toEqual([
      { name: 'Dbc', params: ['o', '2', String(payload.length)], data: payload },
    ]);
  });

  it('reads a raw Db payload by the length its depth implies', () => {
    const data = new Uint8Array(82_296).fill(CR);
    const events = new CommandFrameParser().push(encodeRawDownload('o', 2, data));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      kind: 'command',
      command: { name: 'Db', params: ['o', '2'] },
    });
  });

  it('reports noise outside frames and a frame cut short by the next ESC', () => {
    const parser = new CommandFrameParser();
    const events = parser.push(Uint8Array.from([0x7f, ESC, 0x53, 0x73, ESC, 0x53, 0x65, CR]));
    expect(events.map((e) => e.kind)).toEqual(['garbage', 'garbage', 'command']);
    expect(events[1]).toMatchObject({ reason: 'truncated frame' });
    expect(events[2]).toMatchObject({ command: { name: 'Se' } });
  });

  it('refuses a download header with an unknown panel or depth', () => {
    const parser = new CommandFrameParser();
    const events = parser.push(
      Uint8Array.from([ESC, ...Buffer.from('Db;x;2;'), ESC, ...Buffer.from('Dbc;k;3;1;')]),
    );
    expect(events.map((e) => e.kind)).toEqual(['garbage', 'garbage']);
  });

  it('reports a download whose payload is not followed by CR', () => {
    const parser = new CommandFrameParser();
    const events = parser.push(Uint8Array.from([ESC, ...Buffer.from('Dbc;k;2;1;'), 0x00, 0x41]));
    expect(events).toEqual([
      { kind: 'garbage', bytes: Uint8Array.of(0x41), reason: 'download not followed by CR' },
    ]);
  });

  it('drops a partial frame on reset', () => {
    const parser = new CommandFrameParser();
    parser.push(Uint8Array.from([ESC, 0x53]));
    parser.reset();
    expect(commandsOf(parser.push(encodeCommand('Rtp')))).toEqual([{ name: 'Rtp', params: [] }]);
  });
});

describe('ReplyFrameParser', () => {
  const expected = ['OK', 'OK', 'OK', 'OK', 'OK', 'OK', 'CARD JAM'].map((text) => ({ text }));

  it('splits replies at CR whatever the chunking', () => {
    for (let a = 1; a < MONO_JOB_REPLIES.length; a++) {
      for (let b = a; b < MONO_JOB_REPLIES.length; b += 3) {
        const parser = new ReplyFrameParser();
        expect(feedSplit(MONO_JOB_REPLIES, [a, b], (c) => parser.push(c))).toEqual(expected);
      }
    }
  });

  it('ends a reply at CR, LF or NUL, and drops the empty line of CR LF or padding', () => {
    const parser = new ReplyFrameParser();
    expect(parser.push(Buffer.from('OK\r\nNO CARD\nSMART CARD\0\0\0ERR CARD\rREAD'))).toEqual([
      { text: 'OK' },
      { text: 'NO CARD' },
      { text: 'SMART CARD' },
      { text: 'ERR CARD' },
    ]);
    expect(parser.pending()).toBe(4);
    expect(parser.push(Buffer.from('Y\0'))).toEqual([{ text: 'READY' }]);
    parser.push(Buffer.from('RE'));
    parser.reset();
    expect(parser.push(Buffer.from('OK\n'))).toEqual([{ text: 'OK' }]);
  });

  it.each(['cr', 'lf', 'nul'] as const)('reads replies the simulator ends with %s', (t) => {
    expect(new ReplyFrameParser().push(encodeReply('FEEDER EMPTY', t))).toEqual([
      { text: 'FEEDER EMPTY' },
    ]);
  });

  it('reports an endless line as an overflow instead of growing without bound', () => {
    const parser = new ReplyFrameParser();
    const out = parser.push(new Uint8Array(600).fill(0x41));
    expect(out).toHaveLength(1);
    expect(out[0]).toHaveProperty('overflow');
  });

  it('round-trips encodeReply', () => {
    expect(new ReplyFrameParser().push(encodeReply('FEEDER EMPTY'))).toEqual([
      { text: 'FEEDER EMPTY' },
    ]);
  });
});

describe('classifyReply', () => {
  it.each([
    ['Si', 'OK', { kind: 'ok' }],
    ['Si', 'FEEDER EMPTY', { kind: 'fault', fault: 'feeder_empty', raw: 'FEEDER EMPTY' }],
    ['Se', 'CARD JAM', { kind: 'fault', fault: 'card_jam', raw: 'CARD JAM' }],
    ['Se', 'COVER OPEN', { kind: 'fault', fault: 'cover_open', raw: 'COVER OPEN' }],
    ['Se', 'ERROR RIBBON', { kind: 'fault', fault: 'ribbon_out', raw: 'ERROR RIBBON' }],
    ['Rrt', 'ERR RIB DETECTION', { kind: 'fault', fault: 'ribbon_out', raw: 'ERR RIB DETECTION' }],
    ['Pr', 'ERROR RIBBON', { kind: 'fault', fault: 'ribbon_mismatch', raw: 'ERROR RIBBON' }],
    ['Se', 'ERROR HEAD', { kind: 'fault', fault: 'mechanical', raw: 'ERROR HEAD' }],
    ['Se', 'HOPPER FULL', { kind: 'fault', fault: 'hopper_full', raw: 'HOPPER FULL' }],
    ['Se', 'ERR SOMETHING NEW', { kind: 'fault', fault: 'mechanical', raw: 'ERR SOMETHING NEW' }],
    ['Xx', 'ERROR CDE', { kind: 'rejected', raw: 'ERROR CDE' }],
    ['Rfv', 'ERROR CDE', { kind: 'rejected', raw: 'ERROR CDE' }],
    ['Dbc', 'ERROR PARAMETRES', { kind: 'rejected', raw: 'ERROR PARAMETRES' }],
    ['Sis', 'OPT NOT AVAILABLE', { kind: 'rejected', raw: 'OPT NOT AVAILABLE' }],
    ['Rsn', 'SIM0000001', { kind: 'value', value: 'SIM0000001' }],
    ['Rlr', 'ERR CARD', { kind: 'value', value: 'ERR CARD' }],
    ['Rlr', 'ERR NEED CLEANING', { kind: 'value', value: 'ERR NEED CLEANING' }],
    ['Sk', '3', { kind: 'value', value: '3' }],
    ['Rtp', ' Evolis Quantum ', { kind: 'value', value: 'Evolis Quantum' }],
    ['Si', 'READY', { kind: 'garbled', raw: 'READY' }],
    ['Rtp', '', { kind: 'garbled', raw: '' }],
  ] as const)('answers %s with %j as %j', (command, text, expected) => {
    expect(classifyReply(command, text)).toEqual(expected);
  });

  it('calls non-printable bytes garbled', () => {
    const [line] = new ReplyFrameParser().push(GARBLED_REPLY);
    expect(line).toBeDefined();
    expect(classifyReply('Rtp', (line as { text: string }).text).kind).toBe('garbled');
  });

  // Every fault word of the protocol notes (../shared/protocols/printer.md, "Framing"), as
  // an answer to a job command, is a fault with one of the defined PrinterFault states.
  const DEFINED: readonly PrinterFault[] = [
    'ribbon_out',
    'ribbon_mismatch',
    'feeder_empty',
    'card_jam',
    'cover_open',
    'hopper_full',
    'cleaning_due',
    'card_inside',
    'magnetic',
    'not_answering',
    'mechanical',
  ];
  it.each([
    ['ERROR RIBBON', 'ribbon_out'],
    ['FEEDER EMPTY', 'feeder_empty'],
    ['CARD JAM', 'card_jam'],
    ['COVER OPEN', 'cover_open'],
    ['HOPPER DOOR', 'cover_open'],
    ['HOPPER FULL', 'hopper_full'],
    ['ERROR HEAD', 'mechanical'],
    ['ERROR HOPPER', 'mechanical'],
    ['ERROR TIME OUT', 'mechanical'],
    ['NEED CLEANING', 'cleaning_due'],
    ['ERROR MAGN', 'magnetic'],
    ['ERROR MAGN DATA', 'magnetic'],
    ['ERROR MAGN CHECKSUM', 'magnetic'],
    ['ERROR CHECKSUM', 'magnetic'],
    ['ERROR UNKNOW', 'mechanical'],
    ['ERR CARD', 'card_inside'],
    ['ERR NEED CLEANING', 'cleaning_due'],
    ['ERR RIB DETECTION', 'ribbon_out'],
  ] as const)('maps the fault word %s to the defined state %s', (word, fault) => {
    const reply = classifyReply('Se', word);
    expect(reply).toEqual({ kind: 'fault', fault, raw: word });
    expect(DEFINED).toContain(fault);
  });
});

describe('sensor reads', () => {
  it.each([
    // Rev. E (guide p. 34)
    ['NO CARD', 'none'],
    ['ERR CARD', 'inside'],
    // Newer firmware (third-party code on the Evolis SDK)
    ['OK', 'none'],
    ['CARD', 'print'],
    ['SMART CARD', 'contact'],
    ['CONTACTLESS CARD', 'contactless'],
  ] as const)('understands Rlr;p answered %s as %s', (text, position) => {
    expect(parseCardSensor(classifyReply('Rlr', text))).toBe(position);
  });

  it('does not guess at an Rlr;p answer it does not know, or a refusal', () => {
    expect(parseCardSensor(classifyReply('Rlr', 'MAYBE'))).toBeUndefined();
    expect(parseCardSensor(classifyReply('Rlr', 'ERROR CDE'))).toBeUndefined();
  });

  it('reads cleaning due from Rlr;r (guide p. 34)', () => {
    expect(parseCleaningDue(classifyReply('Rlr', 'ERR NEED CLEANING'))).toBe(true);
    expect(parseCleaningDue(classifyReply('Rlr', 'OK'))).toBe(false);
    expect(parseCleaningDue(classifyReply('Rlr', 'ERROR CDE'))).toBeUndefined();
  });

  it('reads the ribbon end mark from Rcr: OK unless on the mark (guide p. 32)', () => {
    expect(parseRibbonAtEndMark(classifyReply('Rcr', 'OK'))).toBe(false);
    expect(parseRibbonAtEndMark(classifyReply('Rcr', 'ERROR RIBBON'))).toBe(true);
    expect(parseRibbonAtEndMark(classifyReply('Rcr', 'ERROR CDE'))).toBeUndefined();
  });

  it('reads the feeder sensors of Sk;f and Sk;w (guide p. 64)', () => {
    expect(parseFeederSensor(classifyReply('Sk', '0'))).toBe(false);
    expect(parseFeederSensor(classifyReply('Sk', '1'))).toBe(true);
    expect(parseFeederSensor(classifyReply('Sk', '3'))).toBe(true);
    expect(parseFeederSensor(classifyReply('Sk', '7'))).toBeUndefined();
  });

  it('reads the cover from Rse;o only as far as the sources go', () => {
    expect(parseCoverSensor(classifyReply('Rse', 'COVER OPEN'))).toBe('open');
    expect(parseCoverSensor(classifyReply('Rse', '4.92'))).toBe('closed');
    expect(parseCoverSensor(classifyReply('Rse', '0,21'))).toBe('open');
    expect(parseCoverSensor(classifyReply('Rse', 'SOMETHING'))).toBe('unknown');
  });
});
