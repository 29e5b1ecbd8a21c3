/**
 * The Evolis escape-command protocol as bytes ⇄ typed values, with no I/O: building command
 * frames (host side), parsing command frames (printer side, used by the simulator), splitting
 * and classifying replies, and mapping reply words to `PrinterFault`. Both frame parsers take
 * bytes in chunks split at any boundary.
 *
 * Sources (Evolis Card Printers Programming Guide, A5013 rev. E, "the guide"):
 * - §3 Communication protocol (p. 4): `ESC Cmd;p1;…;pn CR`; the ESC is optional after a CR.
 * - §4 (p. 6): `Dbc;panel;levels;nbytes;data`, levels 2 for K/O, 32/64/128 for colour — the
 *   form Evolis' Windows driver sends (`Dbc;k;2;83312;…`, dpavlin/Printer-EVOLIS
 *   test.windows/). §8 (p. 15) adds a first-line field: `Dbc;panel;levels;firstLine;nbytes`.
 *   `Db;panel;levels;data` (p. 14) downloads a whole uncompressed panel.
 * - Answers: `OK`; rejections `ERROR CDE`, `ERROR PARAMETRES`, `OPT NOT AVAILABLE`; fault
 *   words from the answer table of Evolis' `CPrinter` sample class, `ERR CARD` and
 *   `ERR NEED CLEANING` from the guide (p. 34), `ERR RIB DETECTION` from newer firmware
 *   (third-party code on the Evolis SDK). The SDK treats any answer starting `ERR` as an error.
 * - How a reply ends is not in the guide; the one open driver that reads replies (over USB)
 *   stops at a NUL. We accept CR, LF or NUL, and drop the empty line a CR LF pair leaves.
 */

import type { PrinterFault } from './card-printer.js';

export const ESC = 0x1b;
export const CR = 0x0d;
const LF = 0x0a;
const NUL = 0x00;
const SEPARATOR = ';';

/** A CR-80 bitmap: 1016 lines of 648 dots at 300 dpi (guide §2, p. 4). */
export const PANEL_LINES = 1016;
export const DOTS_PER_LINE = 648;
/** K and O panels are 1 bit per dot: 81 bytes per line (guide p. 14). */
export const MONO_BYTES_PER_LINE = DOTS_PER_LINE / 8;

export type PanelName = 'y' | 'm' | 'c' | 'k' | 'o';
export const COLOUR_PANELS: readonly PanelName[] = ['y', 'm', 'c'];
export const MONO_PANELS: readonly PanelName[] = ['k', 'o'];

/** `Db` p2 values and the bits per dot they stand for (guide p. 14). */
export const DOWNLOAD_BITS: Readonly<Record<number, number>> = { 2: 1, 32: 5, 64: 6, 128: 7 };

/**
 * Bytes of an uncompressed `Db` download: 648 × 1016 × bits / 8 (82 296 for K/O, 576 072 for
 * 7-bit colour). The guide prints 84 624 / 592 368, from a miscounted 676 992 dots per panel.
 */
export function rawPanelBytes(panel: PanelName, colourBits = 7): number {
  const bits = MONO_PANELS.includes(panel) ? 1 : colourBits;
  return (PANEL_LINES * DOTS_PER_LINE * bits) / 8;
}

/** Longest header we accept before a command is declared garbage (no real header is close). */
const MAX_HEADER_BYTES = 256;
/** Longest reply line we accept before declaring the reply garbled. */
const MAX_REPLY_BYTES = 512;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('latin1');

// ---------------------------------------------------------------------------------------------
// Host side: command frames

/** `ESC name;p1;…;pn CR` (guide §3). Parameters must not contain `;` or CR. */
export function encodeCommand(name: string, ...params: Array<string | number>): Uint8Array {
  for (const p of [name, ...params.map(String)]) {
    if (p.includes(SEPARATOR) || p.includes('\r') || p.includes(String.fromCharCode(ESC)))
      throw new RangeError(`invalid character in command part ${JSON.stringify(p)}`);
  }
  const text = [name, ...params.map(String)].join(SEPARATOR);
  const body = textEncoder.encode(text);
  const frame = new Uint8Array(body.length + 2);
  frame[0] = ESC;
  frame.set(body, 1);
  frame[frame.length - 1] = CR;
  return frame;
}

/** Levels a download may carry (guide p. 6, p. 14): 2 for K/O, 32/64/128 for Y/M/C. */
export type DownloadLevels = 2 | 32 | 64 | 128;

