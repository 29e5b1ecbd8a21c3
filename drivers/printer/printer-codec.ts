/**
 * The Evolis escape-command protocol as bytes ⇄ typed values, with no I/O: building command
 * frames (host side), parsing command frames (printer side, used by the simulator), building
 * and parsing replies, and mapping reply words to `PrinterFault`. Both frame parsers take
 * bytes in chunks split at any boundary.
 *
 * Sources (Evolis Card Printers Programming Guide, A5013 rev. E, "the guide"):
 * - §3 Communication protocol (p. 4): `ESC Cmd;p1;…;pn CR`; the ESC is optional after a CR.
 * - §8 D commands (p. 14–16): `Db;panel;bits;data` downloads a whole 1016 × 648 panel;
 *   `Dbc;panel;firstLine;length;data` downloads a compressed panel (or part of one, for
 *   half-panel ribbons) — the field order of `Dbc` matches the open-source Printer::EVOLIS
 *   simulator that decodes captured Windows-driver streams.
 * - Reply words (`OK`, `ERROR CDE`, `ERROR PARAMETRES`, `FEEDER EMPTY`, `CARD JAM`,
 *   `COVER OPEN`, `ERROR RIBBON`, `ERROR HEAD`, …) follow the table of answers in Evolis' own
 *   SDK sample code (the `CPrinter` class of the Evolis .NET sample); `ERR RIB DETECTION` is
 *   what later firmware answers to ribbon reads when no ribbon is found.
 *
 * Where the readable pages are silent we say so with ASSUMED: replies end with CR like
 * commands do; `Rst` answers `READY`, `BUSY`, `OFFLINE` or the word of the fault in force.
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

/**
 * `ESC Dbc;panel;firstLine;length;<data> CR`: a compressed download of lines
 * `firstLine … firstLine + (lines in data) − 1`; lines outside it are blank (guide p. 15–16).
 */
