/**
 * APDU and BER-TLV codec for the PIV encoder: command APDUs to bytes (short and extended
 * forms, ISO/IEC 7816-4 §5.1), command chaining for data longer than one short APDU
 * (CLA bit 0x10, SP 800-73-4 Part 2 §3), response APDUs from bytes, status words mapped to
 * typed errors, and the BER-TLV encoding every PIV data object uses (SP 800-73-4 Part 1
 * Appendix A). Pure functions only: no I/O, no timers, no logging — the transport layer
 * (`apdu-channel.ts`) and the card emulator both build on it.
 */
import { DeviceError } from '../errors.js';

/** Longest data field of a short command APDU (Lc is one byte). */
export const SHORT_APDU_MAX_DATA_BYTES = 255;
/** Longest response data a short command can ask for (Le = 00 means 256). */
export const SHORT_APDU_MAX_RESPONSE_BYTES = 256;
/** Longest data field of an extended command APDU (Lc is two bytes). */
export const EXTENDED_APDU_MAX_DATA_BYTES = 65_535;

/** CLA bit that marks "more blocks follow" in command chaining (ISO/IEC 7816-4 §5.1.1.1). */
export const CLA_CHAINING = 0x10;

export interface CommandApdu {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  data?: Uint8Array;
  /**
   * Expected response length in bytes; absent = no response data expected (case 1/3).
   * 256 (short) or 65536 (extended) encode as 00 / 0000 — "as much as there is".
   */
  le?: number;
}

export interface DecodedCommandApdu extends CommandApdu {
  data: Uint8Array;
  /** True when the command used the extended length form. */
  extended: boolean;
}

export interface ResponseApdu {
  data: Uint8Array;
  /** SW1 SW2 as one number, e.g. 0x9000. */
  sw: number;
}

export class ApduFormatError extends DeviceError {
  override readonly name = 'ApduFormatError';
  constructor(message: string) {
    super('DEVICE_PROTOCOL', message);
  }
}

function checkByte(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) {
    throw new RangeError(`${field} must be a byte, got ${value}`);
  }
}

/**
 * Encode a command APDU. The short form is used whenever data and Le fit it; otherwise
 * the extended form (ISO/IEC 7816-4 §5.1: 00 Lc(2) … Le(2), or 00 Le(2) without data).
 * `forceExtended` selects the extended form even for small commands.
 */
export function encodeCommandApdu(command: CommandApdu, forceExtended = false): Uint8Array {
  checkByte(command.cla, 'CLA');
  checkByte(command.ins, 'INS');
  checkByte(command.p1, 'P1');
  checkByte(command.p2, 'P2');
  const data = command.data ?? new Uint8Array(0);
  const le = command.le;
  if (le !== undefined && (!Number.isInteger(le) || le < 0 || le > 65_536)) {
    throw new RangeError(`Le must be 0..65536, got ${le}`);
  }
  if (data.length > EXTENDED_APDU_MAX_DATA_BYTES) {
    throw new RangeError(`command data of ${data.length} bytes exceeds an extended APDU`);
  }
  const extended =
    forceExtended ||
    data.length > SHORT_APDU_MAX_DATA_BYTES ||
    (le !== undefined && le > SHORT_APDU_MAX_RESPONSE_BYTES);
  const header = [command.cla, command.ins, command.p1, command.p2];
  const out: number[] = [...header];
  if (!extended) {
    if (data.length > 0) out.push(data.length, ...data);
    if (le !== undefined) out.push(le === 256 ? 0 : le);
    return Uint8Array.from(out);
  }
  if (data.length > 0) {
    out.push(0, data.length >> 8, data.length & 0xff, ...data);
    if (le !== undefined) out.push((le === 65_536 ? 0 : le) >> 8, (le === 65_536 ? 0 : le) & 0xff);
  } else if (le !== undefined) {
    const v = le === 65_536 ? 0 : le;
    out.push(0, v >> 8, v & 0xff);
  }
  return Uint8Array.from(out);
}

/**
 * Decode a command APDU (the card side). Handles the four ISO cases in both length forms.
 * Throws ApduFormatError on a length that does not add up.
 */
