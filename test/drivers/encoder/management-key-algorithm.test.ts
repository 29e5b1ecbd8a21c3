import { describe, expect, it } from 'vitest';
import { encodeCommandApdu, fromHex, toHex } from '../../../drivers/encoder/apdu-codec.js';
import {
  MANAGEMENT_KEY_ALGORITHM as ALG,
  managementDecryptBlock,
  managementEncryptBlock,
  managementKeyFromMaterial,
} from '../../../drivers/encoder/management-key-algorithm.js';
import {
  FACTORY_MANAGEMENT_KEY,
  answerWitness,
  requestWitness,
  setManagementKey,
} from '../../../drivers/encoder/piv-commands.js';

const hex = (command: Parameters<typeof encodeCommandApdu>[0]): string =>
  toHex(encodeCommandApdu(command)).toUpperCase();

describe('management key algorithms', () => {
  // FIPS 197 Appendix C.1–C.3: plaintext 00112233…ff under keys 000102…
  const plaintext = fromHex('00112233445566778899aabbccddeeff');
  it.for([
    [ALG.AES_128, 16, '69C4E0D86A7B0430D8CDB78070B4C55A'],
    [ALG.AES_192, 24, 'DDA97CA4864CDFE06EAF70A0EC0D7191'],
    [ALG.AES_256, 32, '8EA2B7CA516745BFEAFC49904B496089'],
  ] as const)('encrypts one block like FIPS 197 (alg %i)', ([alg, bytes, expected]) => {
    const key = Uint8Array.from({ length: bytes }, (_, i) => i);
    const cipher = managementEncryptBlock(alg, key, plaintext);
    expect(toHex(cipher)).toBe(expected);
    expect(toHex(managementDecryptBlock(alg, key, cipher))).toBe(toHex(plaintext));
  });

  it('refuses a key or block of the wrong length', () => {
    expect(() => managementEncryptBlock(ALG.AES_192, new Uint8Array(16), plaintext)).toThrow(
      RangeError,
    );
    expect(() => managementEncryptBlock(ALG.TDEA_3KEY, FACTORY_MANAGEMENT_KEY, plaintext)).toThrow(
      RangeError,
    );
  });

  it('takes the leading bytes of the per-card key material for each algorithm', () => {
    const material = Uint8Array.from({ length: 24 }, (_, i) => i + 1);
    expect(managementKeyFromMaterial(material, ALG.AES_128)).toHaveLength(16);
    expect(toHex(managementKeyFromMaterial(material, ALG.AES_192)!)).toBe(toHex(material));
    expect(managementKeyFromMaterial(material, ALG.AES_256)).toBeUndefined();
  });

  it('builds SET MANAGEMENT KEY and GENERAL AUTHENTICATE for AES (piv.md: 0A 9B 18, 08 9B 10, 0C 9B 20)', () => {
    const key24 = new Uint8Array(24).fill(0x11);
    expect(hex(setManagementKey(key24, ALG.AES_192))).toBe(`00FFFFFF1B0A9B18${'11'.repeat(24)}`);
    expect(hex(setManagementKey(new Uint8Array(16).fill(0x22), ALG.AES_128))).toBe(
      `00FFFFFF13089B10${'22'.repeat(16)}`,
    );
    expect(hex(setManagementKey(new Uint8Array(32).fill(0x33), ALG.AES_256))).toBe(
      `00FFFFFF230C9B20${'33'.repeat(32)}`,
    );
    expect(() => setManagementKey(new Uint8Array(16), ALG.AES_192)).toThrow(RangeError);
    // P1 names the algorithm; AES witnesses and challenges are 16 bytes.
    expect(hex(requestWitness(ALG.AES_192))).toBe('00870A9B047C02800000');
    const block = new Uint8Array(16);
    expect(hex(answerWitness(block, block, ALG.AES_192)).slice(0, 14)).toBe('00870A9B267C24');
  });
});
