/**
 * The smart-card encoder as the appliance sees it: personalise the PIV application of the
 * card currently in the encoder's reader. Implementations: a PC/SC reader through pcscd,
 * or the simulated PIV card in-process. Calls are serialised; every card exchange is
 * bounded by a timeout. Errors are DeviceError with a stable code; messages never carry
 * PINs, PUKs or keys.
 */

export type KeyAlgorithm = 'ECCP256' | 'RSA2048';

/** What a card says about a key it generated (YubiKey-compatible ATTEST, slot F9). */
export interface CardAttestation {
  /** The attestation statement: an X.509 certificate for the slot's key, signed by F9. */
  statementDer: Uint8Array;
  /** The card's attestation certificate (data object 5F FF 01), issuer of the statement. */
  attestationCertificateDer: Uint8Array;
}

export interface CertificateRequestFromCard {
  algorithm: KeyAlgorithm;
  /** SubjectPublicKeyInfo (DER) of the key pair generated on the card. */
  publicKeySpkiDer: Uint8Array;
  /** The chip serial the encoder read (GET SERIAL, decimal) before the key was generated. */
  chipSerial?: string;
  /**
   * Ask the card to attest the new key. Undefined when the card cannot attest (no ATTEST
   * instruction or no attestation certificate). Errors: DeviceError CARD_ERROR.
   */
  attest?(): Promise<CardAttestation | undefined>;
  /**
   * Sign data with the new card key (after PIN verification), for proof of possession.
   * ECC: returns a DER ECDSA signature over SHA-256(data). RSA: PKCS#1 v1.5 over SHA-256(data).
   */
  signWithCardKey(data: Uint8Array): Promise<Uint8Array>;
}

export interface DigitalIdPersonalization {
  algorithm: KeyAlgorithm;
  /** Called once the key pair exists on the card; returns the certificate (DER) to store. */
  issueCertificate(request: CertificateRequestFromCard): Promise<Uint8Array>;
}

/** One data group the Security Object covers: its number and the container content written. */
export interface SecurityObjectDataGroup {
  dataGroup: number;
  /** Container id (SP 800-73-4 Part 1 Table 2, e.g. 0x3000 CHUID). */
  containerId: number;
  content: Uint8Array;
}

/**
 * The issuer's content signer (SP 800-73-4 Part 1 §3.1.2, §3.3.3; SP 800-78-4): signs the
 * CHUID and the Security Object. Both return a CMS ContentInfo with SignedData (DER).
 */
export interface CardObjectSigner {
  /** Detached signature over the CHUID's content without its signature and EDC fields. */
  signChuid(signedContent: Uint8Array): Promise<Uint8Array>;
  /** SignedData encapsulating an LDSSecurityObject with the data groups' hashes. */
  signSecurityObject(dataGroups: readonly SecurityObjectDataGroup[]): Promise<Uint8Array>;
}

export interface PersonalizationRequest {
  /** The appliance's card number (digits, check digit included). */
  cardNumber: string;
  /** 16-byte GUID for the CHUID. */
  guid: Uint8Array;
  /** Card expiry, 'YYYY-MM-DD'. */
  expiryDate: string;
  pin: string;
  puk: string;
  pinRetries: number;
  pukRetries: number;
  /**
   * The per-card management key material that replaces the factory key: 24 bytes (3DES,
   * AES-192; AES-128 uses its first 16) or 32 (AES-256 too). The encoder picks the strongest
   * algorithm the card takes (see management-key-algorithm.ts) and uses the leading bytes.
   */
  managementKey: Uint8Array;
  /** Signs the CHUID and the Security Object; without it both stay unsigned/absent. */
  contentSigner?: CardObjectSigner;
  /** Present for Digital ID: generate a key in slot 9A and store the issued certificate. */
  digital?: DigitalIdPersonalization;
}

export interface PersonalizationResult {
  /** The card's serial number or chip UID, hex or decimal as the card reports it. */
  chipSerial: string;
  /** The certificate written to slot 9A (Digital ID only). */
  certificateDer?: Uint8Array;
  /** The algorithm of the per-card management key now on the card ('3DES', 'AES-192', …). */
  managementKeyAlgorithm: string;
  /** GET VERSION of the card, when it answers it. */
  cardVersion?: string;
  /** The card now carries a signed CHUID and a Security Object. */
  signedObjects: boolean;
  /** Counters for benchmarks. */
  apdusExchanged: number;
  bytesOnWire: number;
}

export interface EncoderStatus {
  readerName?: string;
  readerPresent: boolean;
  cardPresent: boolean;
}

export type {
  PinChangeRequest,
  PinOperationResult,
  PinUnblockRequest,
} from './piv-pin-operations.js';
import type {
  PinChangeRequest,
  PinOperationResult,
  PinUnblockRequest,
} from './piv-pin-operations.js';

export type { CardIdentity } from './piv-card-identity.js';
import type { CardIdentity } from './piv-card-identity.js';
export type { DigitalIdRenewalRequest, DigitalIdRenewalResult } from './piv-renewal.js';
import type { DigitalIdRenewalRequest, DigitalIdRenewalResult } from './piv-renewal.js';

export interface PivEncoder {
  /** 'pcsc' for a reader through pcscd, 'simulated' for the in-process card. */
  readonly kind: 'pcsc' | 'simulated';
  status(): Promise<EncoderStatus>;
  /**
   * Personalise the card now in the reader and verify by reading back what was written.
   * Throws DeviceError: CARD_REMOVED, READER_NOT_FOUND, CARD_NOT_SUPPORTED,
   * CARD_VERIFY_FAILED, DEVICE_TIMEOUT, CARD_ERROR.
   */
  personalize(request: PersonalizationRequest): Promise<PersonalizationResult>;
  /**
   * Unblock the PIN of the card now in the reader with its PUK and set a new PIN (RESET
   * RETRY COUNTER). Refuses a card whose CHUID GUID differs (CARD_MISMATCH). Throws
   * DeviceError: CARD_WRONG_SECRET (wrong PUK; a try is used), CARD_SECRET_BLOCKED,
   * CARD_REMOVED, READER_NOT_FOUND, DEVICE_TIMEOUT, CARD_ERROR.
   */
  unblockPin(request: PinUnblockRequest): Promise<PinOperationResult>;
  /** Change the PIN with the current one (CHANGE REFERENCE DATA); errors as unblockPin. */
  changePin(request: PinChangeRequest): Promise<PinOperationResult>;
  /**
   * Which card is in the reader: its CHUID GUID and FASC-N, read without a PIN. Throws
   * DeviceError: CARD_REMOVED (no chip card in the reader), CARD_NOT_SUPPORTED (no PIV
   * application or CHUID), READER_NOT_FOUND, DEVICE_TIMEOUT, CARD_ERROR.
   */
  readCardIdentity(): Promise<CardIdentity>;
  /**
   * Renew the Digital ID of the card now in the reader on its chip: new key in 9A, the
   * issued certificate written, the Security Object signed again (piv-renewal.ts). Refuses a
   * card whose CHUID GUID differs (CARD_MISMATCH); errors as unblockPin and personalize.
   */
  renewDigitalId(request: DigitalIdRenewalRequest): Promise<DigitalIdRenewalResult>;
  onStatus(listener: (status: EncoderStatus) => void): () => void;
  close(): Promise<void>;
}
