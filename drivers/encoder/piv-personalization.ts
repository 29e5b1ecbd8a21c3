/**
 * The personalization routine shared by every PivEncoder: it turns a factory-fresh PIV card
 * into a produced card over an abstract ApduTransport, so the PC/SC encoder and the
 * in-process simulator run exactly the same exchanges. Steps, in order:
 *
 *   select → read serial → learn the card (GET VERSION, GET METADATA 9B) → authenticate
 *   with the factory management key in the card's algorithm → verify the factory PIN → set
 *   PIN/PUK retries → set the per-card management key (strongest algorithm the card takes)
 *   → write the signed CHUID and the CCC → (Digital ID: generate a key in 9A, let the CA
 *   check the card's attestation and issue a certificate, write the 9A certificate
 *   container) → write the Security Object → change PIN → change PUK → read back and verify.
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
  answerWitness,
  attestKey,
  changeReferenceData,
  generateKeyPair,
  getData,
  getSerial,
  parseChallengeResponse,
  parseGetDataReply,
  parseApplicationProperties,
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
  chuidSignedContent,
  encodeChuid,
  encodeFascn,
  encodePinBlock,
  encodeSecurityObject,
  nonFederalFascn,
  CONTAINER_ID,
} from './piv-objects.js';
import type {
  CardAttestation,
  KeyAlgorithm,
  PersonalizationRequest,
  PersonalizationResult,
  SecurityObjectDataGroup,
} from './piv-encoder.js';
import { randomBytes } from 'node:crypto';
import {
  challengeBlockBytes,
  managementDecryptBlock,
  managementEncryptBlock,
  managementKeyFromMaterial,
  managementKeyName,
  type ManagementKeyAlgorithm,
} from './management-key-algorithm.js';
import {
  chooseManagementKeyAlgorithm,
  learnCardCapabilities,
  type CardCapabilities,
} from './card-capabilities.js';

export const PERSONALIZATION_STEPS = [
  'select',
  'read-serial',
  'learn-card',
  'authenticate',
  'verify-pin',
  'set-pin-retries',
  'set-management-key',
  'write-chuid',
  'write-ccc',
  'generate-key',
  'issue-certificate',
  'write-certificate',
  'write-security-object',
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
  if (request.managementKey.length !== 24 && request.managementKey.length !== 32)
    throw new RangeError('management key material must be 24 or 32 bytes');
  if (
    bytesEqual(request.managementKey.subarray(0, 24), factoryKey) ||
    bytesEqual(request.managementKey.subarray(0, 24), FACTORY_MANAGEMENT_KEY) ||
    bytesEqual(request.managementKey.subarray(0, 16), FACTORY_MANAGEMENT_KEY.subarray(0, 16))
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

/**
 * Host side of the management-key mutual authentication (SP 800-73-4 Part 2 Appendix A.1)
 * in the key's algorithm: 3DES with 8-byte blocks, AES-128/192/256 with 16-byte blocks.
 * Resolves false when the card refuses the key, or refuses the algorithm (6A86: its key is
 * of another algorithm). Without `algorithm` the card is asked (GET METADATA 9B; 3DES when
 * it cannot say). `key` may be longer than the algorithm's key (per-card key material):
 * its leading bytes are used.
 */
export async function authenticateManagementKey(
  channel: ApduChannel,
  key: Uint8Array,
  algorithm?: ManagementKeyAlgorithm,
): Promise<boolean> {
  const alg = algorithm ?? (await learnCardCapabilities(channel, [])).managementKeyAlgorithm;
  const algKey = managementKeyFromMaterial(key, alg);
  if (!algKey) return false;
  const witnessReply = await channel.send(requestWitness(alg));
  if (witnessReply.sw !== SW.OK) {
    if (
      witnessReply.sw === SW.SECURITY_STATUS_NOT_SATISFIED ||
      witnessReply.sw === SW.INCORRECT_P1P2
    )
      return false;
    throw new CardStatusError(witnessReply.sw, 'GENERAL AUTHENTICATE (witness)');
  }
  const witness = managementDecryptBlock(alg, algKey, parseWitnessReply(witnessReply.data, alg));
  const challenge = new Uint8Array(randomBytes(challengeBlockBytes(alg)));
  const reply = await channel.send(answerWitness(witness, challenge, alg));
  // A wrong key decrypts the witness to garbage, which the card rejects with 6982.
  if (reply.sw === SW.SECURITY_STATUS_NOT_SATISFIED || reply.sw === SW.INCORRECT_DATA) return false;
  if (reply.sw !== SW.OK) throw new CardStatusError(reply.sw, 'GENERAL AUTHENTICATE (challenge)');
  // Mutual: the card proves it holds the same key by encrypting our challenge.
  if (
    !bytesEqual(parseChallengeResponse(reply.data), managementEncryptBlock(alg, algKey, challenge))
  ) {
    throw new DeviceError('CARD_ERROR', 'card answered the management-key challenge wrongly');
  }
  return true;
}

