/**
 * Renewal of a Digital ID on its own chip, shared by the PC/SC encoder and the emulator:
 *
 *   select → read the CHUID GUID and refuse any other card → read the chip serial (for the
 *   attestation check, as in production) → authenticate with the card's
 *   own management key (GENERATE ASYMMETRIC KEY PAIR needs the management key only, SP
 *   800-73-4 Part 2 §3.3.2, as production does) → verify the holder's PIN (for the one
 *   signature below; first, so a wrong PIN changes nothing) → generate a new key in 9A (the
 *   old key is gone from here on) → the CA issues a certificate for it (proof of possession:
 *   the card signs the CA's challenge with the new key)
 *   → write the 9A certificate → rewrite the CHUID with the renewed expiry date (its issuer
 *   signature covers that date, so it is signed again) → rewrite the Security Object (it
 *   hashes the CHUID and the 9A container) → read back the certificate and check its key is
 *   the one the card generated.
 *
 * The CHUID keeps its FASC-N, GUID and cardholder UUID (the card is the same card); the CCC,
 * PIN, PUK and management key stay as they are. Errors as personalisation:
 * CARD_MISMATCH (another card), CARD_WRONG_SECRET / CARD_SECRET_BLOCKED (the holder's PIN),
 * CARD_ERROR (a step refused, named), CARD_VERIFY_FAILED (read-back); errors from
 * `issueCertificate` pass through. The PIN never reaches an error message.
 */
import { X509Certificate, createPublicKey } from 'node:crypto';
import { DeviceError } from '../errors.js';
import { ApduChannel, type ApduTransport } from './apdu-channel.js';
import { CardStatusError, SW, bytesEqual } from './apdu-codec.js';
import {
  generateKeyPair,
  getData,
  parseGetDataReply,
  parseSignatureReply,
  publicKeyToSpki,
  putData,
  signWithKey,
  signingInput,
  verifyPin,
  type AsymmetricAlgorithm,
} from './piv-commands.js';
import {
  ALGORITHM,
  CONTAINER_ID,
  KEY_REF,
  OBJECT_TAG,
  chuidExpiry,
  chuidSignedContent,
  decodeCertificateContainer,
  decodeChuid,
  encodeCertificateContainer,
  encodeChuid,
  encodeSecurityObject,
} from './piv-objects.js';
import type {
  CardAttestation,
  CardObjectSigner,
  DigitalIdPersonalization,
  SecurityObjectDataGroup,
} from './piv-encoder.js';
import {
  authenticateManagementKey,
  readChipSerial,
  readPivAuthenticationAttestation,
} from './piv-personalization.js';
import { selectAndCheckGuid, secretError } from './piv-pin-operations.js';

export interface DigitalIdRenewalRequest {
  /** The card's CHUID GUID, 32 hex digits: any other card is refused before anything else. */
  expectedGuid: string;
  /** The card's own management key material, as production set it. */
  managementKey: Uint8Array;
  /** The holder's PIN, for the one signature that proves the new key to the CA. */
  pin: string;
  digital: DigitalIdPersonalization;
  /** Re-signs the CHUID and the Security Object over the CHUID, CCC and the new certificate. */
  contentSigner?: CardObjectSigner;
  /**
   * The renewed card's expiry date, 'YYYY-MM-DD', written into the CHUID (SP 800-73-4 Part 1
   * §3.1.2: the CHUID's expiration date is the card's); without it the CHUID stays as it is.
   */
  expiryDate?: string;
}

export interface DigitalIdRenewalResult {
  certificateDer: Uint8Array;
  apdusExchanged: number;
}

const ALGORITHM_ID: Record<DigitalIdPersonalization['algorithm'], AsymmetricAlgorithm> = {
  ECCP256: ALGORITHM.ECC_P256,
  RSA2048: ALGORITHM.RSA_2048,
};

function named(step: string, error: unknown): unknown {
  if (error instanceof CardStatusError)
    return new DeviceError('CARD_ERROR', `${step}: ${error.message}`, { cause: error });
  return error;
}

/** The card's CHUID with another expiry date, signed again when a signer is given. */
async function chuidWithExpiry(
  current: Uint8Array,
  expiryDate: string,
  signer: CardObjectSigner | undefined,
): Promise<Uint8Array> {
  const { issuerSignature: _old, ...fields } = decodeChuid(current);
  const renewed = { ...fields, expiry: chuidExpiry(expiryDate) };
  const issuerSignature = signer
    ? await signer.signChuid(chuidSignedContent(renewed))
    : new Uint8Array(0);
  return encodeChuid({ ...renewed, issuerSignature });
}

