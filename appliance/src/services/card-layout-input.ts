/** What a card's layout shows, from its holder and card object: the same for print and preview. */
import type { CardRecord, PersonRecord } from '../core/records.js';
import type { CardLayoutInput } from './ports.js';

/** The site's logo and accent colour, when configured (see appliance/src/site-identity.ts). */
export interface SiteBranding {
  logo?: { mimeType: string; data: Uint8Array } | null;
  accentColor?: string | null;
}

export function cardLayoutInput(
  person: PersonRecord,
  card: Pick<CardRecord, 'cardType' | 'cardNumber' | 'validFrom' | 'validUntil'>,
  siteName: string,
  identity: SiteBranding = {},
): CardLayoutInput {
  return {
    cardType: card.cardType,
    holderName: person.name,
    ...(person.company ? { company: person.company } : {}),
    ...(person.photo ? { photo: person.photo } : {}),
    cardNumber: card.cardNumber,
    validFrom: card.validFrom,
    validUntil: card.validUntil,
    siteName,
    ...(identity.logo ? { siteLogo: identity.logo } : {}),
    ...(identity.accentColor ? { accentColor: identity.accentColor } : {}),
  };
}