export function decodeCommandApdu(bytes: Uint8Array): DecodedCommandApdu {
  if (bytes.length < 4)
    throw new ApduFormatError(`command APDU of ${bytes.length} bytes is shorter than its header`);
  const [cla, ins, p1, p2] = [bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!];
  const body = bytes.subarray(4);
  const base = { cla, ins, p1, p2 };
  if (body.length === 0) return { ...base, data: new Uint8Array(0), extended: false };
  if (body.length === 1)
    return {
      ...base,
      data: new Uint8Array(0),
      le: body[0] === 0 ? 256 : body[0]!,
      extended: false,
    };
  if (body[0] !== 0) {
    // Short form: Lc then data, then optional Le.
    const lc = body[0]!;
    if (body.length === 1 + lc) return { ...base, data: body.slice(1), extended: false };
    if (body.length === 2 + lc) {
      const le = body[1 + lc]!;
      return { ...base, data: body.slice(1, 1 + lc), le: le === 0 ? 256 : le, extended: false };
    }
    throw new ApduFormatError(`short APDU body of ${body.length} bytes does not match Lc ${lc}`);
  }
  // Extended form: 00 then two length bytes.
  if (body.length === 3) {
    const le = (body[1]! << 8) | body[2]!;
    return { ...base, data: new Uint8Array(0), le: le === 0 ? 65_536 : le, extended: true };
  }
  const lc = (body[1]! << 8) | body[2]!;
  if (lc === 0) throw new ApduFormatError('extended APDU with Lc 0000');
  if (body.length === 3 + lc) return { ...base, data: body.slice(3, 3 + lc), extended: true };
  if (body.length === 5 + lc) {
    const le = (body[3 + lc]! << 8) | body[4 + lc]!;
    return { ...base, data: body.slice(3, 3 + lc), le: le === 0 ? 65_536 : le, extended: true };
  }
  throw new ApduFormatError(`extended APDU body of ${body.length} bytes does not match Lc ${lc}`);
}

/**
 * Split a command whose data exceeds one short APDU into a chain (ISO/IEC 7816-4
 * §5.1.1.1; SP 800-73-4 Part 2 §3.3 uses it for PUT DATA and GENERAL AUTHENTICATE):
 * every block but the last carries CLA | 0x10; only the last carries Le.
 */
export function chainCommand(
  command: CommandApdu,
  maxBlockBytes = SHORT_APDU_MAX_DATA_BYTES,
): CommandApdu[] {
  const data = command.data ?? new Uint8Array(0);
  if (maxBlockBytes < 1 || maxBlockBytes > SHORT_APDU_MAX_DATA_BYTES) {
    throw new RangeError(`chain block size must be 1..${SHORT_APDU_MAX_DATA_BYTES}`);
  }
  if (data.length <= maxBlockBytes) return [command];
  const blocks: CommandApdu[] = [];
  for (let offset = 0; offset < data.length; offset += maxBlockBytes) {
    const last = offset + maxBlockBytes >= data.length;
    const block: CommandApdu = {
      cla: last ? command.cla : command.cla | CLA_CHAINING,
      ins: command.ins,
      p1: command.p1,
      p2: command.p2,
      data: data.slice(offset, offset + maxBlockBytes),
    };
    if (last && command.le !== undefined) block.le = command.le;
    blocks.push(block);
  }
  return blocks;
}

export function decodeResponseApdu(bytes: Uint8Array): ResponseApdu {
  if (bytes.length < 2)
    throw new ApduFormatError(`response APDU of ${bytes.length} bytes has no status word`);
  const n = bytes.length;
  return { data: bytes.slice(0, n - 2), sw: (bytes[n - 2]! << 8) | bytes[n - 1]! };
}

export function encodeResponseApdu(data: Uint8Array, sw: number): Uint8Array {
  const out = new Uint8Array(data.length + 2);
  out.set(data, 0);
  out[data.length] = (sw >> 8) & 0xff;
  out[data.length + 1] = sw & 0xff;
  return out;
}

// ---------------------------------------------------------------------------------------
// Status words (ISO/IEC 7816-4 §5.1.3; SP 800-73-4 Part 2 Table 6 ff.)

export const SW = {
  OK: 0x9000,
  WRONG_LENGTH: 0x6700,
  LAST_COMMAND_OF_CHAIN_EXPECTED: 0x6883,
  CHAINING_NOT_SUPPORTED: 0x6884,
  SECURITY_STATUS_NOT_SATISFIED: 0x6982,
  AUTH_METHOD_BLOCKED: 0x6983,
  REFERENCE_DATA_NOT_USABLE: 0x6984,
  CONDITIONS_NOT_SATISFIED: 0x6985,
  COMMAND_NOT_ALLOWED: 0x6986,
  INCORRECT_DATA: 0x6a80,
  FUNCTION_NOT_SUPPORTED: 0x6a81,
  NOT_FOUND: 0x6a82,
  NOT_ENOUGH_MEMORY: 0x6a84,
  INCORRECT_P1P2: 0x6a86,
  REFERENCED_DATA_NOT_FOUND: 0x6a88,
  WRONG_P1P2: 0x6b00,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
  NO_PRECISE_DIAGNOSIS: 0x6f00,
  MEMORY_FAILURE: 0x6581,
} as const;

