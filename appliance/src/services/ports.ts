/**
 * What services need from the world besides the store: a logger, the card artwork renderer
 * and the certificate issuer. Implementations are chosen in main.ts.
 */
import type { CardArtwork } from '../../../drivers/printer/card-printer.js';
import type { CardAttestation, KeyAlgorithm } from '../../../drivers/encoder/piv-encoder.js';
import type { CardType } from '../core/workflow/processes.js';

export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export const silentLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
  child: () => silentLogger,
};

export interface CardLayoutInput {
  cardType: CardType;
  holderName: string;
  company?: string;
  photo?: { mimeType: string; data: Uint8Array };
  cardNumber: string;
  validFrom: string;
  validUntil: string;
  siteName: string;
  /** The site's logo, printed in the card's band. */
  siteLogo?: { mimeType: string; data: Uint8Array };
  /** The site's accent colour (#rrggbb), a stripe under the card type's band. */
  accentColor?: string;
}

export interface CardArtworkRenderer {
  render(input: CardLayoutInput): Promise<CardArtwork>;
  /** A PNG of one side for staff to check before production; back only for card types with one. */
  preview(input: CardLayoutInput, side: 'front' | 'back'): Promise<Uint8Array>;
}

export interface DeviceReadiness {
  ready: boolean;
  /** Plain words for the walk-up screen when not ready. */
  reason: string | null;
}

export interface CardCertificateRequest {
  cardNumber: string;
  cardType: CardType;
  holder: { name: string; email?: string; upn?: string; company?: string };
  algorithm: KeyAlgorithm;
  publicKeySpkiDer: Uint8Array;
  signWithCardKey(data: Uint8Array): Promise<Uint8Array>;
  /** The chip serial the encoder read, checked against the attestation statement. */
  chipSerial?: string;
  /** Asks the card to attest the key; undefined when the card cannot. */
  attest?(): Promise<CardAttestation | undefined>;
  notBefore: Date;
  notAfter: Date;
}

/** What the CA found out about the card key before certifying it (ca/card-attestation.ts). */
export interface KeyAttestationRecord {
  outcome: 'verified' | 'not_supported' | 'unverified' | 'not_checked';
  detail: string;
}

/** The device CA's content signer, for the CHUID and the Security Object of every card. */
export interface CardContentSigner {
  signChuid(signedContent: Uint8Array): Promise<Uint8Array>;
  signSecurityObject(
    groups: readonly { dataGroup: number; content: Uint8Array }[],
  ): Promise<Uint8Array>;
}

export type RevocationReason =
  'keyCompromise' | 'cessationOfOperation' | 'affiliationChanged' | 'superseded' | 'unspecified';

/** Revocation and the CRL, from the certificate authority. */
export interface CertificateRevocation {
  /** Idempotent: revoking again keeps the first reason and date. */
  revoke(serialHex: string, reason: RevocationReason, at: Date): Promise<void>;
  currentCrlDer(): Promise<Uint8Array>;
  /** RFC 5280 certificateHold; a held or revoked certificate stays as it is. */
  hold(serialHex: string, at: Date): Promise<void>;
  /** Ends a hold (removeFromCRL in the delta CRL); nothing when not on hold. */
  releaseHold(serialHex: string, at: Date): Promise<void>;
  currentDeltaCrlDer(): Promise<Uint8Array>;
  /** A CA loaded on first use (ca/lazy-certificate-authority.ts) reads its files first. */
  chainPem(): string | Promise<string>;
}

/** Step 6 of the seed: the CA issues a certificate for a key generated on the card. */
export interface CardCertificateIssuer {
  issue(request: CardCertificateRequest): Promise<{
    certificateDer: Uint8Array;
    serialHex: string;
    attestation?: KeyAttestationRecord;
  }>;
}