export function encodeCompressedDownload(
  panel: PanelName,
  firstLine: number,
  data: Uint8Array,
): Uint8Array {
  if (!Number.isInteger(firstLine) || firstLine < 0 || firstLine >= PANEL_LINES) {
    throw new RangeError(`first line ${firstLine} outside 0…${PANEL_LINES - 1}`);
  }
  const header = textEncoder.encode(`Dbc;${panel};${firstLine};${data.length};`);
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
  | { at: 'data'; name: string; params: string[]; data: Uint8Array; filled: number }
  | { at: 'trailer'; name: string; params: string[]; data: Uint8Array };

/**
 * Splits a byte stream into commands. `Db`/`Dbc` carry binary data that may contain CR, so
 * their payload is read by length (from p2 for `Db`, from p3 for `Dbc`), then the CR.
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
  ): { name: string; params: string[]; length: number } | 'invalid' | undefined {
    const fields = textDecoder.decode(Uint8Array.from(bytes)).split(SEPARATOR);
    fields.pop(); // the empty field after the trailing ';'
    const [name, ...params] = fields;
    if (name === 'Db' && params.length === 2) {
      const bits = DOWNLOAD_BITS[Number(params[1])];
      if (bits === undefined || !isPanelName(params[0])) return 'invalid';
      return { name, params, length: (PANEL_LINES * DOTS_PER_LINE * bits) / 8 };
    }
    if (name === 'Dbc' && params.length === 3) {
      const length = Number(params[2]);
      if (
        !isPanelName(params[0]) ||
        !/^\d+$/.test(params[1] ?? '') ||
        !/^\d+$/.test(params[2] ?? '')
      ) {
        return 'invalid';
      }
      return { name, params, length };
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

/** A reply as sent by the printer: its text then CR (ASSUMED terminator, see top). */
export function encodeReply(text: string): Uint8Array {
  const body = textEncoder.encode(text);
  const frame = new Uint8Array(body.length + 1);
  frame.set(body);
  frame[body.length] = CR;
  return frame;
}

/**
 * Splits the printer's byte stream into reply lines. LF and NUL are ignored (some firmware
 * sends CR LF; USB adapters may pad with NULs). A line longer than any real reply is
 * reported as an overflow so that a babbling line cannot grow memory without bound.
 */
export class ReplyFrameParser {
  private buffer: number[] = [];

  push(chunk: Uint8Array): Array<{ text: string } | { overflow: Uint8Array }> {
    const out: Array<{ text: string } | { overflow: Uint8Array }> = [];
    for (const byte of chunk) {
      if (byte === CR) {
        out.push({ text: textDecoder.decode(Uint8Array.from(this.buffer)) });
        this.buffer = [];
      } else if (byte !== LF && byte !== NUL) {
        this.buffer.push(byte);
        if (this.buffer.length > MAX_REPLY_BYTES) {
          out.push({ overflow: Uint8Array.from(this.buffer) });
          this.buffer = [];
        }
      }
    }
    return out;
  }

  /** Bytes received since the last CR (a truncated reply, when the line goes quiet). */
  pending(): number {
    return this.buffer.length;
  }

  reset(): void {
    this.buffer = [];
  }
}

export type PrinterReply =
  | { kind: 'ok' }
  /** The answer of a read command (`R…`). */
  | { kind: 'value'; value: string }
  /** A fault the operator can act on, with the printer's own word kept. */
  | { kind: 'fault'; fault: PrinterFault; raw: string }
  /** `ERROR CDE` / `ERROR PARAMETRES`: the printer refused the command itself (a driver bug). */
  | { kind: 'rejected'; raw: string }
  /** Not a reply this protocol knows: noise on the line or a corrupted answer. */
  | { kind: 'garbled'; raw: string };

/** Reply words that name a fault, and the fault they stand for. */
export const FAULT_WORDS: Readonly<Record<string, PrinterFault>> = {
  'ERROR RIBBON': 'ribbon_out',
  'ERR RIB DETECTION': 'ribbon_out',
  'FEEDER EMPTY': 'feeder_empty',
  'CARD JAM': 'card_jam',
  'COVER OPEN': 'cover_open',
  'HOPPER DOOR': 'cover_open',
  OFFLINE: 'offline',
  'ERROR HEAD': 'mechanical',
  'ERROR HOPPER': 'mechanical',
  'HOPPER FULL': 'mechanical',
  'ERROR TIME OUT': 'mechanical',
  'NEED CLEANING': 'mechanical',
  'ERROR UNKNOW': 'mechanical',
  ERROR: 'mechanical',
};

/** The word the printer uses for each fault (the simulator answers with these). */
export const FAULT_REPLY_WORD: Readonly<Record<Exclude<PrinterFault, 'not_answering'>, string>> = {
  ribbon_out: 'ERROR RIBBON',
  // The printer has one word for "no ribbon or bad ribbon"; the driver tells the two apart by
  // asking for the job's ribbon type again (see SerialCardPrinter).
  ribbon_mismatch: 'ERROR RIBBON',
  feeder_empty: 'FEEDER EMPTY',
  card_jam: 'CARD JAM',
  cover_open: 'COVER OPEN',
  offline: 'OFFLINE',
  mechanical: 'ERROR HEAD',
};

const REJECTION_WORDS = new Set(['ERROR CDE', 'ERROR PARAMETRES', 'OPT NOT AVAILABLE']);

/**
 * Classifies the reply text to `command` (its name, e.g. `Si`, `Rst`). Context matters:
 * `ERROR RIBBON` in answer to the ribbon-type command `Pr` means the ribbon in the printer is
 * not the one asked for, elsewhere that it ran out or is missing.
 */
export function classifyReply(command: string, text: string): PrinterReply {
  const trimmed = text.trim();
  if (trimmed === '' || !/^[\x20-\x7e]+$/.test(trimmed)) return { kind: 'garbled', raw: text };
  if (trimmed === 'OK') return { kind: 'ok' };
  if (REJECTION_WORDS.has(trimmed)) return { kind: 'rejected', raw: trimmed };
  const fault = FAULT_WORDS[trimmed];
  if (fault) {
    if (command === 'Pr' && trimmed === 'ERROR RIBBON') {
      return { kind: 'fault', fault: 'ribbon_mismatch', raw: trimmed };
    }
    return { kind: 'fault', fault, raw: trimmed };
  }
  if (command.startsWith('R')) return { kind: 'value', value: trimmed };
  return { kind: 'garbled', raw: text };
}

/** `Rst` answers (ASSUMED vocabulary, see top): ready, busy, or a fault word. */
export type StatusWord =
  { state: 'ready' } | { state: 'busy' } | { state: 'fault'; fault: PrinterFault; raw: string };

export function parseStatusWord(reply: PrinterReply): StatusWord | undefined {
  if (reply.kind === 'fault') return { state: 'fault', fault: reply.fault, raw: reply.raw };
  if (reply.kind === 'value' && reply.value === 'READY') return { state: 'ready' };
  if (reply.kind === 'value' && reply.value === 'BUSY') return { state: 'busy' };
  return undefined;
}

/** `Rlr;p` answers `CARD` or `NO CARD` (the card-present sensor). */
export function parseCardPresent(reply: PrinterReply): boolean | undefined {
  if (reply.kind !== 'value') return undefined;
  if (reply.value === 'CARD') return true;
  if (reply.value === 'NO CARD') return false;
  return undefined;
}

/** Hex dump of a few bytes for diagnostics (garbled replies). */
export function describeBytes(bytes: Uint8Array | string, max = 24): string {
  const data = typeof bytes === 'string' ? textEncoder.encode(bytes) : bytes;
  const head = Array.from(data.subarray(0, max), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return data.length > max ? `${head} …(${data.length} bytes)` : head;
}
