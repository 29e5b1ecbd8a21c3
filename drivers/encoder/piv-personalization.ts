/**
 * The personalization routine shared by every PivEncoder: it turns a factory-fresh PIV card
 * into a produced card over an abstract ApduTransport, so the PC/SC encoder and the
 * in-process simulator run exactly the same exchanges. Steps, in order:
 *
 *   select → read serial → authenticate with the factory management key → verify the
 *   factory PIN → set PIN/PUK retries → set the per-card management key → write CHUID and
 *   CCC → (Digital ID: generate a key in 9A, let the CA issue a certificate, write the 9A
 *   certificate container) → change PIN → change PUK → read back and verify.
 *
 * SET PIN RETRIES comes early because YubiKey-compatible cards put PIN and PUK back to
 * their defaults when the retry counts change. A card left half-done by an interrupted
 * attempt with the same request (same per-card key and PIN) is picked up again: the
 * per-card management key and the requested PIN are tried after the factory ones.
 *
 * Errors: DeviceError — CARD_NOT_SUPPORTED (no PIV application, no way to set retries),
 * CARD_ERROR (the card refused a step; the message names the step and the status word),
 * CARD_VERIFY_FAILED (read-back differs); transport errors (CARD_REMOVED, READER_NOT_FOUND,
 * DEVICE_TIMEOUT) pass through unchanged. Errors from `issueCertificate` pass through too.
 * A request that cannot be valid (factory PIN, short GUID) is a RangeError before any APDU.
 */
import { X509Certificate, createPublicKey } from 'node:crypto';
import { DeviceError } from '../errors.js';
import { ApduChannel, type ApduTransport } from './apdu-channel.js';
import { CardStatusError, SW, TlvFormatError, bytesEqual } from './apdu-codec.js';
import {
  FACTORY_MANAGEMENT_KEY,
  FACTORY_PIN,
  FACTORY_PUK,
  TDES_BLOCK_BYTES,
  TDES_KEY_BYTES,
  answerWitness,
  changeReferenceData,
  generateKeyPair,
  getData,
  getSerial,
  parseChallengeResponse,
  parseGetDataReply,
  parseSerial,
  parseSignatureReply,
  parseWitnessReply,
  publicKeyToSpki,
  putData,
  requestWitness,
  selectPiv,
  setManagementKey,
  setPinRetries,
  signWithKey,
  signingInput,
  tdesDecryptBlock,
  tdesEncryptBlock,
  verifyPin,
  type AsymmetricAlgorithm,
} from './piv-commands.js';
import {
  ALGORITHM,
  GUID_BYTES,
  KEY_REF,
  OBJECT_TAG,
  chuidExpiry,
  decodeCertificateContainer,
  encodeCcc,
  encodeCertificateContainer,
  encodeChuid,
  encodeFascn,
  encodePinBlock,
  nonFederalFascn,
} from './piv-objects.js';
import type { KeyAlgorithm, PersonalizationRequest, PersonalizationResult } from './piv-encoder.js';
import { randomBytes } from 'node:crypto';

export const PERSONALIZATION_STEPS = [
  'select',
  'read-serial',
  'authenticate',
  'verify-pin',
  'set-pin-retries',
  'set-management-key',
  'write-chuid',
  'write-ccc',
  'generate-key',
  'issue-certificate',
  'write-certificate',
  'change-pin',
  'change-puk',
  'read-back',
] as const;
export type PersonalizationStep = (typeof PERSONALIZATION_STEPS)[number];

/** Steps that only run for a Digital ID. */
export const DIGITAL_ONLY_STEPS: ReadonlySet<PersonalizationStep> = new Set([
  'generate-key',
  'issue-certificate',
  'write-certificate',
]);

export interface PersonalizationRoutineOptions {
  /** The management key cards leave the factory with (default 010203…08 ×3). */
  factoryManagementKey?: Uint8Array;
  /** Chip id to report when the card has no GET SERIAL (PC/SC: UID or ATR). */
  fallbackChipId?: () => Promise<string | undefined>;
  /** Called before each step runs; tests use it to pull the card at that step. */
  beforeStep?: (step: PersonalizationStep) => void | Promise<void>;
}

