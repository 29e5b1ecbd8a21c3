import { createPublicKey, verify, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ApduChannel } from '../../../drivers/encoder/apdu-channel.js';
import {
  concatBytes,
  encodeCommandApdu,
  encodeTlv,
  fromHex,
  toHex,
} from '../../../drivers/encoder/apdu-codec.js';
import {
  FACTORY_MANAGEMENT_KEY,
  answerWitness,
  changeReferenceData,
  generateKeyPair,
  getData,
  getMetadata,
  getSerial,
  getVersion,
  parseChallengeResponse,
  parseGetDataReply,
  parseMetadata,
  parseSignatureReply,
  parseWitnessReply,
  publicKeyToSpki,
  putData,
  requestWitness,
  resetCard,
  resetRetryCounter,
  selectPiv,
  setManagementKey,
  setPinRetries,
  signWithKey,
  signingInput,
  tdesDecryptBlock,
  tdesEncryptBlock,
  verifyPin,
} from '../../../drivers/encoder/piv-commands.js';
import {
  ALGORITHM,
  decodeCertificateContainer,
  KEY_REF,
  OBJECT_TAG,
} from '../../../drivers/encoder/piv-objects.js';
import {
  createSimulatedAttestationAuthority,
  type SimulatedAttestationCa,
} from '../../../drivers/encoder/simulated-attestation.js';
import {
  SimulatedNonPivCard,
  SimulatedPivCard,
} from '../../../drivers/encoder/simulated-piv-card.js';

function open(card = new SimulatedPivCard({ serial: 12_345_678 })): {
  card: SimulatedPivCard;
  channel: ApduChannel;
} {
  card.powerOn();
  return { card, channel: new ApduChannel(card) };
}

async function authenticate(channel: ApduChannel, key = FACTORY_MANAGEMENT_KEY): Promise<number> {
  const witness = tdesDecryptBlock(
    key,
    parseWitnessReply(await channel.call(requestWitness(), 'witness')),
  );
  const challenge = fromHex('0011223344556677');
  const reply = await channel.send(answerWitness(witness, challenge));
  if (reply.sw === 0x9000)
    expect(toHex(parseChallengeResponse(reply.data))).toBe(toHex(tdesEncryptBlock(key, challenge)));
  return reply.sw;
}

