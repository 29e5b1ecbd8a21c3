/**
 * The smart-card encoder as the appliance sees it: personalise the PIV application of the
 * card currently in the encoder's reader. Implementations: a PC/SC reader through pcscd,
 * or the simulated PIV card in-process. Calls are serialised; every card exchange is
 * bounded by a timeout. Errors are DeviceError with a stable code; messages never carry
 * PINs, PUKs or keys.
 */

export type KeyAlgorithm = 'ECCP256' | 'RSA2048';

export interface CertificateRequestFromCard {
  algorithm: KeyAlgorithm;
  /** SubjectPublicKeyInfo (DER) of the key pair generated on the card. */
  publicKeySpkiDer: Uint8Array;
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
  /** The per-card management key (3DES, 24 bytes) that replaces the factory key. */
  managementKey: Uint8Array;
  /** Present for Digital ID: generate a key in slot 9A and store the issued certificate. */
  digital?: DigitalIdPersonalization;
}

export interface PersonalizationResult {
  /** The card's serial number or chip UID, hex or decimal as the card reports it. */
  chipSerial: string;
  /** The certificate written to slot 9A (Digital ID only). */
  certificateDer?: Uint8Array;
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
  onStatus(listener: (status: EncoderStatus) => void): () => void;
  close(): Promise<void>;
}