/**
 * `ESC Dbc;panel;levels;nbytes;<data> CR` (guide p. 6, the form Evolis' driver sends), or with
 * `firstLine` the guide's p. 15 form `ESC Dbc;panel;levels;firstLine;nbytes;<data> CR`.
 */
export function encodeCompressedDownload(
  panel: PanelName,
  levels: DownloadLevels,
  data: Uint8Array,
  firstLine?: number,
): Uint8Array {
  if (DOWNLOAD_BITS[levels] === undefined) throw new RangeError(`levels ${levels} not documented`);
  if (MONO_PANELS.includes(panel) !== (levels === 2))
    throw new RangeError(`panel ${panel} cannot carry ${levels} levels`);
  if (
    firstLine !== undefined &&
    (!Number.isInteger(firstLine) || firstLine < 0 || firstLine >= PANEL_LINES)
  ) {
    throw new RangeError(`first line ${firstLine} outside 0…${PANEL_LINES - 1}`);
  }
  const fields = firstLine === undefined ? [levels, data.length] : [levels, firstLine, data.length];
  const header = textEncoder.encode(`Dbc;${panel};${fields.join(';')};`);
  const frame = new Uint8Array(1 + header.length + data.length + 1);
  frame[0] = ESC;
  frame.set(header, 1);
  frame.set(data, 1 + header.length);
  frame[frame.length - 1] = CR;
  return frame;
}

/** `ESC Db;panel;bits;<data> CR`: a whole uncompressed panel (guide p. 14). */
export function encodeRawDownload(panel: PanelName, p2: number, data: Uint8Array): Uint8Array {
  const bits = DOWNLOAD_BITS[p2];
  if (bits === undefined) throw new RangeError(`Db p2 must be one of 2, 32, 64, 128, not ${p2}`);
  const expected = (PANEL_LINES * DOTS_PER_LINE * bits) / 8;
  if (data.length !== expected)
    throw new RangeError(`Db data must be ${expected} bytes, not ${data.length}`);
  const header = textEncoder.encode(`Db;${panel};${p2};`);
  const frame = new Uint8Array(1 + header.length + data.length + 1);
  frame[0] = ESC;
  frame.set(header, 1);
  frame.set(data, 1 + header.length);
  frame[frame.length - 1] = CR;
  return frame;
}

// ---------------------------------------------------------------------------------------------
// Printer side: parsing command frames (the simulator's input)

export interface ParsedCommand {
  name: string;
  params: string[];
  /** The binary payload of `Db` / `Dbc`. */
  data?: Uint8Array;
}

export type CommandParseEvent =
  | { kind: 'command'; command: ParsedCommand }
  /** Bytes that were not part of any frame, or a frame that broke its own rules. */
  | { kind: 'garbage'; bytes: Uint8Array; reason: string };

type CommandParserState =
  | { at: 'idle' }
  | { at: 'header'; bytes: number[] }
  /** After `Dbc;panel;levels;N;` with N ≤ 1015: N is a first line if digits and `;` follow. */
  | { at: 'firstLineOrData'; name: string; params: string[]; digits: number[] }
  | { at: 'data'; name: string; params: string[]; data: Uint8Array; filled: number }
  | { at: 'trailer'; name: string; params: string[]; data: Uint8Array };

/**
 * Splits a byte stream into commands. `Db`/`Dbc` carry binary data that may contain CR, so
 * their payload is read by length (from the levels for `Db`, from nbytes for `Dbc`), then the
 * CR. `Dbc` comes in two documented forms; `Dbc;k;2;N;` is the p. 6 form when N cannot be a
 * line (N ≥ 1016, which every whole-panel download is) or when no `digits;` follows it.
 */
export class CommandFrameParser {
  private state: CommandParserState = { at: 'idle' };