describe('SimulatedPivCard', () => {
  it('answers SELECT by full AID and by the RID prefix, and misses other AIDs', async () => {
    const { channel } = open();
    const full = await channel.send(selectPiv());
    expect(full.sw).toBe(0x9000);
    expect(toHex(full.data.subarray(0, 1))).toBe('61');
    expect((await channel.send(selectPiv(fromHex('A000000308')))).sw).toBe(0x9000);
    expect((await channel.send(selectPiv(fromHex('A0000005272101')))).sw).toBe(0x6a82);
  });

  it('reports version and serial like a YubiKey-compatible card', async () => {
    const { channel } = open();
    expect(toHex(await channel.call(getVersion(), 'version'))).toBe('050403');
    expect(toHex(await channel.call(getSerial(), 'serial'))).toBe('00BC614E');
  });

  it('counts PIN tries down, blocks at zero, and restores the count on success', async () => {
    const { channel, card } = open();
    expect((await channel.send(verifyPin())).sw).toBe(0x63c3);
    expect((await channel.send(verifyPin('999999'))).sw).toBe(0x63c2);
    expect((await channel.send(verifyPin('123456'))).sw).toBe(0x9000);
    expect((await channel.send(verifyPin())).sw).toBe(0x9000);
    expect(card.snapshot().pinRetriesRemaining).toBe(3);
    for (const sw of [0x63c2, 0x63c1, 0x63c0])
      expect((await channel.send(verifyPin('999999'))).sw).toBe(sw);
    expect((await channel.send(verifyPin('123456'))).sw).toBe(0x6983);
    // The PUK unblocks it with a new PIN.
    expect((await channel.send(resetRetryCounter('12345678', '246810'))).sw).toBe(0x9000);
    expect((await channel.send(verifyPin('246810'))).sw).toBe(0x9000);
  });

  it('changes PIN and PUK only with the old value', async () => {
    const { channel, card } = open();
    expect((await channel.send(changeReferenceData('PIN', '000000', '246810'))).sw).toBe(0x63c2);
    expect((await channel.send(changeReferenceData('PIN', '123456', '246810'))).sw).toBe(0x9000);
    expect((await channel.send(changeReferenceData('PUK', '12345678', '87654321'))).sw).toBe(
      0x9000,
    );
    expect(card.snapshot()).toMatchObject({ pinIsDefault: false, pukIsDefault: false });
  });

  it('authenticates the management key mutually and rejects a wrong one with 6982', async () => {
    const { channel } = open();
    expect(await authenticate(channel, new Uint8Array(24).fill(0x11))).toBe(0x6982);
    expect(await authenticate(channel)).toBe(0x9000);
  });

  it('guards administrative commands with the management key', async () => {
    const { channel } = open();
    expect((await channel.send(putData(OBJECT_TAG.CHUID, fromHex('3000')))).sw).toBe(0x6982);
    expect((await channel.send(generateKeyPair(0x9a, ALGORITHM.ECC_P256))).sw).toBe(0x6982);
    expect((await channel.send(setManagementKey(new Uint8Array(24).fill(5)))).sw).toBe(0x6982);
    await authenticate(channel);
    const newKey = new Uint8Array(24).fill(5);
    expect((await channel.send(setManagementKey(newKey))).sw).toBe(0x9000);
    // Re-selecting drops the authentication; the new key now works and the old one does not.
    await channel.call(selectPiv(), 'select');
    expect(await authenticate(channel)).toBe(0x6982);
    expect(await authenticate(channel, newKey)).toBe(0x9000);
  });

  it('stores objects written in a chain and returns long ones with 61xx', async () => {
    const { channel, card } = open();
    await authenticate(channel);
    const content = concatBytes(
      encodeTlv(0x70, new Uint8Array(900).fill(0x42)),
      encodeTlv(0x71, [0]),
      encodeTlv(0xfe, []),
    );
    const sent: string[] = [];
    const spy = new ApduChannel({
      transmit: async (apdu) => {
        sent.push(toHex(apdu.subarray(0, 2)));
        return card.process(apdu);
      },
    });
    await spy.call(putData(OBJECT_TAG.CERT_PIV_AUTHENTICATION, content), 'put');
    expect(sent.filter((s) => s === '10DB').length).toBe(3);
    sent.length = 0;
    const stored = parseGetDataReply(
      await spy.call(getData(OBJECT_TAG.CERT_PIV_AUTHENTICATION), 'get'),
    );
    expect(toHex(stored)).toBe(toHex(content));
    expect(sent.filter((s) => s === '00C0').length).toBe(3);
    expect((await channel.send(getData(OBJECT_TAG.SECURITY_OBJECT))).sw).toBe(0x6a82);
    expect(
      toHex(
        parseGetDataReply(await channel.call(getData(OBJECT_TAG.DISCOVERY), 'discovery')),
      ).slice(0, 4),
    ).toBe('4F0B');
  });

  it('keeps PIN-protected containers behind the PIN', async () => {
    const { channel } = open();
    await authenticate(channel);
    await channel.call(
      putData(OBJECT_TAG.PRINTED_INFORMATION, encodeTlv(0x01, new TextEncoder().encode('Ada'))),
      'put',
    );
    expect((await channel.send(getData(OBJECT_TAG.PRINTED_INFORMATION))).sw).toBe(0x6982);
    await channel.call(verifyPin('123456'), 'verify');
    expect((await channel.send(getData(OBJECT_TAG.PRINTED_INFORMATION))).sw).toBe(0x9000);
  });

  it.each([
    ['ECC P-256', ALGORITHM.ECC_P256],
    ['RSA-2048', ALGORITHM.RSA_2048],
  ])(
    'generates a %s key on the card and signs with it only after the PIN',
    async (_name, algorithm) => {
      const { channel } = open();
      await authenticate(channel);
      const spki = publicKeyToSpki(
        await channel.call(generateKeyPair(0x9a, algorithm), 'generate'),
        algorithm,
      );
      const data = new TextEncoder().encode('proof of possession');
      const sign = signWithKey(0x9a, algorithm, signingInput(data, algorithm));
      expect((await channel.send(sign)).sw).toBe(0x6982);
      await channel.call(verifyPin('123456'), 'verify');
      const signature = parseSignatureReply(await channel.call(sign, 'sign'));
      const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
      expect(verify('sha256', data, key, signature)).toBe(true);
      const metadata = parseMetadata(await channel.call(getMetadata(0x9a), 'metadata'));
      expect(metadata).toMatchObject({ algorithm, origin: 1 });
    },
  );

  it('sets retry counts (resetting PIN and PUK to defaults) only with management key and PIN', async () => {
    const { channel, card } = open();
    await authenticate(channel);
    expect((await channel.send(setPinRetries(5, 4))).sw).toBe(0x6982);
    await channel.call(changeReferenceData('PIN', '123456', '246810'), 'change');
    await channel.call(verifyPin('246810'), 'verify');
    await channel.call(setPinRetries(5, 4), 'retries');
    expect(card.snapshot()).toMatchObject({
      pinRetriesTotal: 5,
      pukRetriesTotal: 4,
      pinIsDefault: true,
    });
    expect(parseMetadata(await channel.call(getMetadata(KEY_REF.PIN), 'md'))).toMatchObject({
      isDefault: true,
      retriesTotal: 5,
      retriesRemaining: 5,
    });
  });

  it('resets to factory state only once PIN and PUK are both blocked', async () => {
    const { channel, card } = open();
    await authenticate(channel);
    await channel.call(generateKeyPair(0x9a, ALGORITHM.ECC_P256), 'generate');
    expect((await channel.send(resetCard())).sw).toBe(0x6985);
    for (let i = 0; i < 3; i++) await channel.send(verifyPin('000000'));
    for (let i = 0; i < 3; i++)
      await channel.send(changeReferenceData('PUK', '00000000', '11111111'));
    expect((await channel.send(resetCard())).sw).toBe(0x9000);
    expect(card.snapshot()).toMatchObject({
      keySlots: [],
      pinRetriesRemaining: 3,
      managementKeyIsDefault: true,
    });
  });

  it('answers malformed or unknown commands with status words instead of throwing', () => {
    const card = new SimulatedPivCard();
    expect(toHex(card.process(fromHex('00')))).toBe('6700');
    expect(toHex(card.process(fromHex('80CA000000')))).toBe('6E00');
    expect(toHex(card.process(fromHex('00E2000000')))).toBe('6D00');
    expect(
      toHex(
        card.process(
          encodeCommandApdu({ cla: 0, ins: 0x87, p1: 3, p2: 0x9b, data: fromHex('7C05') }),
        ),
      ),
    ).toBe('6A80');
    expect(toHex(card.process(fromHex('00C0000000')))).toBe('6985');
  });

  it('has a non-PIV sibling that misses SELECT and knows no PIV instruction', () => {
    const card = new SimulatedNonPivCard();
    expect(toHex(card.process(encodeCommandApdu(selectPiv())))).toBe('6A82');
    expect(toHex(card.process(encodeCommandApdu(getSerial())))).toBe('6D00');
  });
  it('makes its factory attestation key and certificate on its first command, not when made', async () => {
    // The simulated encoder makes a card at the service's start; the key pair and certificate
    // were a tenth of that start's CPU time, for cards often never used.
    const { issuer } = createSimulatedAttestationAuthority('lazy test');
    let issuerReads = 0;
    const counting = new Proxy(issuer, {
      get(target, property, receiver) {
        issuerReads += 1;
        return Reflect.get(target, property, receiver) as unknown;
      },
    }) as SimulatedAttestationCa;
    const card = new SimulatedPivCard({ serial: 12_345_678, attestationCa: counting });
    expect(issuerReads).toBe(0);
    const { channel } = open(card);
    const content = parseGetDataReply(
      await channel.call(getData(OBJECT_TAG.ATTESTATION_CERTIFICATE), 'attestation certificate'),
    );
    expect(issuerReads).toBeGreaterThan(0);
    const certificate = new X509Certificate(decodeCertificateContainer(content).certificateDer);
    expect(certificate.checkIssued(new X509Certificate(issuer.certificateDer))).toBe(true);
    // Made once: RESET keeps the factory's attestation key and puts its certificate back.
    const reads = issuerReads;
    expect(card.snapshot().objectTags).toContain(OBJECT_TAG.ATTESTATION_CERTIFICATE);
    expect(issuerReads).toBe(reads);
  });
});