export type StatusKind =
  | 'ok'
  | 'more-data'
  | 'wrong-le'
  | 'verification-failed'
  | 'blocked'
  | 'security-status-not-satisfied'
  | 'reference-data-not-usable'
  | 'conditions-not-satisfied'
  | 'command-not-allowed'
  | 'incorrect-data'
  | 'function-not-supported'
  | 'not-found'
  | 'not-enough-memory'
  | 'incorrect-p1p2'
  | 'referenced-data-not-found'
  | 'wrong-length'
  | 'chaining-error'
  | 'ins-not-supported'
  | 'cla-not-supported'
  | 'memory-failure'
  | 'no-precise-diagnosis'
  | 'unknown';

export interface StatusDescription {
  kind: StatusKind;
  /** For 63Cx: tries left before the reference is blocked. */
  triesLeft?: number;
  /** For 61xx / 6Cxx: the byte count the card announced (0 = 256). */
  available?: number;
}

export function describeStatusWord(sw: number): StatusDescription {
  const sw1 = sw >> 8;
  const sw2 = sw & 0xff;
  if (sw === SW.OK) return { kind: 'ok' };
  if (sw1 === 0x61) return { kind: 'more-data', available: sw2 === 0 ? 256 : sw2 };
  if (sw1 === 0x6c) return { kind: 'wrong-le', available: sw2 === 0 ? 256 : sw2 };
  if (sw1 === 0x63 && (sw2 & 0xf0) === 0xc0)
    return { kind: 'verification-failed', triesLeft: sw2 & 0x0f };
  switch (sw) {
    case SW.AUTH_METHOD_BLOCKED:
      return { kind: 'blocked', triesLeft: 0 };
    case SW.SECURITY_STATUS_NOT_SATISFIED:
      return { kind: 'security-status-not-satisfied' };
    case SW.REFERENCE_DATA_NOT_USABLE:
      return { kind: 'reference-data-not-usable' };
    case SW.CONDITIONS_NOT_SATISFIED:
      return { kind: 'conditions-not-satisfied' };
    case SW.COMMAND_NOT_ALLOWED:
      return { kind: 'command-not-allowed' };
    case SW.INCORRECT_DATA:
      return { kind: 'incorrect-data' };
    case SW.FUNCTION_NOT_SUPPORTED:
      return { kind: 'function-not-supported' };
    case SW.NOT_FOUND:
      return { kind: 'not-found' };
    case SW.NOT_ENOUGH_MEMORY:
      return { kind: 'not-enough-memory' };
    case SW.INCORRECT_P1P2:
    case SW.WRONG_P1P2:
      return { kind: 'incorrect-p1p2' };
    case SW.REFERENCED_DATA_NOT_FOUND:
      return { kind: 'referenced-data-not-found' };
    case SW.WRONG_LENGTH:
      return { kind: 'wrong-length' };
    case SW.LAST_COMMAND_OF_CHAIN_EXPECTED:
    case SW.CHAINING_NOT_SUPPORTED:
      return { kind: 'chaining-error' };
    case SW.INS_NOT_SUPPORTED:
      return { kind: 'ins-not-supported' };
    case SW.CLA_NOT_SUPPORTED:
      return { kind: 'cla-not-supported' };
    case SW.MEMORY_FAILURE:
      return { kind: 'memory-failure' };
    case SW.NO_PRECISE_DIAGNOSIS:
      return { kind: 'no-precise-diagnosis' };
    default:
      return { kind: 'unknown' };
  }
}

export function formatStatusWord(sw: number): string {
  return sw.toString(16).toUpperCase().padStart(4, '0');
}

/**
 * A card answered a command with a status word other than 9000. Carries the raw SW and
 * its kind; `code` is CARD_ERROR (the personalization routine maps the few cases that
 * mean something else, such as a missing PIV application, to their own codes).
 */
export class CardStatusError extends DeviceError {
  override readonly name = 'CardStatusError';
  readonly kind: StatusKind;
  readonly triesLeft: number | undefined;
  constructor(
    readonly sw: number,
    /** What was being done, e.g. "PUT DATA CHUID"; never carries secrets. */
    readonly operation: string,
  ) {
    const description = describeStatusWord(sw);
    super(
      'CARD_ERROR',
      `${operation}: card answered ${formatStatusWord(sw)} (${description.kind})`,
    );
    this.kind = description.kind;
    this.triesLeft = description.triesLeft;
  }
}