  push(chunk: Uint8Array): CommandParseEvent[] {
    const events: CommandParseEvent[] = [];
    let i = 0;
    while (i < chunk.length) {
      const state = this.state;
      switch (state.at) {
        case 'idle': {
          const byte = chunk[i]!;
          if (byte === ESC) {
            this.state = { at: 'header', bytes: [] };
          } else if (isCommandLetter(byte)) {
            // Guide §3: "the Start Character is not compulsory after the CR character".
            this.state = { at: 'header', bytes: [byte] };
          } else if (byte !== NUL && byte !== CR && byte !== LF) {
            // Drivers pad with NULs (the Windows driver does); anything else is noise.
            events.push({
              kind: 'garbage',
              bytes: Uint8Array.of(byte),
              reason: 'byte outside a frame',
            });
          }
          i += 1;
          break;
        }
        case 'header': {
          const byte = chunk[i]!;
          i += 1;
          if (byte === CR) {
            this.state = { at: 'idle' };
            const parts = textDecoder.decode(Uint8Array.from(state.bytes)).split(SEPARATOR);
            const [name = '', ...params] = parts;
            if (name === '') {
              events.push({
                kind: 'garbage',
                bytes: Uint8Array.from(state.bytes),
                reason: 'empty command',
              });
            } else {
              events.push({ kind: 'command', command: { name, params } });
            }
            break;
          }
          if (byte === ESC) {
            // A new frame started before this one ended: the old one was truncated.
            events.push({
              kind: 'garbage',
              bytes: Uint8Array.from(state.bytes),
              reason: 'truncated frame',
            });
            this.state = { at: 'header', bytes: [] };
            break;
          }
          state.bytes.push(byte);
          if (byte === SEPARATOR.charCodeAt(0)) {
            const payload = this.payloadAfterHeader(state.bytes);
            if (payload === 'invalid') {
              events.push({
                kind: 'garbage',
                bytes: Uint8Array.from(state.bytes),
                reason: 'bad download header',
              });
              this.state = { at: 'idle' };
            } else if (payload === 'firstLineOrData') {
              const fields = textDecoder.decode(Uint8Array.from(state.bytes)).split(SEPARATOR);
              fields.pop();
              const [name = '', ...params] = fields;
              this.state = { at: 'firstLineOrData', name, params, digits: [] };
            } else if (payload) {
              this.state =
                payload.length === 0
                  ? {
                      at: 'trailer',
                      name: payload.name,
                      params: payload.params,
                      data: new Uint8Array(0),
                    }
                  : {
                      at: 'data',
                      name: payload.name,
                      params: payload.params,
                      data: new Uint8Array(payload.length),
                      filled: 0,
                    };
            }
          } else if (state.bytes.length > MAX_HEADER_BYTES) {
            events.push({
              kind: 'garbage',
              bytes: Uint8Array.from(state.bytes),
              reason: 'header too long',
            });
            this.state = { at: 'idle' };
          }
          break;
        }
        case 'firstLineOrData': {
          const byte = chunk[i]!;
          i += 1;
          if (byte >= 0x30 && byte <= 0x39 && state.digits.length < 7) {
            state.digits.push(byte);
            break;
          }
          if (byte === SEPARATOR.charCodeAt(0) && state.digits.length > 0) {
            // The p. 15 form: the number before was the first line, this one is nbytes.
            const nbytes = textDecoder.decode(Uint8Array.from(state.digits));
            this.state = this.dataState(state.name, [...state.params, nbytes], Number(nbytes));
            break;
          }
          // The p. 6 form: what we held back was payload.
          const held = Uint8Array.from([...state.digits, byte]);
          this.state = this.dataState(state.name, state.params, Number(state.params[2]));
          events.push(...this.push(held));
          break;
        }
        case 'data': {
          const take = Math.min(chunk.length - i, state.data.length - state.filled);
          state.data.set(chunk.subarray(i, i + take), state.filled);
          state.filled += take;
          i += take;
          if (state.filled === state.data.length) {
            this.state = {
              at: 'trailer',
              name: state.name,
              params: state.params,
              data: state.data,
            };
          }
          break;
        }
        case 'trailer': {
          const byte = chunk[i]!;
          i += 1;
          this.state = { at: 'idle' };
          if (byte === CR) {
            events.push({
              kind: 'command',
              command: { name: state.name, params: state.params, data: state.data },
            });
          } else {
            events.push({
              kind: 'garbage',
              bytes: Uint8Array.of(byte),
              reason: 'download not followed by CR',
            });
          }
          break;
        }
      }
    }
    return events;
  }

  private dataState(name: string, params: string[], length: number): CommandParserState {
    return length === 0
      ? { at: 'trailer', name, params, data: new Uint8Array(0) }
      : { at: 'data', name, params, data: new Uint8Array(length), filled: 0 };
  }

  /** Discards a partial frame (the line dropped, or the host reset). */
  reset(): void {
    this.state = { at: 'idle' };
  }

