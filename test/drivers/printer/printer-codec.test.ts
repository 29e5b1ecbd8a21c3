import { describe, expect, it } from 'vitest';
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
  parseCardPresent,
  parseStatusWord,
  rawPanelBytes,
  type CommandParseEvent,
} from '../../../drivers/printer/printer-codec.js';
import {
  DBC_K_FRAME,
  DBC_K_PAYLOAD,
  GARBLED_REPLY,
  MONO_JOB_COMMANDS,
  MONO_JOB_REPLIES,
  MONO_JOB_STREAM,
  PEM_2,
} from '../../fixtures/printer/frames.js';

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
  it('builds Dbc with panel, first line, payload length, payload and CR', () => {
    expect(encodeCompressedDownload('k', 10, DBC_K_PAYLOAD)).toEqual(DBC_K_FRAME);
  });

  it('rejects a first line outside the panel', () => {
    expect(() => encodeCompressedDownload('k', 1016, DBC_K_PAYLOAD)).toThrow(RangeError);
    expect(() => encodeCompressedDownload('k', -1, DBC_K_PAYLOAD)).toThrow(RangeError);
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
      Uint8Array.from([ESC, ...Buffer.from('Db;x;2;'), ESC, ...Buffer.from('Dbc;k;a;1;')]),
    );
    expect(events.map((e) => e.kind)).toEqual(['garbage', 'garbage']);
  });

  it('reports a download whose payload is not followed by CR', () => {
    const parser = new CommandFrameParser();
    const events = parser.push(Uint8Array.from([ESC, ...Buffer.from('Dbc;k;0;1;'), 0x00, 0x41]));
    expect(events).toEqual([
      { kind: 'garbage', bytes: Uint8Array.of(0x41), reason: 'download not followed by CR' },
    ]);
  });

  it('drops a partial frame on reset', () => {
    const parser = new CommandFrameParser();
    parser.push(Uint8Array.from([ESC, 0x53]));
    parser.reset();
    expect(commandsOf(parser.push(encodeCommand('Rst')))).toEqual([{ name: 'Rst', params: [] }]);
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

  it('ignores LF and NUL and keeps a reply cut short as pending', () => {
    const parser = new ReplyFrameParser();
    expect(parser.push(Buffer.from('OK\r\n\0READ'))).toEqual([{ text: 'OK' }]);
    expect(parser.pending()).toBe(4);
    expect(parser.push(Buffer.from('Y\r'))).toEqual([{ text: 'READY' }]);
    parser.push(Buffer.from('RE'));
    parser.reset();
    expect(parser.push(Buffer.from('OK\r'))).toEqual([{ text: 'OK' }]);
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
    ['Rst', 'OFFLINE', { kind: 'fault', fault: 'offline', raw: 'OFFLINE' }],
    ['Se', 'ERROR HEAD', { kind: 'fault', fault: 'mechanical', raw: 'ERROR HEAD' }],
    ['Se', 'HOPPER FULL', { kind: 'fault', fault: 'mechanical', raw: 'HOPPER FULL' }],
    ['Xx', 'ERROR CDE', { kind: 'rejected', raw: 'ERROR CDE' }],
    ['Dbc', 'ERROR PARAMETRES', { kind: 'rejected', raw: 'ERROR PARAMETRES' }],
    ['Rsn', 'SIM0000001', { kind: 'value', value: 'SIM0000001' }],
    ['Rst', ' READY ', { kind: 'value', value: 'READY' }],
    ['Si', 'READY', { kind: 'garbled', raw: 'READY' }],
    ['Rst', '', { kind: 'garbled', raw: '' }],
  ] as const)('answers %s with %j as %j', (command, text, expected) => {
    expect(classifyReply(command, text)).toEqual(expected);
  });

  it('calls non-printable bytes garbled', () => {
    const [line] = new ReplyFrameParser().push(GARBLED_REPLY);
    expect(line).toBeDefined();
    expect(classifyReply('Rst', (line as { text: string }).text).kind).toBe('garbled');
  });
});

describe('status and sensor words', () => {
  it('reads Rst words', () => {
    expect(parseStatusWord(classifyReply('Rst', 'READY'))).toEqual({ state: 'ready' });
    expect(parseStatusWord(classifyReply('Rst', 'BUSY'))).toEqual({ state: 'busy' });
    expect(parseStatusWord(classifyReply('Rst', 'COVER OPEN'))).toEqual({
      state: 'fault',
      fault: 'cover_open',
      raw: 'COVER OPEN',
    });
    expect(parseStatusWord(classifyReply('Rst', 'SLEEPING'))).toBeUndefined();
  });

  it('reads the card-present sensor', () => {
    expect(parseCardPresent(classifyReply('Rlr', 'CARD'))).toBe(true);
    expect(parseCardPresent(classifyReply('Rlr', 'NO CARD'))).toBe(false);
    expect(parseCardPresent(classifyReply('Rlr', 'MAYBE'))).toBeUndefined();
    expect(parseCardPresent({ kind: 'ok' })).toBeUndefined();
  });
});
