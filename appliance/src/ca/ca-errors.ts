// Errors of the certificate authority module. Callers (the production service, the HTTP error
// handler) branch on the class or on the stable `code`, never on the message. Messages and
// causes never carry private-key material: key-parsing failures are reported without the
// underlying parser error, because some parsers echo their input.

export type CaErrorCode =
  | 'CA_INVALID_SECRET_KEY'
  | 'CA_INVALID_CONFIGURATION'
  | 'CA_KEY_DECRYPTION_FAILED'
  | 'CA_STATE_INVALID'
  | 'CA_IMPORT_REJECTED'
  | 'CA_UNSUPPORTED_KEY'
  | 'CA_PROOF_OF_POSSESSION_FAILED'
  | 'CA_INVALID_CERTIFICATE_REQUEST'
  | 'CA_CERTIFICATE_NOT_FOUND'
  | 'CA_ATTESTATION_REFUSED';

/** Base class of every error thrown by `appliance/src/ca`. */
export class CaError extends Error {
  readonly code: CaErrorCode;

  constructor(code: CaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The device secret handed to the CA is not a 32-byte key. */
export class InvalidSecretKeyError extends CaError {
  constructor(message: string) {
    super('CA_INVALID_SECRET_KEY', message);
  }
}

/** An option given to the CA (organization, key algorithm, URLs) is unusable. */
export class CaConfigurationError extends CaError {
  constructor(message: string) {
    super('CA_INVALID_CONFIGURATION', message);
  }
}

/**
 * A CA private key file could not be decrypted: the device secret is not the one the key was
 * sealed with, or the file was altered. The CA refuses to start rather than create new keys
 * over the old ones.
 */
export class CaKeyDecryptionError extends CaError {
  constructor(message: string) {
    super('CA_KEY_DECRYPTION_FAILED', message);
  }
}

/** The CA's state directory holds something unreadable or inconsistent (key does not match certificate, …). */
export class CaStateError extends CaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CA_STATE_INVALID', message, options);
  }
}

/** An issuing CA offered for import (certificate, key, chain) was rejected; nothing was changed. */
export class CaImportError extends CaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CA_IMPORT_REJECTED', message, options);
  }
}

/** A key of a type or size the CA does not accept (card keys: P-256, P-384, RSA ≥ 2048). */
export class UnsupportedKeyError extends CaError {
  constructor(message: string) {
    super('CA_UNSUPPORTED_KEY', message);
  }
}

/** The card's signature over the challenge did not verify with the public key to be certified. */
export class ProofOfPossessionError extends CaError {
  constructor(message: string) {
    super('CA_PROOF_OF_POSSESSION_FAILED', message);
  }
}

/** The certificate request breaks the profile or has an impossible validity window. */
export class CertificateRequestError extends CaError {
  constructor(message: string) {
    super('CA_INVALID_CERTIFICATE_REQUEST', message);
  }
}

/** No certificate with that serial was issued by this CA. */
export class CertificateNotFoundError extends CaError {
  constructor(serialHex: string) {
    super('CA_CERTIFICATE_NOT_FOUND', `no certificate with serial ${serialHex} was issued here`);
  }
}

/** The card's statement failed a check: nothing is certified. */
export class AttestationRefusedError extends CaError {
  constructor(message: string) {
    super('CA_ATTESTATION_REFUSED', message);
  }
}