  /**
   * After each `;` of a header: if the header is a complete download header, the payload
   * length; `undefined` while more header is needed; 'invalid' for a malformed one.
   */
  private payloadAfterHeader(
    bytes: number[],
  ):
    { name: string; params: string[]; length: number } | 'invalid' | 'firstLineOrData' | undefined {
    const fields = textDecoder.decode(Uint8Array.from(bytes)).split(SEPARATOR);
    fields.pop(); // the empty field after the trailing ';'
    const [name, ...params] = fields;
    if (name === 'Db' && params.length === 2) {
      const bits = DOWNLOAD_BITS[Number(params[1])];
      if (bits === undefined || !isPanelName(params[0])) return 'invalid';
      return { name, params, length: (PANEL_LINES * DOTS_PER_LINE * bits) / 8 };
    }
    if (name === 'Dbc' && params.length === 3) {
      if (
        !isPanelName(params[0]) ||
        DOWNLOAD_BITS[Number(params[1])] === undefined ||
        !/^\d{1,7}$/.test(params[2] ?? '')
      ) {
        return 'invalid';
      }
      const n = Number(params[2]);
      if (n < PANEL_LINES) return 'firstLineOrData';
      return { name, params, length: n };
    }
    return undefined;
  }
}

function isCommandLetter(byte: number): boolean {
  return (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a);
}

export function isPanelName(value: string | undefined): value is PanelName {
  return value === 'y' || value === 'm' || value === 'c' || value === 'k' || value === 'o';
}

// ---------------------------------------------------------------------------------------------
// Replies

/**
 * A reply as the simulator sends it: its text then one terminator. The guide does not say
 * which; CR is the default (commands end with CR), the simulated models may use LF or NUL.
 */
export function encodeReply(text: string, terminator: ReplyTerminator = 'cr'): Uint8Array {
  const body = textEncoder.encode(text);
  const frame = new Uint8Array(body.length + 1);
  frame.set(body);
  frame[body.length] = terminator === 'cr' ? CR : terminator === 'lf' ? LF : NUL;
  return frame;
}

export type ReplyTerminator = 'cr' | 'lf' | 'nul';

/**
 * Splits the printer's byte stream into reply lines ended by CR, LF or NUL. A terminator
 * right after another one ends nothing (CR LF, or NUL padding). A line longer than any real
 * reply is reported as an overflow so a babbling line cannot grow memory without bound.
 */
export class ReplyFrameParser {
  private buffer: number[] = [];

  push(chunk: Uint8Array): Array<{ text: string } | { overflow: Uint8Array }> {
    const out: Array<{ text: string } | { overflow: Uint8Array }> = [];
    for (const byte of chunk) {
      if (byte === CR || byte === LF || byte === NUL) {
        if (this.buffer.length > 0) {
          out.push({ text: textDecoder.decode(Uint8Array.from(this.buffer)) });
          this.buffer = [];
        }
      } else {
        this.buffer.push(byte);
        if (this.buffer.length > MAX_REPLY_BYTES) {
          out.push({ overflow: Uint8Array.from(this.buffer) });
          this.buffer = [];
        }
      }
    }
    return out;
  }

  /** Bytes received since the last terminator (a truncated reply, when the line goes quiet). */
  pending(): number {
    return this.buffer.length;
  }

  reset(): void {
    this.buffer = [];
  }
}

export type PrinterReply =
  | { kind: 'ok' }
  /** The answer of a read command (`R…`, `Sk`). */
  | { kind: 'value'; value: string }
  /** A fault the operator can act on, with the printer's own word kept. */
  | { kind: 'fault'; fault: PrinterFault; raw: string }
  /**
   * `ERROR CDE` / `ERROR PARAMETRES` / `OPT NOT AVAILABLE`: the printer refused the command
   * itself. To a read, `ERROR CDE` means the model does not have it (a capability, not a fault).
   */
  | { kind: 'rejected'; raw: string }
  /** Not a reply this protocol knows: noise on the line or a corrupted answer. */
  | { kind: 'garbled'; raw: string };

/**
 * Every fault word the protocol notes list, and the state it stands for, with its source.
 * `ERR CARD`, `ERR NEED CLEANING` and `NO CARD` are sensor answers to `Rlr` (guide p. 34);
 * sent in answer to any other command they are the fault below.
 */
