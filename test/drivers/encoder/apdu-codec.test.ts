import { describe, expect, it } from 'vitest';
import {
  ApduFormatError,
  CardStatusError,
  TlvFormatError,
  chainCommand,
  decodeCommandApdu,
  decodeResponseApdu,
  decodeTlvAt,
  decodeTlvs,
  describeStatusWord,
  encodeCommandApdu,
  encodeLength,
  encodeResponseApdu,
  encodeTlv,
  expectOk,
  fromHex,
  toHex,
} from '../../../drivers/encoder/apdu-codec.js';

describe('command APDU encoding', () => {
  it('encodes the four short cases', () => {
    expect(toHex(encodeCommandApdu({ cla: 0, ins: 0xfb, p1: 0, p2: 0 }))).toBe('00FB0000');
    expect(toHex(encodeCommandApdu({ cla: 0, ins: 0xfd, p1: 0, p2: 0, le: 256 }))).toBe(
      '00FD000000',
    );
    expect(
      toHex(encodeCommandApdu({ cla: 0, ins: 0x20, p1: 0, p2: 0x80, data: fromHex('3132') })),
    ).toBe('00200080023132');
    expect(
      toHex(
        encodeCommandApdu({
          cla: 0,
          ins: 0xcb,
          p1: 0x3f,
          p2: 0xff,
          data: fromHex('5C015A'),
          le: 16,
        }),
      ),
    ).toBe('00CB3FFF035C015A10');
  });

  it('switches to the extended form when data or Le do not fit a short APDU', () => {
    const data = new Uint8Array(300).fill(0xab);
    const bytes = encodeCommandApdu({ cla: 0, ins: 0xdb, p1: 0x3f, p2: 0xff, data, le: 65_536 });
    expect(toHex(bytes.subarray(0, 7))).toBe('00DB3FFF00012C');
    expect(bytes.length).toBe(7 + 300 + 2);
    expect(toHex(bytes.subarray(-2))).toBe('0000');
    expect(toHex(encodeCommandApdu({ cla: 0, ins: 0xc0, p1: 0, p2: 0, le: 1000 }))).toBe(
      '00C00000' + '0003E8',
    );
  });

  it('rejects fields that are not bytes and oversized Le', () => {
    expect(() => encodeCommandApdu({ cla: 256, ins: 0, p1: 0, p2: 0 })).toThrow(RangeError);
    expect(() => encodeCommandApdu({ cla: 0, ins: 0, p1: 0, p2: 0, le: 70_000 })).toThrow(
      RangeError,
    );
  });

  it('decodes what it encodes, short and extended', () => {
    const cases = [
      { cla: 0, ins: 0xa4, p1: 4, p2: 0, data: fromHex('A000000308'), le: 256 },
      { cla: 0x10, ins: 0xdb, p1: 0x3f, p2: 0xff, data: new Uint8Array(255).fill(1) },
      { cla: 0, ins: 0xdb, p1: 0x3f, p2: 0xff, data: new Uint8Array(1000).fill(2), le: 65_536 },
      { cla: 0, ins: 0xc0, p1: 0, p2: 0, le: 4000 },
    ];
    for (const c of cases) {
      const decoded = decodeCommandApdu(encodeCommandApdu(c));
      expect(decoded.ins).toBe(c.ins);
      expect(toHex(decoded.data)).toBe(toHex(c.data ?? new Uint8Array(0)));
      expect(decoded.le).toBe(c.le);
    }
  });

  it('refuses a body whose length does not match Lc', () => {
    expect(() => decodeCommandApdu(fromHex('00DB3FFF05010203'))).toThrow(ApduFormatError);
    expect(() => decodeCommandApdu(fromHex('00DB'))).toThrow(ApduFormatError);
    expect(() => decodeCommandApdu(fromHex('00DB3FFF000005010203'))).toThrow(ApduFormatError);
  });
});

describe('command chaining', () => {
  it('leaves a command that fits one APDU alone', () => {
    const command = { cla: 0, ins: 0xdb, p1: 0x3f, p2: 0xff, data: new Uint8Array(255) };
    expect(chainCommand(command)).toEqual([command]);
  });

  it('splits long data into 255-byte blocks with CLA 10 on all but the last, Le only on the last', () => {
    const data = Uint8Array.from({ length: 600 }, (_, i) => i & 0xff);
    const blocks = chainCommand({ cla: 0, ins: 0x87, p1: 0x07, p2: 0x9a, data, le: 256 });
    expect(blocks.map((b) => [b.cla, b.data?.length, b.le])).toEqual([
      [0x10, 255, undefined],
      [0x10, 255, undefined],
      [0x00, 90, 256],
    ]);
    const joined = blocks.flatMap((b) => Array.from(b.data ?? []));
    expect(joined).toEqual(Array.from(data));
  });
});

