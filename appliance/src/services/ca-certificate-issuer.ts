/**
 * Seed step 6 through the appliance's certificate authority: check the card's attestation of
 * its new key as the card type's profile says (ca/card-attestation.ts), make a fresh challenge
 * for each certificate, have the card sign it with the key it just generated (proof of
 * possession), and ask the CA to certify that key under the profile. Nothing is certified
 * when the attestation check refuses the card.
 */
import type {
  AttestationPolicy,
  CardAttestationVerifier,
  CertificateAuthority,
  CertificateProfile,
} from '../ca/index.js';
// Not through ca/index.js: that would load the CA's X.509 library with this module, at start.
import { AttestationRefusedError } from '../ca/ca-errors.js';
import { createPossessionChallenge } from '../ca/proof-of-possession.js';
import type { CardType } from '../core/workflow/processes.js';
import type {
  CardCertificateIssuer,
  CardCertificateRequest,
  KeyAttestationRecord,
} from './ports.js';

export class CaCertificateIssuer implements CardCertificateIssuer {
  constructor(
    private readonly ca: Pick<CertificateAuthority, 'issueCardCertificate'>,
    private readonly profiles: Readonly<Record<CardType, CertificateProfile>>,
    /** Null: no attestation roots configured (attesting cards are recorded as unverified). */
    private readonly attestation: CardAttestationVerifier | null = null,
  ) {}

  async issue(request: CardCertificateRequest): Promise<{
    certificateDer: Uint8Array;
    serialHex: string;
    attestation: KeyAttestationRecord;
  }> {
    const profile = this.profiles[request.cardType];
    const attestation = await this.checkAttestation(
      request,
      profile.attestation ?? 'when-supported',
    );
    const challenge = createPossessionChallenge();
    const signature = await request.signWithCardKey(challenge);
    const issued = await this.ca.issueCardCertificate({
      publicKeySpkiDer: request.publicKeySpkiDer,
      profile,
      holder: request.holder,
      cardNumber: request.cardNumber,
      notBefore: request.notBefore,
      notAfter: request.notAfter,
      proofOfPossession: { challenge, signature },
    });
    return { ...issued, attestation };
  }

  private async checkAttestation(
    request: CardCertificateRequest,
    policy: AttestationPolicy,
  ): Promise<KeyAttestationRecord> {
    if (policy === 'off')
      return { outcome: 'not_checked', detail: 'attestation is off in the certificate profile' };
    const evidence = request.attest ? await request.attest() : undefined;
    if (!evidence) {
      if (policy === 'required') {
        throw new AttestationRefusedError(
          'the card cannot attest that its key was generated on it, and the certificate profile requires attestation',
        );
      }
      return { outcome: 'not_supported', detail: 'the card cannot attest its keys' };
    }
    if (!this.attestation?.hasRoots) {
      if (policy === 'required') {
        throw new AttestationRefusedError(
          'no attestation root is configured, and the certificate profile requires attestation',
        );
      }
      return {
        outcome: 'unverified',
        detail: 'the card attested its key, but no attestation root is configured to check it',
      };
    }
    return this.attestation.verify({
      statementDer: evidence.statementDer,
      attestationCertificateDer: evidence.attestationCertificateDer,
      publicKeySpkiDer: request.publicKeySpkiDer,
      ...(request.chipSerial !== undefined ? { chipSerial: request.chipSerial } : {}),
    });
  }
}