export const FAULT_WORDS: Readonly<Record<string, { fault: PrinterFault; source: string }>> = {
  'ERROR RIBBON': { fault: 'ribbon_out', source: 'CPrinter sample' },
  'ERR RIB DETECTION': { fault: 'ribbon_out', source: 'newer firmware (SDK users)' },
  'FEEDER EMPTY': { fault: 'feeder_empty', source: 'CPrinter sample' },
  'CARD JAM': { fault: 'card_jam', source: 'CPrinter sample' },
  'COVER OPEN': { fault: 'cover_open', source: 'CPrinter sample' },
  'HOPPER DOOR': { fault: 'cover_open', source: 'CPrinter sample' },
  'HOPPER FULL': { fault: 'hopper_full', source: 'CPrinter sample' },
  'ERROR HEAD': { fault: 'mechanical', source: 'CPrinter sample' },
  'ERROR HOPPER': { fault: 'mechanical', source: 'CPrinter sample' },
  'ERROR TIME OUT': { fault: 'mechanical', source: 'CPrinter sample' },
  'NEED CLEANING': { fault: 'cleaning_due', source: 'CPrinter sample' },
  'ERR NEED CLEANING': { fault: 'cleaning_due', source: 'guide p. 34' },
  'ERROR MAGN': { fault: 'magnetic', source: 'CPrinter sample' },
  'ERROR MAGN DATA': { fault: 'magnetic', source: 'CPrinter sample' },
  'ERROR MAGN CHECKSUM': { fault: 'magnetic', source: 'CPrinter sample' },
  'ERROR CHECKSUM': { fault: 'magnetic', source: 'guide p. 7 (NACK K: magnetic checksum)' },
  'ERROR UNKNOW': { fault: 'mechanical', source: 'CPrinter sample' },
  'ERR CARD': { fault: 'card_inside', source: 'guide p. 34' },
  ERROR: { fault: 'mechanical', source: 'CPrinter sample' },
};

/** The word the simulator answers for each fault it can be given. */
export const FAULT_REPLY_WORD: Readonly<
  Record<Exclude<PrinterFault, 'not_answering' | 'card_inside'>, string>
> = {
  ribbon_out: 'ERROR RIBBON',
  // The printer has one word for "no ribbon or bad ribbon"; the driver tells the two apart by
  // asking for the job's ribbon type again (see SerialCardPrinter).
  ribbon_mismatch: 'ERROR RIBBON',
  feeder_empty: 'FEEDER EMPTY',
  card_jam: 'CARD JAM',
  cover_open: 'COVER OPEN',
  hopper_full: 'HOPPER FULL',
  cleaning_due: 'NEED CLEANING',
  magnetic: 'ERROR MAGN',
  mechanical: 'ERROR HEAD',
};

export const REJECTION_WORDS: ReadonlySet<string> = new Set([
  'ERROR CDE',
  'ERROR PARAMETRES',
  'OPT NOT AVAILABLE',
]);

/** Answers of `Rlr;p` / `Rlr;r` that are sensor values, not faults (guide p. 34). */
const RLR_VALUES = new Set(['NO CARD', 'ERR CARD', 'ERR NEED CLEANING']);

/**
 * Classifies the reply text to `command` (the command text up to its parameters, e.g. `Si`,
 * `Rlr`). Context matters: `ERROR RIBBON` in answer to `Pr` means the ribbon in the printer is
 * not the one asked for, elsewhere that it ran out or is missing; `ERR CARD` answers `Rlr;p`.
 */
export function classifyReply(command: string, text: string): PrinterReply {
  const trimmed = text.trim();
  if (trimmed === '' || !/^[\x20-\x7e]+$/.test(trimmed)) return { kind: 'garbled', raw: text };
  if (trimmed === 'OK') return { kind: 'ok' };
  if (REJECTION_WORDS.has(trimmed)) return { kind: 'rejected', raw: trimmed };
  const isRead = command.startsWith('R') || command === 'Sk';
  if (command === 'Rlr' && RLR_VALUES.has(trimmed)) return { kind: 'value', value: trimmed };
  const word = FAULT_WORDS[trimmed];
  if (word) {
    if (command === 'Pr' && trimmed === 'ERROR RIBBON') {
      return { kind: 'fault', fault: 'ribbon_mismatch', raw: trimmed };
    }
    return { kind: 'fault', fault: word.fault, raw: trimmed };
  }
  // Evolis SDK: any answer starting "ERR" is an error (EVOLIS_REPLY_IS_ERR).
  if (trimmed.startsWith('ERR')) return { kind: 'fault', fault: 'mechanical', raw: trimmed };
  if (isRead) return { kind: 'value', value: trimmed };
  return { kind: 'garbled', raw: text };
}

