/**
 * Seed step 6 through the appliance's certificate authority: make a fresh challenge for each
 * certificate, have the card sign it with the key it just generated (proof of possession),
 * and ask the CA to certify that key under the card type's profile.
 */
import type { CertificateAuthority, CertificateProfile } from '../ca/index.js';
import { createPossessionChallenge } from '../ca/index.js';
import type { CardType } from '../core/workflow/processes.js';
import type { CardCertificateIssuer, CardCertificateRequest } from './ports.js';

export class CaCertificateIssuer implements CardCertificateIssuer {
  constructor(
    private readonly ca: CertificateAuthority,
    private readonly profiles: Readonly<Record<CardType, CertificateProfile>>,
  ) {}

  async issue(
    request: CardCertificateRequest,
  ): Promise<{ certificateDer: Uint8Array; serialHex: string }> {
    const challenge = createPossessionChallenge();
    const signature = await request.signWithCardKey(challenge);
    return this.ca.issueCardCertificate({
      publicKeySpkiDer: request.publicKeySpkiDer,
      profile: this.profiles[request.cardType],
      holder: request.holder,
      cardNumber: request.cardNumber,
      notBefore: request.notBefore,
      notAfter: request.notAfter,
      proofOfPossession: { challenge, signature },
    });
  }
}
