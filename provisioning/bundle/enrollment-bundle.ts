/**
 * The enrollment bundle: everything a central admin decides about one device (site, enabled
 * processes, card-number ranges, approval policy, the centre's URLs and trust anchors, the PUK
 * escrow key), signed with the central admin's Ed25519 key, plus the one-time claim token the
 * device spends at the EST server.
 *
 * Format (JSON): `{ format, keyId, payload, signature, claimToken? }`. `payload` is the
 * base64url of the payload's JSON bytes and the signature covers exactly those bytes, so no
 * JSON canonicalisation is needed. The claim token stays outside the signature (it is a secret
 * the centre stores only as a hash, and a bundle fetched by URL comes without it); the payload
 * carries its SHA-256 so the device can tell a token that belongs to another enrollment.
 */
import {
  createHash,
  createPublicKey,
  sign,
  timingSafeEqual,
  verify,
  type KeyObject,
} from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ProvisioningError } from '../errors.js';

export const BUNDLE_FORMAT = 'cardkiosk-enrollment-bundle/1';

export const EnrollmentPayloadSchema = Type.Object({
  enrollmentId: Type.String({ pattern: '^[A-Za-z0-9-]{8,64}$' }),
  /** The device's name at the centre: the CN of its client certificate. */
  deviceName: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$' }),
  issuedAt: Type.String(),
  /** After this the device refuses the bundle and the EST server the claim token. */
  claimExpiresAt: Type.String(),
  claimTokenSha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  /** 'required': only processes with an approval step may be enabled. */
  approvalPolicy: Type.Union([Type.Literal('required'), Type.Literal('per-process')]),
  /** Device configuration overrides (state/config.json keys): site name, processes, ranges… */
  config: Type.Record(Type.String(), Type.Unknown()),
  central: Type.Object({
    estUrl: Type.String(),
    scimUrl: Type.Optional(Type.String()),
    /** P-256 SPKI PEM the device seals PUKs to. */
    escrowPublicKeyPem: Type.Optional(Type.String()),
    /**
     * Who certifies the device's issuing CA: 'central' (EST label `issuing-ca`, so cards chain
     * to the central CA) or 'local' (the device keeps its own root). Absent in bundles made
     * before the centre could certify issuing CAs: those keep the local root.
     */
    issuingCa: Type.Optional(Type.Union([Type.Literal('central'), Type.Literal('local')])),
  }),
  /** The central CA certificate(s), PEM: TLS to the centre and the device certificate chain. */
  trustAnchorsPem: Type.String({ minLength: 1 }),
});

export type EnrollmentPayload = Static<typeof EnrollmentPayloadSchema>;

export interface SignedEnrollmentBundle {
  format: typeof BUNDLE_FORMAT;
  keyId: string;
  payload: string;
  signature: string;
  claimToken?: string;
}

/** SHA-256 of the key's SPKI, hex: names the admin key without showing it. */
export function publicKeyId(key: KeyObject | string): string {
  const publicKey = typeof key !== 'string' && key.type === 'public' ? key : createPublicKey(key);
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

export function claimTokenSha256(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function signEnrollmentBundle(
  payload: EnrollmentPayload,
  adminPrivateKey: KeyObject,
  claimToken?: string,
): SignedEnrollmentBundle {
  const bytes = Buffer.from(JSON.stringify(payload), 'utf8');
  return {
    format: BUNDLE_FORMAT,
    keyId: publicKeyId(adminPrivateKey),
    payload: bytes.toString('base64url'),
    // Ed25519 takes no separate digest (algorithm null).
    signature: sign(null, bytes, adminPrivateKey).toString('base64url'),
    ...(claimToken !== undefined ? { claimToken } : {}),
  };
}

/** Parses bundle JSON text; errors: BUNDLE_MALFORMED. */
export function parseEnrollmentBundle(text: string): SignedEnrollmentBundle {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProvisioningError('BUNDLE_MALFORMED', 'the enrollment bundle is not JSON');
  }
  const b = value as Partial<SignedEnrollmentBundle>;
  if (
    typeof value !== 'object' ||
    value === null ||
    b.format !== BUNDLE_FORMAT ||
    typeof b.payload !== 'string' ||
    typeof b.signature !== 'string' ||
    typeof b.keyId !== 'string' ||
    (b.claimToken !== undefined && typeof b.claimToken !== 'string')
  ) {
    throw new ProvisioningError(
      'BUNDLE_MALFORMED',
      `the enrollment bundle is not a ${BUNDLE_FORMAT} document`,
    );
  }
  return b as SignedEnrollmentBundle;
}

/**
 * Checks the signature against the pinned admin key, then the payload's shape and expiry, and
 * that the claim token (when given) is the one the payload names. Errors: BUNDLE_MALFORMED,
 * BUNDLE_SIGNATURE_INVALID, BUNDLE_EXPIRED, CLAIM_TOKEN_MISMATCH.
 */
export function verifyEnrollmentBundle(
  bundle: SignedEnrollmentBundle,
  adminPublicKeyPem: string,
  now: Date,
  claimToken: string | undefined = bundle.claimToken,
): EnrollmentPayload {
  const adminKey = createPublicKey(adminPublicKeyPem);
  const bytes = Buffer.from(bundle.payload, 'base64url');
  const signature = Buffer.from(bundle.signature, 'base64url');
  if (!verify(null, bytes, adminKey, signature)) {
    throw new ProvisioningError(
      'BUNDLE_SIGNATURE_INVALID',
      `the enrollment bundle is not signed by the pinned central admin key (${publicKeyId(adminKey).slice(0, 16)}…)`,
    );
  }
  let payload: unknown;
  try {
    payload = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ProvisioningError('BUNDLE_MALFORMED', 'the signed payload is not JSON');
  }
  if (!Value.Check(EnrollmentPayloadSchema, payload)) {
    const first = [...Value.Errors(EnrollmentPayloadSchema, payload)][0];
    throw new ProvisioningError(
      'BUNDLE_MALFORMED',
      `the signed payload is incomplete: ${first?.path || '/'} ${first?.message ?? ''}`.trim(),
    );
  }
  const expires = Date.parse(payload.claimExpiresAt);
  if (!Number.isFinite(expires) || expires <= now.getTime()) {
    throw new ProvisioningError(
      'BUNDLE_EXPIRED',
      `the enrollment bundle expired at ${payload.claimExpiresAt}; ask the central admin for a new one`,
    );
  }
  if (claimToken !== undefined) {
    const given = Buffer.from(claimTokenSha256(claimToken), 'hex');
    if (!timingSafeEqual(given, Buffer.from(payload.claimTokenSha256, 'hex'))) {
      throw new ProvisioningError(
        'CLAIM_TOKEN_MISMATCH',
        'the claim token does not belong to this enrollment bundle',
      );
    }
  }
  return payload;
}
