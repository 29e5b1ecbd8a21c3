// Certificate profiles: what a card certificate of each card type contains. Profiles are data so
// that a site's configuration can replace them; `defaultCertificateProfiles` is what a device
// uses when its configuration says nothing. The CA validates a profile before using it, so a bad
// configuration fails the first issuance loudly instead of producing odd certificates.

import { CertificateRequestError } from './ca-errors.js';
import type { AttestationPolicy } from './card-attestation.js';

export type CardType = 'employee' | 'contractor' | 'visitor';

/**
 * How a subject-alternative-name entry is filled from the holder: `required` fails the request
 * when the holder lacks the value, `if-present` adds it when known, `never` leaves it out.
 */
export type SanPolicy = 'required' | 'if-present' | 'never';

/** Extended key usage: TLS client authentication (RFC 5280 §4.2.1.12). */
export const EKU_CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';
/** Extended key usage: Microsoft smart-card logon. */
export const EKU_SMART_CARD_LOGON_OID = '1.3.6.1.4.1.311.20.2.2';
/** otherName type of a Microsoft user principal name in the SAN. */
export const UPN_OTHER_NAME_OID = '1.3.6.1.4.1.311.20.2.3';

const MS_PER_DAY = 86_400_000;

export interface CertificateProfile {
  readonly cardType: CardType;
  /**
   * Subject O: `ca` puts the CA's organization, `holder-company` the holder's company (falling
   * back to the CA's organization when the holder has none).
   */
  readonly subjectOrganization: 'ca' | 'holder-company';
  /** Subject OU, when set (e.g. "Visitors"). */
  readonly organizationalUnit?: string;
  /** rfc822Name in the SAN from `holder.email`. */
  readonly email: SanPolicy;
  /** otherName UPN (1.3.6.1.4.1.311.20.2.3) in the SAN from `holder.upn`. */
  readonly upn: SanPolicy;
  /** Extended key usage OIDs, in the order they appear in the certificate. */
  readonly extendedKeyUsages: readonly string[];
  /**
   * Upper bound on a certificate's lifetime in days, a safety net under the caller's notAfter
   * (which already follows the card's validity).
   */
  readonly maxValidityDays: number;
  /**
   * Key attestation before certification (card-attestation.ts): `required` refuses a card
   * that cannot attest; `when-supported` (default) checks every card that can and accepts
   * one that cannot; `off` never asks.
   */
  readonly attestation?: AttestationPolicy;
}

const CARD_EKUS = [EKU_CLIENT_AUTH_OID, EKU_SMART_CARD_LOGON_OID] as const;

export const defaultCertificateProfiles: Readonly<Record<CardType, CertificateProfile>> = {
  employee: {
    cardType: 'employee',
    subjectOrganization: 'ca',
    organizationalUnit: 'Employees',
    email: 'if-present',
    upn: 'required',
    extendedKeyUsages: CARD_EKUS,
    maxValidityDays: 5 * 366,
  },
  contractor: {
    cardType: 'contractor',
    subjectOrganization: 'holder-company',
    organizationalUnit: 'Contractors',
    email: 'if-present',
    upn: 'never',
    extendedKeyUsages: CARD_EKUS,
    maxValidityDays: 2 * 366,
  },
  visitor: {
    cardType: 'visitor',
    subjectOrganization: 'holder-company',
    organizationalUnit: 'Visitors',
    email: 'if-present',
    upn: 'never',
    extendedKeyUsages: CARD_EKUS,
    // A visitor card ends with the day; one day covers any start time within that day.
    maxValidityDays: 1,
  },
};

const OID_PATTERN = /^[0-2](\.(0|[1-9][0-9]*))+$/;
const SAN_POLICIES: readonly SanPolicy[] = ['required', 'if-present', 'never'];

/** Throws `CertificateRequestError` when a (configured) profile cannot be used. */
export function assertValidProfile(profile: CertificateProfile): void {
  const where = `certificate profile for ${String(profile.cardType)}`;
  if (!['employee', 'contractor', 'visitor'].includes(profile.cardType)) {
    throw new CertificateRequestError(`${where}: unknown card type`);
  }
  if (!['ca', 'holder-company'].includes(profile.subjectOrganization)) {
    throw new CertificateRequestError(`${where}: subjectOrganization must be ca or holder-company`);
  }
  if (!SAN_POLICIES.includes(profile.email) || !SAN_POLICIES.includes(profile.upn)) {
    throw new CertificateRequestError(
      `${where}: email and upn must be one of ${SAN_POLICIES.join(', ')}`,
    );
  }
  if (profile.extendedKeyUsages.length === 0) {
    throw new CertificateRequestError(`${where}: at least one extended key usage is needed`);
  }
  for (const oid of profile.extendedKeyUsages) {
    if (!OID_PATTERN.test(oid)) {
      throw new CertificateRequestError(`${where}: ${JSON.stringify(oid)} is not an OID`);
    }
  }
  if (
    profile.attestation !== undefined &&
    !['required', 'when-supported', 'off'].includes(profile.attestation)
  ) {
    throw new CertificateRequestError(
      `${where}: attestation must be required, when-supported or off`,
    );
  }
  if (!Number.isInteger(profile.maxValidityDays) || profile.maxValidityDays < 1) {
    throw new CertificateRequestError(`${where}: maxValidityDays must be a positive integer`);
  }
}

/** The profile's lifetime cap in milliseconds. */
export function maxValidityMs(profile: CertificateProfile): number {
  return profile.maxValidityDays * MS_PER_DAY;
}

/**
 * The device's profiles: the defaults with the site's configured overrides per card type,
 * each checked, so a bad configuration stops the service at start-up rather than at issuance.
 */
export function configuredProfiles(
  overrides: Partial<Record<CardType, Partial<Omit<CertificateProfile, 'cardType'>>>> = {},
): Readonly<Record<CardType, CertificateProfile>> {
  const profiles = {} as Record<CardType, CertificateProfile>;
  for (const cardType of ['employee', 'contractor', 'visitor'] as const) {
    const profile = { ...defaultCertificateProfiles[cardType], ...overrides[cardType], cardType };
    assertValidProfile(profile);
    profiles[cardType] = profile;
  }
  return profiles;
}