describe('response APDUs and status words', () => {
  it('splits data and status word', () => {
    expect(decodeResponseApdu(fromHex('0102039000'))).toEqual({
      data: fromHex('010203'),
      sw: 0x9000,
    });
    expect(toHex(encodeResponseApdu(fromHex('AA'), 0x6a82))).toBe('AA6A82');
    expect(() => decodeResponseApdu(fromHex('90'))).toThrow(ApduFormatError);
  });

  it.each([
    [0x9000, 'ok', undefined],
    [0x6110, 'more-data', undefined],
    [0x63c2, 'verification-failed', 2],
    [0x63c0, 'verification-failed', 0],
    [0x6983, 'blocked', 0],
    [0x6982, 'security-status-not-satisfied', undefined],
    [0x6a80, 'incorrect-data', undefined],
    [0x6a82, 'not-found', undefined],
    [0x6a86, 'incorrect-p1p2', undefined],
    [0x6a88, 'referenced-data-not-found', undefined],
    [0x6d00, 'ins-not-supported', undefined],
    [0x6e00, 'cla-not-supported', undefined],
    [0x6700, 'wrong-length', undefined],
    [0x6883, 'chaining-error', undefined],
    [0x6c20, 'wrong-le', undefined],
    [0x1234, 'unknown', undefined],
  ])('maps %s to %s', (sw, kind, triesLeft) => {
    const description = describeStatusWord(sw);
    expect(description.kind).toBe(kind);
    expect(description.triesLeft).toBe(triesLeft);
  });

  it('announces 256 bytes for 6100', () => {
    expect(describeStatusWord(0x6100).available).toBe(256);
  });

  it('throws a CardStatusError naming the operation but no data', () => {
    const error = (() => {
      try {
        expectOk({ data: new Uint8Array(0), sw: 0x63c1 }, 'VERIFY PIN');
      } catch (e) {
        return e as CardStatusError;
      }
      throw new Error('expected a throw');
    })();
    expect(error).toBeInstanceOf(CardStatusError);
    expect(error.code).toBe('CARD_ERROR');
    expect(error.triesLeft).toBe(1);
    expect(error.message).toBe('VERIFY PIN: card answered 63C1 (verification-failed)');
  });
});

describe('BER-TLV', () => {
  it('encodes lengths in short and long form', () => {
    expect(encodeLength(0x7f)).toEqual([0x7f]);
    expect(encodeLength(0x80)).toEqual([0x81, 0x80]);
    expect(encodeLength(0x1234)).toEqual([0x82, 0x12, 0x34]);
    expect(encodeLength(0x012345)).toEqual([0x83, 0x01, 0x23, 0x45]);
  });

  it('encodes one-, two- and three-byte tags', () => {
    expect(toHex(encodeTlv(0x53, [1]))).toBe('530101');
    expect(toHex(encodeTlv(0x7f49, []))).toBe('7F4900');
    expect(toHex(encodeTlv(0x5fc102, [0xaa, 0xbb]))).toBe('5FC10202AABB');
  });

  it('decodes nested and long TLVs back', () => {
    const long = new Uint8Array(300).fill(7);
    const bytes = new Uint8Array([
      ...encodeTlv(0x5c, [0x5f, 0xc1, 0x05]),
      ...encodeTlv(0x53, long),
      ...encodeTlv(0x7f49, encodeTlv(0x86, [4])),
    ]);
    const tlvs = decodeTlvs(bytes);
    expect(tlvs.map((t) => t.tag)).toEqual([0x5c, 0x53, 0x7f49]);
    expect(tlvs[1]!.value.length).toBe(300);
    expect(decodeTlvs(tlvs[2]!.value)).toEqual([{ tag: 0x86, value: Uint8Array.of(4) }]);
  });

  it('reports truncation at every cut point instead of reading past the end', () => {
    const bytes = encodeTlv(0x5fc102, new Uint8Array(200).fill(1));
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(() => decodeTlvAt(bytes.subarray(0, cut), 0)).toThrow(TlvFormatError);
    }
  });

  it('refuses indefinite and oversized lengths', () => {
    expect(() => decodeTlvs(fromHex('5380'))).toThrow(TlvFormatError);
    expect(() => decodeTlvs(fromHex('538401000000'))).toThrow(TlvFormatError);
  });
});
