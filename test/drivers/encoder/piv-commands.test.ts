import { constants, generateKeyPairSync, privateDecrypt, publicDecrypt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  concatBytes,
  encodeCommandApdu,
  encodeTlv,
  fromHex,
  toHex,
} from '../../../drivers/encoder/apdu-codec.js';
import {
  FACTORY_MANAGEMENT_KEY,
  changeReferenceData,
  getData,
  generateKeyPair,
  parseApplicationProperties,
  parseMetadata,
  publicKeyToSpki,
  putData,
  resetRetryCounter,
  selectPiv,
  setManagementKey,
  setPinRetries,
  signingInput,
  tdesDecryptBlock,
  tdesEncryptBlock,
  verifyPin,
} from '../../../drivers/encoder/piv-commands.js';
import { ALGORITHM } from '../../../drivers/encoder/piv-objects.js';

const hex = (c: Parameters<typeof encodeCommandApdu>[0]): string => toHex(encodeCommandApdu(c));

describe('PIV command builders (SP 800-73-4 Part 2 §3)', () => {
  it('build the documented byte layouts', () => {
    expect(hex(selectPiv())).toBe('00A404000BA000000308000010000100' + '00');
    expect(hex(verifyPin())).toBe('00200080');
    expect(hex(verifyPin('123456'))).toBe('0020008008313233343536FFFF');
    expect(hex(changeReferenceData('PUK', '12345678', '87654321'))).toBe(
      '002400811031323334353637383837363534333231',
    );
    expect(hex(resetRetryCounter('12345678', '654321'))).toBe(
      '002C0080103132333435363738363534333231FFFF',
    );
    expect(hex(generateKeyPair(0x9a, ALGORITHM.ECC_P256))).toBe('0047009A05AC0380011100');
    expect(hex(getData(0x5fc102))).toBe('00CB3FFF055C035FC10200');
    expect(hex(getData(0x7e))).toBe('00CB3FFF035C017E00');
    expect(hex(putData(0x5fc107, fromHex('F000')))).toBe('00DB3FFF095C035FC1075302F000');
    expect(hex(setManagementKey(FACTORY_MANAGEMENT_KEY))).toBe(
      `00FFFFFF1B039B18${'0102030405060708'.repeat(3)}`,
    );
    expect(hex(setPinRetries(5, 3))).toBe('00FA0503');
  });

  it('refuses out-of-range arguments', () => {
    expect(() => setManagementKey(new Uint8Array(16))).toThrow(RangeError);
    expect(() => setPinRetries(0, 3)).toThrow(RangeError);
    expect(() => verifyPin('12')).toThrow(RangeError);
  });
});

describe('3DES management key', () => {
  it('matches the published TDEA test vector (SP 800-67 style, key = 0123…)', () => {
    const key = fromHex('0123456789ABCDEF23456789ABCDEF01456789ABCDEF0123');
    const plain = fromHex('5468652071756663');
    const cipher = tdesEncryptBlock(key, plain);
    expect(toHex(cipher)).toBe('A826FD8CE53B855F');
    expect(toHex(tdesDecryptBlock(key, cipher))).toBe(toHex(plain));
  });
});

describe('replies', () => {
  it('parses the SELECT application property template', () => {
    const reply = encodeTlv(
      0x61,
      concatBytes(
        encodeTlv(0x4f, fromHex('000010000100')),
        encodeTlv(0x50, new TextEncoder().encode('PIV')),
        encodeTlv(0xac, concatBytes(encodeTlv(0x80, [0x11]), encodeTlv(0x06, [0]))),
      ),
    );
    expect(parseApplicationProperties(reply)).toEqual({
      aid: fromHex('000010000100'),
      label: 'PIV',
      algorithms: [0x11],
    });
  });

  it('parses GET METADATA for a PIN', () => {
    expect(parseMetadata(fromHex('0101FF05010106020503'))).toEqual({
      algorithm: 0xff,
      isDefault: true,
      retriesTotal: 5,
      retriesRemaining: 3,
    });
  });

  it('turns a 7F49 RSA or EC public key into SPKI DER', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = rsa.publicKey.export({ format: 'jwk' });
    const b = (s?: string): Uint8Array => new Uint8Array(Buffer.from(s ?? '', 'base64url'));
    const rsaReply = encodeTlv(
      0x7f49,
      concatBytes(encodeTlv(0x81, b(jwk.n)), encodeTlv(0x82, b(jwk.e))),
    );
    expect(
      Buffer.from(publicKeyToSpki(rsaReply, ALGORITHM.RSA_2048)).equals(
        rsa.publicKey.export({ type: 'spki', format: 'der' }),
      ),
    ).toBe(true);

    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const e = ec.publicKey.export({ format: 'jwk' });
    const ecReply = encodeTlv(0x7f49, encodeTlv(0x86, concatBytes([4], b(e.x), b(e.y))));
    expect(
      Buffer.from(publicKeyToSpki(ecReply, ALGORITHM.ECC_P256)).equals(
        ec.publicKey.export({ type: 'spki', format: 'der' }),
      ),
    ).toBe(true);
    expect(() =>
      publicKeyToSpki(encodeTlv(0x7f49, encodeTlv(0x86, [4, 1, 2])), ALGORITHM.ECC_P256),
    ).toThrow();
  });

  it('pads an RSA signing input as PKCS#1 v1.5 DigestInfo(SHA-256)', () => {
    const block = signingInput(new TextEncoder().encode('abc'), ALGORITHM.RSA_2048);
    expect(block.length).toBe(256);
    expect(toHex(block.subarray(0, 2))).toBe('0001');
    expect(toHex(block.subarray(-32))).toBe(
      'BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD',
    );
    // A raw-RSA "signature" over it verifies as a normal PKCS#1 signature.
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signature = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, block);
    expect(
      Buffer.from(
        publicDecrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, signature),
      ).equals(Buffer.from(block)),
    ).toBe(true);
  });
});
