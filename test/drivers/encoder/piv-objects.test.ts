import { describe, expect, it } from 'vitest';
import { TlvFormatError, decodeTlvs, fromHex, toHex } from '../../../drivers/encoder/apdu-codec.js';
import {
  chuidExpiry,
  decodeCertificateContainer,
  decodeChuid,
  decodeFascn,
  encodeCcc,
  encodeCertificateContainer,
  encodeChuid,
  encodeDiscoveryObject,
  encodeFascn,
  encodePinBlock,
  nonFederalFascn,
} from '../../../drivers/encoder/piv-objects.js';

// The all-nines FASC-N yubico-piv-tool writes with `-a set-chuid` (captured from the tool):
// agency 9999, system 9999, credential 999999, CS 0, ICI 1, PI 0000000000, OC 3, OI 0000, POA 1.
const YUBICO_FASCN = 'D4E739DA739CED39CE739D836858210842108421C84210C3EB';

describe('FASC-N', () => {
  it('decodes the all-nines FASC-N common PIV tools write', () => {
    expect(decodeFascn(fromHex(YUBICO_FASCN))).toEqual({
      agencyCode: '9999',
      systemCode: '9999',
      credentialNumber: '999999',
      credentialSeries: '0',
      individualCredentialIssue: '1',
      personIdentifier: '0000000000',
      organizationalCategory: '3',
      organizationalIdentifier: '0000',
      personOrganizationAssociation: '1',
    });
  });

  it('encodes the same fields to the same 25 bytes (5-bit BCD, odd parity, LRC)', () => {
    const fields = decodeFascn(fromHex(YUBICO_FASCN));
    expect(toHex(encodeFascn(fields))).toBe(YUBICO_FASCN);
  });

  it('carries the card number in the person identifier of a non-federal FASC-N', () => {
    const fields = decodeFascn(encodeFascn(nonFederalFascn('12345678')));
    expect(fields).toMatchObject({
      agencyCode: '9999',
      systemCode: '9999',
      credentialNumber: '999999',
      personIdentifier: '0012345678',
    });
    expect(nonFederalFascn('1234567890123456').personIdentifier).toBe('7890123456');
    expect(() => nonFederalFascn('12A4')).toThrow(RangeError);
  });

  it('detects a flipped bit anywhere (parity or LRC)', () => {
    const good = fromHex(YUBICO_FASCN);
    for (let bit = 0; bit < 200; bit += 7) {
      const bad = good.slice();
      bad[bit >> 3]! ^= 0x80 >> (bit & 7);
      expect(() => decodeFascn(bad)).toThrow(TlvFormatError);
    }
  });

  it('refuses fields of the wrong width', () => {
    expect(() => encodeFascn({ ...nonFederalFascn('1'), agencyCode: '999' })).toThrow(RangeError);
  });
});

describe('CHUID', () => {
  const guid = Uint8Array.from({ length: 16 }, (_, i) => i);
  it('lays out 30 FASC-N, 34 GUID, 35 expiry, 3E signature, FE in that order', () => {
    const chuid = encodeChuid({
      fascn: fromHex(YUBICO_FASCN),
      guid,
      expiry: '20300101',
      issuerSignature: new Uint8Array(0),
    });
    expect(decodeTlvs(chuid).map((t) => t.tag)).toEqual([0x30, 0x34, 0x35, 0x3e, 0xfe]);
    expect(toHex(chuid)).toBe(
      `3019${YUBICO_FASCN}3410${toHex(guid)}3508${toHex(new TextEncoder().encode('20300101'))}3E00FE00`,
    );
    expect(decodeChuid(chuid)).toMatchObject({ guid, expiry: '20300101' });
  });

  it('converts an ISO date to the CHUID expiry and refuses other shapes', () => {
    expect(chuidExpiry('2031-12-31')).toBe('20311231');
    expect(() => chuidExpiry('31.12.2031')).toThrow(RangeError);
    expect(() =>
      encodeChuid({
        fascn: new Uint8Array(24),
        guid,
        expiry: '20300101',
        issuerSignature: new Uint8Array(0),
      }),
    ).toThrow(RangeError);
  });
});

describe('other containers', () => {
  it('wraps a certificate as 70 cert, 71 00 (not compressed), FE 00', () => {
    const cert = new Uint8Array(400).fill(0x30);
    const container = encodeCertificateContainer(cert);
    expect(toHex(container.subarray(0, 4))).toBe('70820190');
    expect(toHex(container.subarray(-5))).toBe('710100FE00');
    expect(decodeCertificateContainer(container)).toEqual({
      certificateDer: cert,
      compressed: false,
    });
  });

  it('builds a CCC with the GSC RID and the card identifier', () => {
    const ccc = encodeCcc(Uint8Array.from({ length: 16 }, () => 0xc4));
    const f0 = decodeTlvs(ccc)[0]!;
    expect(f0.tag).toBe(0xf0);
    expect(toHex(f0.value)).toBe(`A000000116FF02${'C4'.repeat(14)}`);
    expect(decodeTlvs(ccc).at(-1)).toEqual({ tag: 0xfe, value: new Uint8Array(0) });
  });

  it('builds the discovery object with the PIV AID and the application-PIN policy', () => {
    expect(toHex(encodeDiscoveryObject())).toBe('7E124F0BA0000003080000100001005F2F024000');
  });

  it('pads PINs with FF and refuses lengths outside 6..8 without echoing them', () => {
    expect(toHex(encodePinBlock('123456', 'PIN'))).toBe('313233343536FFFF');
    expect(() => encodePinBlock('12345', 'PIN')).toThrow('PIN must be 6 to 8 characters');
    expect(() => encodePinBlock('123456789', 'PUK')).toThrow(/^PUK must be/);
  });
});
