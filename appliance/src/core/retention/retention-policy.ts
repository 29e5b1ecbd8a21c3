/**
 * How long each kind of data is kept, and the sentences the kiosk's terms screen shows about
 * it, written from the same settings so the terms never promise what the device does not
 * do. Kinds: visitor details (name, company, e-mail of visitors and contractors), photos,
 * requests (a finished request with its history, production attempts and card object), and
 * the audit trail. A period counts from the last thing that happened to the data (the visit
 * ended, the card stopped being valid, the request finished). Pure; depends on nothing.
 */

export const RETENTION_KINDS = ['visitorDetails', 'photos', 'requests', 'audit'] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];

/** Days to keep each kind; null keeps it until staff delete it. */
export type RetentionPolicy = Record<RetentionKind, number | null>;

export const RETENTION_DEFAULTS: RetentionPolicy = {
  visitorDetails: 30,
  photos: 1,
  requests: 365,
  audit: 730,
};

const DAY_MS = 24 * 60 * 60 * 1000;

/** The instant before which data of this kind is due for deletion at `now`; null: never. */
export function retentionCutoff(
  policy: RetentionPolicy,
  kind: RetentionKind,
  now: Date,
): Date | null {
  const days = policy[kind];
  return days === null ? null : new Date(now.getTime() - days * DAY_MS);
}

export type TermsLanguage = 'en' | 'nl';
export const TERMS_LANGUAGES: readonly TermsLanguage[] = ['en', 'nl'];

/** "deleted …" phrase, or the honest alternative when nothing deletes it. */
function deleted(days: number | null, lang: TermsLanguage, plural = false): string {
  if (days === null)
    return lang === 'nl'
      ? `bewaard tot het personeel ${plural ? 'ze' : 'hem'} verwijdert`
      : `kept until staff delete ${plural ? 'them' : 'it'}`;
  if (days === 0)
    return lang === 'nl'
      ? 'verwijderd op de dag dat uw bezoek eindigt'
      : 'deleted on the day your visit ends';
  if (lang === 'nl')
    return `verwijderd ${days} ${days === 1 ? 'dag' : 'dagen'} nadat uw bezoek eindigt`;
  return `deleted ${days} ${days === 1 ? 'day' : 'days'} after your visit ends`;
}

const CONDUCT: Record<TermsLanguage, string> = {
  en: 'While on site you wear your card where it can be seen, you stay with your host in areas marked for escorted visitors, and you return the card when you leave.',
  nl: 'Op het terrein draagt u uw pas zichtbaar, blijft u bij uw gastheer of gastvrouw in ruimtes voor begeleide bezoekers, en levert u de pas in wanneer u vertrekt.',
};

/** The terms text for the kiosk: conduct, then exactly what is kept and when it is deleted. */
export function termsText(policy: RetentionPolicy, lang: TermsLanguage, siteName: string): string {
  if (lang === 'nl') {
    return [
      CONDUCT.nl,
      `${siteName} gebruikt uw naam, bedrijf, e-mailadres, gastheer of gastvrouw en doel om bezoekerstoegang te regelen; ze worden ${deleted(policy.visitorDetails, 'nl', true)}.`,
      `Uw foto wordt ${deleted(policy.photos, 'nl')}.`,
      `Uw aanvraag en de gegevens van uw pas worden ${deleted(policy.requests, 'nl', true)}.`,
      `Het logboek van wie wat deed wordt ${policy.audit === null ? 'bewaard tot het personeel het opschoont' : `${policy.audit} dagen bewaard`}.`,
      'U kunt aan de balie vragen uw gegevens eerder te wissen.',
    ].join(' ');
  }
  return [
    CONDUCT.en,
    `${siteName} uses your name, company, e-mail address, host and purpose to run visitor access; they are ${deleted(policy.visitorDetails, 'en', true)}.`,
    `Your photo is ${deleted(policy.photos, 'en')}.`,
    `Your request and your card's record are ${deleted(policy.requests, 'en', true)}.`,
    `The log of who did what is kept ${policy.audit === null ? 'until staff clear it' : `for ${policy.audit} days`}.`,
    'You can ask at the desk to have your details erased sooner.',
  ].join(' ');
}