/** Container ids of the objects this encoder writes (SP 800-73-4 Part 1 Table 2). */
const DATA_GROUP_OF: ReadonlyArray<readonly [number, number, number]> = [
  // [data group number, container id, object tag]
  [1, CONTAINER_ID.CHUID, OBJECT_TAG.CHUID],
  [2, CONTAINER_ID.CARD_CAPABILITY_CONTAINER, OBJECT_TAG.CARD_CAPABILITY_CONTAINER],
  [3, CONTAINER_ID.CERT_PIV_AUTHENTICATION, OBJECT_TAG.CERT_PIV_AUTHENTICATION],
];

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

  const selectAlgorithms = await run('select', async () => {
    const reply = await channel.send(selectPiv());
    if (reply.sw !== SW.OK) {
      throw new DeviceError(
        'CARD_NOT_SUPPORTED',
        `card has no PIV application (SELECT answered ${reply.sw.toString(16).toUpperCase()})`,
      );
    }
    try {
      return parseApplicationProperties(reply.data).algorithms;
    } catch {
      // The property template is optional in practice; without it we learn nothing from it.
      return [];
    }
  });

  const chipSerial = await run('read-serial', async () => {
    const serial = await readChipSerial(channel);
    if (serial !== undefined) return serial;
    const fallback = await options.fallbackChipId?.();
    if (fallback) return fallback;
    throw new DeviceError('CARD_NOT_SUPPORTED', 'card reports neither a serial number nor a UID');
  });

  const capabilities: CardCapabilities = await run('learn-card', () =>
    learnCardCapabilities(channel, selectAlgorithms),
  );
  const target = chooseManagementKeyAlgorithm(capabilities, request.managementKey);
  if (target === undefined) {
    throw new DeviceError(
      'CARD_NOT_SUPPORTED',
      `the card takes no management-key algorithm this encoder can use (card: ${capabilities.managementKeyAlgorithms.map(managementKeyName).join(', ')})`,
    );
  }

  // Which key, in which algorithm, the card answered to: the factory key, or (a card an
  // interrupted attempt of this same request left behind) its own per-card key.
  let authenticatedWith: { perCard: boolean; algorithm: ManagementKeyAlgorithm } | undefined;
  await run('authenticate', async () => {
    const current = capabilities.managementKeyAlgorithm;
    // Without metadata the algorithm is an assumption (3DES); try the card's others after it.
    const factoryAlgorithms = capabilities.metadata
      ? [current]
      : [current, ...capabilities.managementKeyAlgorithms.filter((a) => a !== current)];
    if (capabilities.managementKeyIsDefault !== false) {
      for (const alg of factoryAlgorithms) {
        if (managementKeyFromMaterial(factoryKey, alg) === undefined) continue;
        if (await authenticateManagementKey(channel, factoryKey, alg)) {
          authenticatedWith = { perCard: false, algorithm: alg };
          return;
        }
      }
    }
    for (const alg of [...new Set([current, target, ...factoryAlgorithms])]) {
      if (await authenticateManagementKey(channel, request.managementKey, alg)) {
        authenticatedWith = { perCard: true, algorithm: alg };
        return;
      }
    }
    throw new DeviceError(
      'CARD_ERROR',
      `authenticate: card refuses the factory management key (${factoryAlgorithms.map(managementKeyName).join(', ')}) and this card's own key (already personalised?)`,
    );
  });
  const session = authenticatedWith!;

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

  let managementKeyAlgorithm: ManagementKeyAlgorithm = session.algorithm;
  await run('set-management-key', async () => {
    if (session.perCard) return;
    // Best first; the algorithm the card authenticated with is known to work as a last resort.
    const candidates = capabilities.managementKeyAlgorithms.slice(
      capabilities.managementKeyAlgorithms.indexOf(target),
    );
    if (!candidates.includes(session.algorithm)) candidates.push(session.algorithm);
    for (const alg of candidates) {
      const key = managementKeyFromMaterial(request.managementKey, alg);
      if (!key) continue;
      const reply = await channel.send(setManagementKey(key, alg));
      if (reply.sw === SW.OK) {
        managementKeyAlgorithm = alg;
        return;
      }
      // 6A80: the card does not take that algorithm after all; try the next one.
      if (reply.sw !== SW.INCORRECT_DATA) throw new CardStatusError(reply.sw, 'SET MANAGEMENT KEY');
    }
    throw new DeviceError(
      'CARD_NOT_SUPPORTED',
      `set-management-key: the card takes none of ${candidates.map(managementKeyName).join(', ')} for its management key`,
    );
  });

  const signer = request.contentSigner;
  const chuidFields = {
    fascn: encodeFascn(nonFederalFascn(request.cardNumber)),
    guid: request.guid,
    expiry: chuidExpiry(request.expiryDate),
  };
  const chuid = await run('write-chuid', async () => {
    const issuerSignature = signer
      ? await signer.signChuid(chuidSignedContent(chuidFields))
      : new Uint8Array(0);
    const content = encodeChuid({ ...chuidFields, issuerSignature });
    await channel.call(putData(OBJECT_TAG.CHUID, content), 'PUT DATA CHUID');
    return content;
  });
  const ccc = encodeCcc(request.guid);
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
        chipSerial,
        attest: async (): Promise<CardAttestation | undefined> => {
          try {
            return await readPivAuthenticationAttestation(channel);
          } catch (error) {
            throw stepError('issue-certificate', error);
          }
        },
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

  let securityObject: Uint8Array | undefined;
  if (signer) {
    securityObject = await run('write-security-object', async () => {
      const written = new Map<number, Uint8Array>([
        [OBJECT_TAG.CHUID, chuid],
        [OBJECT_TAG.CARD_CAPABILITY_CONTAINER, ccc],
      ]);
      if (certificateDer)
        written.set(OBJECT_TAG.CERT_PIV_AUTHENTICATION, encodeCertificateContainer(certificateDer));
      const groups: SecurityObjectDataGroup[] = DATA_GROUP_OF.filter(([, , tag]) =>
        written.has(tag),
      ).map(([dataGroup, containerId, tag]) => ({
        dataGroup,
        containerId,
        content: written.get(tag)!,
      }));
      const content = encodeSecurityObject(groups, await signer.signSecurityObject(groups));
      await channel.call(putData(OBJECT_TAG.SECURITY_OBJECT, content), 'PUT DATA Security Object');
      return content;
    });
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
    if (securityObject) {
      const stored = parseGetDataReply(
        await channel.call(getData(OBJECT_TAG.SECURITY_OBJECT), 'GET DATA Security Object'),
      );
      if (!bytesEqual(stored, securityObject)) throw mismatch('Security Object');
    }
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
    if (
      !(await authenticateManagementKey(channel, request.managementKey, managementKeyAlgorithm))
    ) {
      throw new DeviceError(
        'CARD_VERIFY_FAILED',
        'read-back: the per-card management key does not authenticate',
      );
    }
  });

  const result: PersonalizationResult = {
    chipSerial,
    managementKeyAlgorithm: managementKeyName(managementKeyAlgorithm),
    signedObjects: signer !== undefined,
    apdusExchanged: channel.apdusExchanged,
    bytesOnWire: channel.bytesOnWire,
  };
  if (capabilities.version !== undefined) result.cardVersion = capabilities.version;
  if (certificateDer) result.certificateDer = certificateDer;
  return result;
}

