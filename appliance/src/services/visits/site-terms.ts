/**
 * The site terms a walk-up accepts: the text is generated from the retention settings
 * (core/retention/retention-policy.ts), and its version is the SHA-256 of the exact text in
 * that language, recorded with the request together with the language and the time.
 */
import { createHash } from 'node:crypto';
import { ConflictError } from '../../core/errors.js';
import {
  TERMS_LANGUAGES,
  termsText,
  type RetentionPolicy,
  type TermsLanguage,
} from '../../core/retention/retention-policy.js';
import type { StoreTx } from '../../core/store-ports.js';

export interface SiteTermsText {
  language: TermsLanguage;
  text: string;
  sha256: string;
}

export class SiteTerms {
  private readonly texts: Map<TermsLanguage, SiteTermsText>;

  constructor(
    policy: RetentionPolicy,
    siteName: string,
    private readonly defaultLanguage: TermsLanguage = 'en',
  ) {
    this.texts = new Map(
      TERMS_LANGUAGES.map((language) => {
        const text = termsText(policy, language, siteName);
        return [
          language,
          { language, text, sha256: createHash('sha256').update(text).digest('hex') },
        ];
      }),
    );
  }

  get(language: string | undefined): SiteTermsText {
    return (
      this.texts.get(language as TermsLanguage) ??
      (this.texts.get(this.defaultLanguage) as SiteTermsText)
    );
  }

  /**
   * Record what the walk-up accepted. A version that is not the current text in that
   * language means the kiosk showed other terms: refused, so nothing is recorded as accepted
   * that was not shown. Without a version (an older kiosk screen) the current text in the
   * given language is recorded.
   */
  async record(
    tx: StoreTx,
    requestId: string,
    accepted: { textSha256?: string; language?: string } | undefined,
    at: string,
  ): Promise<void> {
    const current = this.get(accepted?.language);
    if (accepted?.textSha256 && accepted.textSha256 !== current.sha256)
      throw new ConflictError('the site terms changed; please read them again');
    await tx.visits.recordTerms({
      requestId,
      textSha256: current.sha256,
      language: current.language,
      acceptedAt: at,
    });
  }
}
