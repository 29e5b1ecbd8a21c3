// The CA's persistence port: the little the certificate authority must remember across restarts
// besides its keys (which live encrypted in its state directory). The production adapter is
// SQLite, written with the app's migrations; `InMemoryCaStateStore` serves tests. Keep this
// interface small: every method is one statement in SQL.

export type RevocationReason =
  'keyCompromise' | 'cessationOfOperation' | 'affiliationChanged' | 'superseded' | 'unspecified';

export const REVOCATION_REASONS: readonly RevocationReason[] = [
  'keyCompromise',
  'cessationOfOperation',
  'affiliationChanged',
  'superseded',
  'unspecified',
];

/** One certificate the CA issued. */
export interface IssuedCertificateRecord {
  /** Serial as lowercase hex without separators or leading 00 (32 hex digits); the key. */
  readonly serialHex: string;
  readonly cardNumber: string;
  readonly certificateDer: Uint8Array;
  readonly notAfter: Date;
  readonly issuedAt: Date;
  /**
   * Subject key identifier (lowercase hex) of the issuing CA that signed it: after a provisioned
   * device imports a new issuing CA, each CRL lists only its own issuer's certificates.
   */
  readonly issuerKeyIdHex: string;
}

/** One revocation; a serial is revoked at most once (the first revocation stands). */
export interface RevocationRecord {
  readonly serialHex: string;
  readonly reason: RevocationReason;
  readonly revokedAt: Date;
  /** Copied from the issued record so that listing a CRL's entries is one query. */
  readonly issuerKeyIdHex: string;
  /** Copied from the issued record: a CRL may drop entries whose certificate has expired. */
  readonly certificateNotAfter: Date;
}

/**
 * A certificate on hold (RFC 5280 reason certificateHold): listed on the CRL while held; when
 * released it leaves the next complete CRL and a delta CRL says removeFromCRL. A certificate can
 * be held again after a release (one row per serial, the latest hold).
 */
export interface HoldRecord {
  readonly serialHex: string;
  readonly heldAt: Date;
  /** Null while the hold stands. */
  readonly releasedAt: Date | null;
  readonly issuerKeyIdHex: string;
  readonly certificateNotAfter: Date;
}

/** A complete CRL this CA signed: the base a delta CRL refers to. */
export interface CompleteCrlRecord {
  readonly crlNumber: bigint;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly issuerKeyIdHex: string;
}

/**
 * Contract: methods are async and may run concurrently; each must be atomic on its own. Dates
 * are stored with at least millisecond precision; byte arrays are stored and returned intact
 * (the store must not keep a reference to a caller's array).
 */
export interface CaStateStore {
  /** Records a newly issued certificate. Rejects if the serial is already recorded. */
  saveIssuedCertificate(record: IssuedCertificateRecord): Promise<void>;
  /** The issued certificate with that serial, or undefined. */
  findIssuedCertificate(serialHex: string): Promise<IssuedCertificateRecord | undefined>;
  /**
   * Records a revocation unless the serial already has one (SQL: INSERT OR IGNORE).
   * Resolves true when this call recorded it, false when an earlier revocation stands.
   */
  saveRevocation(record: RevocationRecord): Promise<boolean>;
  /** Every revocation of certificates signed by the issuing CA with that key id, any order. */
  listRevocations(issuerKeyIdHex: string): Promise<RevocationRecord[]>;
  /**
   * Returns the next CRL number and advances it, atomically: 1 on a fresh store, then strictly
   * increasing for the life of the device (RFC 5280 §5.2.3), also across restarts.
   */
  allocateCrlNumber(): Promise<bigint>;
  /** Records a hold, or holds again a released one. Resolves false when a hold already stands. */
  saveHold(record: Omit<HoldRecord, 'releasedAt'>): Promise<boolean>;
  /** Releases a standing hold; resolves false when there was none. */
  releaseHold(serialHex: string, at: Date): Promise<boolean>;
  /** Every hold (standing or released) of certificates signed by that issuing CA. */
  listHolds(issuerKeyIdHex: string): Promise<HoldRecord[]>;
  /** Remembers a complete CRL that was signed (for delta CRLs). */
  saveCompleteCrl(record: CompleteCrlRecord): Promise<void>;
  /** The oldest complete CRL of that issuer whose nextUpdate is after `at`: a relying party may still hold it. */
  oldestCurrentCompleteCrl(
    issuerKeyIdHex: string,
    at: Date,
  ): Promise<CompleteCrlRecord | undefined>;
}
