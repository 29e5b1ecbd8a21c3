// Proof of possession for card keys. Before the CA certifies a public key generated on a card,
// the card (after PIN verification) signs a fresh random challenge with the new private key;
// the CA verifies that signature with the public key it is about to certify. This stops a
// certificate being issued for a key the card does not hold. Verification uses node:crypto.
//
// Accepted card keys are those a PIV card generates: EC P-256 / P-384 (signature: ECDSA with
// SHA-256, DER-encoded) and RSA 2048–4096 bits (signature: PKCS#1 v1.5 with SHA-256).

import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { ProofOfPossessionError, UnsupportedKeyError } from './ca-errors.js';

export const POSSESSION_CHALLENGE_BYTES = 32;

const MIN_RSA_MODULUS_BITS = 2048;
const MAX_RSA_MODULUS_BITS = 4096;
const ACCEPTED_CURVES = new Set(['prime256v1', 'secp384r1']);

export interface ProofOfPossession {
  /** The challenge the card signed; must come from `createPossessionChallenge()`. */
  readonly challenge: Uint8Array;
  /** The card's signature over the challenge (ECDSA DER, or RSA PKCS#1 v1.5), SHA-256. */
  readonly signature: Uint8Array;
}

/** A fresh challenge for the card to sign: 32 bytes from the CSPRNG. */
export function createPossessionChallenge(): Uint8Array {
  return new Uint8Array(randomBytes(POSSESSION_CHALLENGE_BYTES));
}

/**
 * Parses a card's SubjectPublicKeyInfo (DER) and checks it is a key type the CA certifies.
 * Throws `UnsupportedKeyError` otherwise.
 */
export function parseCardPublicKey(spkiDer: Uint8Array): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' });
  } catch {
    throw new UnsupportedKeyError('the card public key is not a valid SubjectPublicKeyInfo');
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    if (!ACCEPTED_CURVES.has(details.namedCurve ?? '')) {
      throw new UnsupportedKeyError(
        `EC card keys must be P-256 or P-384, not ${details.namedCurve}`,
      );
    }
    return key;
  }
  if (key.asymmetricKeyType === 'rsa') {
    const bits = details.modulusLength ?? 0;
    if (bits < MIN_RSA_MODULUS_BITS || bits > MAX_RSA_MODULUS_BITS) {
      throw new UnsupportedKeyError(
        `RSA card keys must have ${MIN_RSA_MODULUS_BITS} to ${MAX_RSA_MODULUS_BITS} bits, not ${bits}`,
      );
    }
    return key;
  }
  throw new UnsupportedKeyError(`card keys must be EC or RSA, not ${key.asymmetricKeyType}`);
}

/** Throws `ProofOfPossessionError` unless `signature` is `publicKey`'s signature over `challenge`. */
export function verifyProofOfPossession(publicKey: KeyObject, proof: ProofOfPossession): void {
  if (proof.challenge.length < POSSESSION_CHALLENGE_BYTES) {
    throw new ProofOfPossessionError(
      `the challenge must be at least ${POSSESSION_CHALLENGE_BYTES} random bytes`,
    );
  }
  let valid: boolean;
  try {
    // For EC keys node:crypto expects DER-encoded (r, s), for RSA keys PKCS#1 v1.5 by default.
    valid = verify('sha256', proof.challenge, publicKey, proof.signature);
  } catch {
    valid = false;
  }
  if (!valid) {
    throw new ProofOfPossessionError(
      'the card did not prove possession of the key: its signature over the challenge does not verify',
    );
  }
}