/** Throw CardStatusError unless the response is 9000. */
export function expectOk(response: ResponseApdu, operation: string): Uint8Array {
  if (response.sw !== SW.OK) throw new CardStatusError(response.sw, operation);
  return response.data;
}

// ---------------------------------------------------------------------------------------
// BER-TLV (ISO/IEC 8825-1 as profiled by SP 800-73-4 Part 1 Appendix A / ISO 7816-4 §5.2)

export interface Tlv {
  /** The tag's bytes read as one big-endian number, e.g. 0x5fc102, 0x7f49, 0x53. */
  tag: number;
  value: Uint8Array;
}

export class TlvFormatError extends DeviceError {
  override readonly name = 'TlvFormatError';
  constructor(message: string) {
    super('DEVICE_PROTOCOL', message);
  }
}

export function encodeTag(tag: number): number[] {
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xffffff)
    throw new RangeError(`tag ${tag} out of range`);
  if (tag > 0xffff) return [tag >> 16, (tag >> 8) & 0xff, tag & 0xff];
  if (tag > 0xff) return [tag >> 8, tag & 0xff];
  return [tag];
}

/** BER definite length: short form below 128, else 81 xx / 82 xxxx / 83 xxxxxx. */
export function encodeLength(length: number): number[] {
  if (!Number.isInteger(length) || length < 0)
    throw new RangeError(`length ${length} is not a count`);
  if (length < 0x80) return [length];
  if (length <= 0xff) return [0x81, length];
  if (length <= 0xffff) return [0x82, length >> 8, length & 0xff];
  if (length <= 0xffffff) return [0x83, length >> 16, (length >> 8) & 0xff, length & 0xff];
  throw new RangeError(`length ${length} too large for a TLV`);
}

export function encodeTlv(tag: number, value: Uint8Array | readonly number[]): Uint8Array {
  const v = value instanceof Uint8Array ? value : Uint8Array.from(value);
  const head = [...encodeTag(tag), ...encodeLength(v.length)];
  const out = new Uint8Array(head.length + v.length);
  out.set(head, 0);
  out.set(v, head.length);
  return out;
}

export function concatBytes(...parts: readonly (Uint8Array | readonly number[])[]): Uint8Array {
  const arrays = parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}

/** Read one TLV at `offset`; returns it and the offset just past it. */
export function decodeTlvAt(bytes: Uint8Array, offset: number): { tlv: Tlv; next: number } {
  let i = offset;
  const need = (n: number): void => {
    if (i + n > bytes.length) throw new TlvFormatError(`TLV truncated at byte ${i}`);
  };
  need(1);
  let tag = bytes[i++]!;
  if ((tag & 0x1f) === 0x1f) {
    // Multi-byte tag: subsequent bytes continue while b8 is set (ISO 7816-4 §5.2.2.1).
    let more = true;
    let count = 0;
    while (more) {
      need(1);
      const b = bytes[i++]!;
      tag = (tag << 8) | b;
      more = (b & 0x80) !== 0;
      if (++count > 2) throw new TlvFormatError('TLV tag longer than 3 bytes');
    }
  }
  need(1);
  let length = bytes[i++]!;
  if (length === 0x80) throw new TlvFormatError('indefinite TLV length is not allowed');
  if (length > 0x80) {
    const count = length & 0x7f;
    if (count > 3) throw new TlvFormatError(`TLV length of ${count} bytes`);
    need(count);
    length = 0;
    for (let k = 0; k < count; k++) length = length * 256 + bytes[i++]!;
  }
  need(length);
  return { tlv: { tag, value: bytes.slice(i, i + length) }, next: i + length };
}

/** Decode a whole buffer as a sequence of TLVs (no trailing bytes allowed). */
export function decodeTlvs(bytes: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const { tlv, next } = decodeTlvAt(bytes, offset);
    out.push(tlv);
    offset = next;
  }
  return out;
}

export function findTlv(tlvs: readonly Tlv[], tag: number): Uint8Array | undefined {
  return tlvs.find((t) => t.tag === tag)?.value;
}

/** Like findTlv, but a missing tag is a protocol error naming `what`. */
export function requireTlv(tlvs: readonly Tlv[], tag: number, what: string): Uint8Array {
  const value = findTlv(tlvs, tag);
  if (value === undefined)
    throw new TlvFormatError(`${what}: tag ${tag.toString(16).toUpperCase()} missing`);
  return value;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean))
    throw new RangeError('not a hex string');
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}
