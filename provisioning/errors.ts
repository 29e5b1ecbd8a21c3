/**
 * Typed errors of provisioning (enrollment bundles, EST, the device's identity, factory reset).
 * Callers branch on `code`; messages never carry a claim token, a key or a passcode.
 */

export type ProvisioningErrorCode =
  | 'BUNDLE_MALFORMED'
  | 'BUNDLE_SIGNATURE_INVALID'
  | 'BUNDLE_EXPIRED'
  | 'CLAIM_TOKEN_MISMATCH'
  | 'CLAIM_TOKEN_UNKNOWN'
  | 'CLAIM_TOKEN_USED'
  | 'CLAIM_TOKEN_EXPIRED'
  | 'ENROLLMENT_REVOKED'
  | 'ENROLLMENT_NOT_FOUND'
  | 'EST_BAD_REQUEST'
  | 'EST_UNAUTHORIZED'
  | 'EST_FAILED'
  | 'CERTIFICATE_INVALID'
  | 'NOT_PROVISIONED'
  | 'CONFIG_INVALID'
  | 'UNSYNCED_CARD_OBJECTS';

export class ProvisioningError extends Error {
  override readonly name = 'ProvisioningError';
  constructor(
    readonly code: ProvisioningErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The codes an EST server may answer with (in the X-Cardkiosk-Error header). */
export const EST_REFUSAL_CODES = [
  'CLAIM_TOKEN_UNKNOWN',
  'CLAIM_TOKEN_USED',
  'CLAIM_TOKEN_EXPIRED',
  'ENROLLMENT_REVOKED',
  'EST_BAD_REQUEST',
  'EST_UNAUTHORIZED',
] as const satisfies readonly ProvisioningErrorCode[];