/** Where the card sensor (`Rlr;p`) says a card is. */
export type CardPosition = 'none' | 'inside' | 'print' | 'contact' | 'contactless';

/**
 * `Rlr;p` in both generations. Rev. E (guide p. 34): `NO CARD`, or `ERR CARD` when a card is
 * in the printing module (the page's wording also names the feeder; we read `ERR CARD` as "a
 * card is inside", position unknown — a rev. E printer with a card parked would confirm it).
 * Newer firmware (third-party code on the Evolis SDK): `OK` none, `CARD` at the print
 * position, `SMART CARD` at the contact station, `CONTACTLESS CARD` at the contactless one.
 */
export function parseCardSensor(reply: PrinterReply): CardPosition | undefined {
  if (reply.kind === 'ok') return 'none';
  if (reply.kind !== 'value') return undefined;
  switch (reply.value) {
    case 'NO CARD':
      return 'none';
    case 'ERR CARD':
      return 'inside';
    case 'CARD':
      return 'print';
    case 'SMART CARD':
      return 'contact';
    case 'CONTACTLESS CARD':
      return 'contactless';
    default:
      return undefined;
  }
}

/** `Rlr;r` (guide p. 34): `ERR NEED CLEANING` when the cleaning counter ran out. */
export function parseCleaningDue(reply: PrinterReply): boolean | undefined {
  if (reply.kind === 'value' && reply.value === 'ERR NEED CLEANING') return true;
  if (reply.kind === 'fault' && reply.fault === 'cleaning_due') return true;
  // ASSUMED: any other answer (the guide shows none) means no cleaning is due.
  if (reply.kind === 'ok' || reply.kind === 'value') return false;
  return undefined;
}

/** `Rcr` (guide p. 32): `OK` unless the ribbon is on its end (black) mark. */
export function parseRibbonAtEndMark(reply: PrinterReply): boolean | undefined {
  if (reply.kind === 'ok') return false;
  // The guide names no other answer: anything else but a refusal is "not OK", i.e. the mark.
  if (reply.kind === 'value' || reply.kind === 'fault') return true;
  return undefined;
}

/** A counter read (`Rco;…`, `Rrt;count`): a whole number, or undefined. */
export function parseCount(reply: PrinterReply): number | undefined {
  if (reply.kind !== 'value' || !/^\d{1,9}$/.test(reply.value)) return undefined;
  return Number(reply.value);
}

/**
 * `Sk;f` / `Sk;w` (guide p. 64): `0` none, `1` feeder 1, `2` feeder 2, `3` both — empty for
 * `f`, the warning (near-empty) sensor for `w`.
 */
export function parseFeederSensor(reply: PrinterReply): boolean | undefined {
  if (reply.kind !== 'value' || !/^[0-3]$/.test(reply.value)) return undefined;
  return reply.value !== '0';
}

/**
 * `Rse;o` (guide p. 37: "Reads the Sensors Voltage"). The page gives no answer format nor
 * which level means open. A `COVER OPEN` word is taken as open. For a voltage we ASSUME the
 * format third-party code shows for another of these fork sensors (e.g. `4.92`, 0.2 V idle,
 * 4.9 V interrupted) and that the closed cover interrupts the fork; reading `Rse;o` on a
 * Quantum or Kiosk with the cover open and shut would confirm it. Anything else: unknown.
 */
export function parseCoverSensor(reply: PrinterReply): 'open' | 'closed' | 'unknown' {
  if (reply.kind === 'fault' && reply.fault === 'cover_open') return 'open';
  if (reply.kind !== 'value') return 'unknown';
  const volts = /^(\d)[.,](\d{1,3})\s*V?$/i.exec(reply.value);
  if (!volts) return 'unknown';
  return Number(`${volts[1]}.${volts[2]}`) >= COVER_CLOSED_MIN_VOLTS ? 'closed' : 'open';
}

/** ASSUMED threshold between the two levels of a fork sensor (see parseCoverSensor). */
export const COVER_CLOSED_MIN_VOLTS = 2.5;

/** Hex dump of a few bytes for diagnostics (garbled replies). */
export function describeBytes(bytes: Uint8Array | string, max = 24): string {
  const data = typeof bytes === 'string' ? textEncoder.encode(bytes) : bytes;
  const head = Array.from(data.subarray(0, max), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return data.length > max ? `${head} …(${data.length} bytes)` : head;
}