const ALGORITHM_ID: Record<KeyAlgorithm, AsymmetricAlgorithm> = {
  ECCP256: ALGORITHM.ECC_P256,
  RSA2048: ALGORITHM.RSA_2048,
};

/** Reject a request that could never produce a valid card, before touching the card. */
export function validatePersonalizationRequest(
  request: PersonalizationRequest,
  factoryKey: Uint8Array,
): void {
  encodePinBlock(request.pin, 'PIN');
  encodePinBlock(request.puk, 'PUK');
  if (!/^\d+$/.test(request.pin)) throw new RangeError('PIN must be digits');
  if (request.pin === FACTORY_PIN) throw new RangeError('PIN must not be the factory default');
  if (request.puk === FACTORY_PUK) throw new RangeError('PUK must not be the factory default');
  if (request.managementKey.length !== TDES_KEY_BYTES)
    throw new RangeError('management key must be 24 bytes (3DES)');
  if (
    bytesEqual(request.managementKey, factoryKey) ||
    bytesEqual(request.managementKey, FACTORY_MANAGEMENT_KEY)
  ) {
    throw new RangeError('management key must not be a factory default');
  }
  if (request.guid.length !== GUID_BYTES) throw new RangeError('GUID must be 16 bytes');
  chuidExpiry(request.expiryDate);
  nonFederalFascn(request.cardNumber);
  for (const [n, what] of [
    [request.pinRetries, 'PIN retries'],
    [request.pukRetries, 'PUK retries'],
  ] as const) {
    if (!Number.isInteger(n) || n < 1 || n > 15) throw new RangeError(`${what} must be 1..15`);
  }
}

/** Translate a card's refusal into a DeviceError that names the step. */
function stepError(step: PersonalizationStep, error: unknown): unknown {
  if (error instanceof CardStatusError) {
    return new DeviceError('CARD_ERROR', `${step}: ${error.message}`, { cause: error });
  }
  if (error instanceof TlvFormatError) {
    return new DeviceError('CARD_ERROR', `${step}: malformed reply (${error.message})`, {
      cause: error,
    });
  }
  return error;
}

/** Host side of the 3DES mutual authentication; false when the card refuses the key. */
async function authenticateManagementKey(channel: ApduChannel, key: Uint8Array): Promise<boolean> {
  const witnessReply = await channel.send(requestWitness());
  if (witnessReply.sw !== SW.OK) {
    if (witnessReply.sw === SW.SECURITY_STATUS_NOT_SATISFIED) return false;
    throw new CardStatusError(witnessReply.sw, 'GENERAL AUTHENTICATE (witness)');
  }
  const witness = tdesDecryptBlock(key, parseWitnessReply(witnessReply.data));
  const challenge = new Uint8Array(randomBytes(TDES_BLOCK_BYTES));
  const reply = await channel.send(answerWitness(witness, challenge));
  // A wrong key decrypts the witness to garbage, which the card rejects with 6982.
  if (reply.sw === SW.SECURITY_STATUS_NOT_SATISFIED || reply.sw === SW.INCORRECT_DATA) return false;
  if (reply.sw !== SW.OK) throw new CardStatusError(reply.sw, 'GENERAL AUTHENTICATE (challenge)');
  // Mutual: the card proves it holds the same key by encrypting our challenge.
  if (!bytesEqual(parseChallengeResponse(reply.data), tdesEncryptBlock(key, challenge))) {
    throw new DeviceError('CARD_ERROR', 'card answered the management-key challenge wrongly');
  }
  return true;
}