/**
 * The chip's serial number (Yubico's GET SERIAL, decimal), which an attestation statement may
 * name; undefined on a card without the instruction (6D00) or with an odd answer.
 */
export async function readChipSerial(channel: ApduChannel): Promise<string | undefined> {
  const reply = await channel.send(getSerial());
  return reply.sw === SW.OK && reply.data.length === 4
    ? String(parseSerial(reply.data))
    : undefined;
}

/**
 * The card's attestation of its 9A key: the statement (ATTEST 9A) and the attestation
 * certificate (GET DATA 5FFF01). Undefined when the card has neither (no ATTEST instruction,
 * or no attestation certificate), as a card without attestation answers.
 */
export async function readPivAuthenticationAttestation(
  channel: ApduChannel,
): Promise<CardAttestation | undefined> {
  const statement = await channel.send(attestKey(KEY_REF.PIV_AUTHENTICATION));
  if (statement.sw === SW.INS_NOT_SUPPORTED) return undefined;
  if (statement.sw !== SW.OK) throw new CardStatusError(statement.sw, 'ATTEST 9A');
  const container = await channel.send(getData(OBJECT_TAG.ATTESTATION_CERTIFICATE));
  if (container.sw === SW.NOT_FOUND) return undefined;
  if (container.sw !== SW.OK)
    throw new CardStatusError(container.sw, 'GET DATA attestation certificate');
  return {
    statementDer: statement.data,
    attestationCertificateDer: decodeCertificateContainer(parseGetDataReply(container.data))
      .certificateDer,
  };
}