export async function renewDigitalIdOnCard(
  transport: ApduTransport,
  request: DigitalIdRenewalRequest,
): Promise<DigitalIdRenewalResult> {
  const channel = new ApduChannel(transport);
  await selectAndCheckGuid(channel, request.expectedGuid);
  // The chip's serial, as production reads it: a card that attests its serial (YubiKey 5) has
  // its statement checked against it. A card without GET SERIAL (6D00) has none to check.
  const chipSerial = await readChipSerial(channel);
  if (!(await authenticateManagementKey(channel, request.managementKey)))
    throw new DeviceError(
      'CARD_ERROR',
      'authenticate: the card refuses its management key (was it produced by this device?)',
    );
  // The PIN first, so a wrong one refuses the renewal before the old key is replaced; the
  // card keeps the verified state for the one signature below.
  const verified = await channel.send(verifyPin(request.pin));
  if (verified.sw !== SW.OK) throw secretError(verified.sw, 'PIN');
  const algorithm = ALGORITHM_ID[request.digital.algorithm];
  let spki: Uint8Array;
  try {
    spki = publicKeyToSpki(
      await channel.call(
        generateKeyPair(KEY_REF.PIV_AUTHENTICATION, algorithm),
        'GENERATE ASYMMETRIC KEY PAIR',
      ),
      algorithm,
    );
  } catch (error) {
    throw named('generate-key', error);
  }
  const issued = new Uint8Array(
    await request.digital.issueCertificate({
      algorithm: request.digital.algorithm,
      publicKeySpkiDer: spki,
      ...(chipSerial !== undefined ? { chipSerial } : {}),
      attest: async (): Promise<CardAttestation | undefined> => {
        try {
          return await readPivAuthenticationAttestation(channel);
        } catch (error) {
          throw named('issue-certificate', error);
        }
      },
      signWithCardKey: async (data) => {
        try {
          return parseSignatureReply(
            await channel.call(
              signWithKey(KEY_REF.PIV_AUTHENTICATION, algorithm, signingInput(data, algorithm)),
              'GENERAL AUTHENTICATE (sign)',
            ),
          );
        } catch (error) {
          throw named('issue-certificate', error);
        }
      },
    }),
  );
  const container = encodeCertificateContainer(issued);
  try {
    await channel.call(putData(OBJECT_TAG.CERT_PIV_AUTHENTICATION, container), 'PUT DATA 9A');
    const readChuid = async () =>
      parseGetDataReply(await channel.call(getData(OBJECT_TAG.CHUID), 'GET CHUID'));
    let chuid: Uint8Array | undefined;
    if (request.expiryDate !== undefined) {
      chuid = await chuidWithExpiry(await readChuid(), request.expiryDate, request.contentSigner);
      await channel.call(putData(OBJECT_TAG.CHUID, chuid), 'PUT DATA CHUID');
    }
    if (request.contentSigner) {
      chuid ??= await readChuid();
      // The Security Object hashes the CHUID (data group 1) and the 9A container (data group
      // 3): the old one no longer matches, so it is signed again over what the card now holds.
      const ccc = parseGetDataReply(
        await channel.call(getData(OBJECT_TAG.CARD_CAPABILITY_CONTAINER), 'GET CCC'),
      );
      const groups: SecurityObjectDataGroup[] = [
        { dataGroup: 1, containerId: CONTAINER_ID.CHUID, content: chuid },
        { dataGroup: 2, containerId: CONTAINER_ID.CARD_CAPABILITY_CONTAINER, content: ccc },
        { dataGroup: 3, containerId: CONTAINER_ID.CERT_PIV_AUTHENTICATION, content: container },
      ];
      const content = encodeSecurityObject(
        groups,
        await request.contentSigner.signSecurityObject(groups),
      );
      await channel.call(putData(OBJECT_TAG.SECURITY_OBJECT, content), 'PUT DATA Security Object');
    }
  } catch (error) {
    throw named('write-certificate', error);
  }
  const stored = decodeCertificateContainer(
    parseGetDataReply(
      await channel.call(getData(OBJECT_TAG.CERT_PIV_AUTHENTICATION), 'GET DATA certificate 9A'),
    ),
  ).certificateDer;
  if (!bytesEqual(stored, issued))
    throw new DeviceError('CARD_VERIFY_FAILED', 'read-back: the 9A certificate differs');
  const certKey = new X509Certificate(stored).publicKey.export({ type: 'spki', format: 'der' });
  const cardKey = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({
    type: 'spki',
    format: 'der',
  });
  if (!bytesEqual(new Uint8Array(certKey), new Uint8Array(cardKey)))
    throw new DeviceError(
      'CARD_VERIFY_FAILED',
      "read-back: the certificate's key is not the key generated on the card",
    );
  return { certificateDer: issued, apdusExchanged: channel.apdusExchanged };
}