export async function personalizePivCard(
  transport: ApduTransport,
  request: PersonalizationRequest,
  options: PersonalizationRoutineOptions = {},
): Promise<PersonalizationResult> {
  const factoryKey = options.factoryManagementKey ?? FACTORY_MANAGEMENT_KEY;
  validatePersonalizationRequest(request, factoryKey);
  const channel = new ApduChannel(transport);
  const digital = request.digital;

  const run = async <T>(step: PersonalizationStep, body: () => Promise<T>): Promise<T> => {
    await options.beforeStep?.(step);
    try {
      return await body();
    } catch (error) {
      throw stepError(step, error);
    }
  };

  await run('select', async () => {
    const reply = await channel.send(selectPiv());
    if (reply.sw !== SW.OK) {
      throw new DeviceError(
        'CARD_NOT_SUPPORTED',
        `card has no PIV application (SELECT answered ${reply.sw.toString(16).toUpperCase()})`,
      );
    }
  });

  const chipSerial = await run('read-serial', async () => {
    const reply = await channel.send(getSerial());
    if (reply.sw === SW.OK && reply.data.length === 4) return String(parseSerial(reply.data));
    const fallback = await options.fallbackChipId?.();
    if (fallback) return fallback;
    throw new DeviceError('CARD_NOT_SUPPORTED', 'card reports neither a serial number nor a UID');
  });

  let cardKey = factoryKey;
  await run('authenticate', async () => {
    if (await authenticateManagementKey(channel, factoryKey)) return;
    // Resume a card an interrupted attempt of this same request left with its new key.
    if (await authenticateManagementKey(channel, request.managementKey)) {
      cardKey = request.managementKey;
      return;
    }
    throw new DeviceError(
      'CARD_ERROR',
      'authenticate: card refuses the factory management key (already personalised?)',
    );
  });

  await run('verify-pin', async () => {
    const first = await channel.send(verifyPin(FACTORY_PIN));
    if (first.sw === SW.OK) return;
    const refusal = new CardStatusError(first.sw, 'VERIFY factory PIN');
    // Resume: an interrupted attempt may already have set the requested PIN. Try it only
    // while at least one more try remains, so the card is never blocked by us.
    if (refusal.kind === 'verification-failed' && (refusal.triesLeft ?? 0) >= 2) {
      const second = await channel.send(verifyPin(request.pin));
      if (second.sw === SW.OK) return;
    }
    throw refusal;
  });

  await run('set-pin-retries', async () => {
    const reply = await channel.send(setPinRetries(request.pinRetries, request.pukRetries));
    if (reply.sw === SW.INS_NOT_SUPPORTED) {
      throw new DeviceError(
        'CARD_NOT_SUPPORTED',
        'card cannot set PIN retries (no SET PIN RETRIES extension)',
      );
    }
    if (reply.sw !== SW.OK) throw new CardStatusError(reply.sw, 'SET PIN RETRIES');
  });
  // SET PIN RETRIES resets PIN and PUK to the factory values and drops the PIN status.
  let pinVerified = false;

  await run('set-management-key', async () => {
    if (cardKey !== request.managementKey) {
      await channel.call(setManagementKey(request.managementKey), 'SET MANAGEMENT KEY');
    }
  });

  const chuid = encodeChuid({
    fascn: encodeFascn(nonFederalFascn(request.cardNumber)),
    guid: request.guid,
    expiry: chuidExpiry(request.expiryDate),
    issuerSignature: new Uint8Array(0),
  });
  const ccc = encodeCcc(request.guid);
  await run('write-chuid', () => channel.call(putData(OBJECT_TAG.CHUID, chuid), 'PUT DATA CHUID'));
  await run('write-ccc', () =>
    channel.call(putData(OBJECT_TAG.CARD_CAPABILITY_CONTAINER, ccc), 'PUT DATA CCC'),
  );

  let certificateDer: Uint8Array | undefined;
  let publicKeySpkiDer: Uint8Array | undefined;
  if (digital) {
    const algorithm = ALGORITHM_ID[digital.algorithm];
    const spki = await run('generate-key', async () => {
      const reply = await channel.call(
        generateKeyPair(KEY_REF.PIV_AUTHENTICATION, algorithm),
        'GENERATE ASYMMETRIC KEY PAIR',
      );
      return publicKeyToSpki(reply, algorithm);
    });
    publicKeySpkiDer = spki;
    const issued = await run('issue-certificate', () =>
      digital.issueCertificate({
        algorithm: digital.algorithm,
        publicKeySpkiDer: spki,
        signWithCardKey: async (data) => {
          try {
            if (!pinVerified) {
              await channel.call(verifyPin(FACTORY_PIN), 'VERIFY PIN');
              pinVerified = true;
            }
            const reply = await channel.call(
              signWithKey(KEY_REF.PIV_AUTHENTICATION, algorithm, signingInput(data, algorithm)),
              'GENERAL AUTHENTICATE (sign)',
            );
            return parseSignatureReply(reply);
          } catch (error) {
            throw stepError('issue-certificate', error);
          }
        },
      }),
    );
    certificateDer = new Uint8Array(issued);
    await run('write-certificate', () =>
      channel.call(
        putData(OBJECT_TAG.CERT_PIV_AUTHENTICATION, encodeCertificateContainer(issued)),
        'PUT DATA certificate 9A',
      ),
    );
  }

  await run('change-pin', () =>
    channel.call(changeReferenceData('PIN', FACTORY_PIN, request.pin), 'CHANGE REFERENCE DATA PIN'),
  );
  await run('change-puk', () =>
    channel.call(changeReferenceData('PUK', FACTORY_PUK, request.puk), 'CHANGE REFERENCE DATA PUK'),
  );

  await run('read-back', async () => {
    const mismatch = (what: string): DeviceError =>
      new DeviceError('CARD_VERIFY_FAILED', `read-back: ${what} differs from what was written`);
    const storedChuid = parseGetDataReply(
      await channel.call(getData(OBJECT_TAG.CHUID), 'GET DATA CHUID'),
    );
    if (!bytesEqual(storedChuid, chuid)) throw mismatch('CHUID');
    const storedCcc = parseGetDataReply(
      await channel.call(getData(OBJECT_TAG.CARD_CAPABILITY_CONTAINER), 'GET DATA CCC'),
    );
    if (!bytesEqual(storedCcc, ccc)) throw mismatch('CCC');
    if (certificateDer && publicKeySpkiDer) {
      const container = parseGetDataReply(
        await channel.call(getData(OBJECT_TAG.CERT_PIV_AUTHENTICATION), 'GET DATA certificate 9A'),
      );
      const stored = decodeCertificateContainer(container).certificateDer;
      if (!bytesEqual(stored, certificateDer)) throw mismatch('certificate');
      let certificateKey: Uint8Array;
      try {
        certificateKey = new Uint8Array(
          new X509Certificate(stored).publicKey.export({ type: 'spki', format: 'der' }),
        );
      } catch (error) {
        throw new DeviceError(
          'CARD_VERIFY_FAILED',
          'read-back: certificate does not parse as X.509',
          { cause: error },
        );
      }
      const generatedKey = new Uint8Array(
        createPublicKey({ key: Buffer.from(publicKeySpkiDer), format: 'der', type: 'spki' }).export(
          { type: 'spki', format: 'der' },
        ),
      );
      if (!bytesEqual(certificateKey, generatedKey)) {
        throw new DeviceError(
          'CARD_VERIFY_FAILED',
          "read-back: certificate's public key is not the key generated on the card",
        );
      }
    }
    // PIN: look at the counter first so a wrong PIN can never block the card.
    const status = await channel.send(verifyPin());
    const described = new CardStatusError(status.sw, 'VERIFY (status)');
    if (
      status.sw !== SW.OK &&
      (described.kind !== 'verification-failed' || (described.triesLeft ?? 0) < 2)
    ) {
      throw new DeviceError(
        'CARD_VERIFY_FAILED',
        `read-back: PIN counter not usable (${described.kind})`,
      );
    }
    const verified = await channel.send(verifyPin(request.pin));
    if (verified.sw !== SW.OK)
      throw new DeviceError('CARD_VERIFY_FAILED', 'read-back: the new PIN does not verify');
    if (!(await authenticateManagementKey(channel, request.managementKey))) {
      throw new DeviceError(
        'CARD_VERIFY_FAILED',
        'read-back: the per-card management key does not authenticate',
      );
    }
  });

  const result: PersonalizationResult = {
    chipSerial,
    apdusExchanged: channel.apdusExchanged,
    bytesOnWire: channel.bytesOnWire,
  };
  if (certificateDer) result.certificateDer = certificateDer;
  return result;
}
