// The certificate authority module's public surface: the CA itself, its persistence port, the
// certificate profiles and the proof-of-possession challenge. See certificate-authority.ts.

export * from './ca-errors.js';
export type {
  CaStateStore,
  IssuedCertificateRecord,
  RevocationReason,
  RevocationRecord,
} from './ca-state-store.js';
export { REVOCATION_REASONS } from './ca-state-store.js';
export { InMemoryCaStateStore } from './in-memory-ca-state-store.js';
export {
  configuredProfiles,
  defaultCertificateProfiles,
  EKU_CLIENT_AUTH_OID,
  EKU_SMART_CARD_LOGON_OID,
  UPN_OTHER_NAME_OID,
  type CardType,
  type CertificateProfile,
  type SanPolicy,
} from './certificate-profile.js';
export {
  createPossessionChallenge,
  POSSESSION_CHALLENGE_BYTES,
  type ProofOfPossession,
} from './proof-of-possession.js';
export {
  CRL_REFRESH_MS,
  CRL_VALIDITY_MS,
  MAX_CLOCK_BEHIND_ISSUER_MS,
  LocalCertificateAuthority,
  type CaKeyAlgorithm,
  type CardObjectSigningAuthority,
  type CardCertificateRequest,
  type CardHolder,
  type CertificateAuthority,
  type CertificateAuthorityOptions,
  type IssuedCardCertificate,
  type IssuingCaImport,
} from './certificate-authority.js';
export {
  ldsSecurityObject,
  OID as CARD_OBJECT_OID,
  type ContentSigningKey,
  type DataGroupContent,
} from './card-object-signing.js';
export { CONTENT_SIGNER_FILE } from './content-signer.js';
export {
  CardAttestationVerifier,
  parsePemBundle,
  YUBICO_ATTESTATION_OID,
  type AttestationEvidence,
  type AttestationOutcome,
  type AttestationPolicy,
  type AttestationRecord,
} from './card-attestation.js';
