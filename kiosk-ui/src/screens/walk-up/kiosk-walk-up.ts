/**
 * The walk-up flow: attract → kind → details → photo → terms → status; for an invited visitor
 * attract → invitation code (camera or typed) → the invitation → photo → terms → status; and
 * "I'm leaving": attract → badge (camera, card in the reader or typed number) → left. It owns the one draft
 * and the current step. After `idleMs` without a touch, or when the person taps Done, it drops
 * the draft and the status code and goes back to the attract screen in the default language:
 * the next person starts from nothing and cannot see the last one's data.
 */
import { html, css } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import { apiContext } from '../../data/context.js';
import { ApiError, type ApiClient } from '../../data/api-client.js';
import type {
  InvitationDetails,
  SelfServiceOptions,
  SiteTerms,
  WalkUpReceipt,
} from '../../data/api-types.js';
import { DEFAULT_LOCALE, LocalizedElement, locale, setLocale, t } from '../../i18n/i18n.js';
import { IdleTimer } from '../../state/idle-timer.js';
import { emptyDraft, toSubmission, type WalkUpDraft } from '../../state/walk-up-draft.js';
import type { WalkUpStep } from './walk-up-events.js';
import './kiosk-attract-screen.js';
import './kiosk-kind-screen.js';
import './kiosk-details-screen.js';
import './kiosk-photo-screen.js';
import './kiosk-terms-screen.js';
import './kiosk-status-screen.js';
import './kiosk-pin-change-screen.js';
import './kiosk-scan-or-type-screen.js';
import './kiosk-invitation-screen.js';
import './kiosk-left-screen.js';

/** How often the attract screen asks whether the printer and encoder are ready. */
const READINESS_POLL_MS = 15_000;

@customElement('kiosk-walk-up')
export class KioskWalkUp extends LocalizedElement {
  static override styles = css`
    :host {
      display: block;
    }
  `;

  @consume({ context: apiContext }) private api!: ApiClient;
  @property({ type: Number }) idleMs = 60_000;
  @state() private step: WalkUpStep = 'attract';
  @state() private draft: WalkUpDraft = emptyDraft();
  @state() private options: SelfServiceOptions | null = null;
  @state() private offline = false;
  @state() private receipt: WalkUpReceipt | null = null;
  @state() private busy = false;
  @state() private submitError = '';
  /** The invitation being redeemed: its code (the visitor's credential) and what it says. */
  @state() private invitation: { code: string; details: InvitationDetails } | null = null;
  /** The server's terms, fetched for the terms step in the current language. */
  @state() private terms: SiteTerms | null = null;
  @state() private codeError = '';
  private idle: IdleTimer | null = null;
  private poll: ReturnType<typeof setInterval> | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.idle = new IdleTimer(this.idleMs, () => this.reset());
    void this.refreshOptions();
    this.poll = setInterval(() => {
      if (this.step === 'attract') void this.refreshOptions();
    }, READINESS_POLL_MS);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.idle?.stop();
    if (this.poll) clearInterval(this.poll);
  }

  private async refreshOptions(): Promise<void> {
    try {
      const options = await this.api.selfServiceOptions();
      this.options = {
        ...options,
        ready: options.ready ?? true,
        notReadyReason: options.notReadyReason ?? null,
      };
      this.offline = false;
    } catch {
      this.offline = true;
    }
  }

  /** Forget everything about the current person. */
  reset(): void {
    this.idle?.stop();
    this.draft = emptyDraft();
    this.receipt = null;
    this.submitError = '';
    this.invitation = null;
    this.terms = null;
    this.codeError = '';
    this.busy = false;
    this.step = 'attract';
    setLocale(DEFAULT_LOCALE);
    void this.refreshOptions();
  }

  private goTo(step: WalkUpStep): void {
    if (step === 'attract') {
      this.reset();
      return;
    }
    if (this.step === 'attract') this.idle?.start();
    // An invited visitor's "details" are the invitation: Back from the photo goes there.
    if (step === 'details' && this.invitation) step = 'invitation';
    if (step === 'terms') void this.loadTerms();
    this.codeError = '';
    this.step = step;
  }

  private async loadTerms(): Promise<void> {
    try {
      this.terms = await this.api.siteTerms(locale());
    } catch {
      // The catalog's general text stays; the server records the current version anyway.
      this.terms = null;
    }
  }

  private describe(err: unknown, notFound: string): string {
    if (err instanceof ApiError && err.code === 'NETWORK') return t('common.offline');
    if (err instanceof ApiError && err.status === 404) return notFound;
    return t('common.error', { message: (err as Error).message });
  }

  private async findInvitation(code: string): Promise<void> {
    this.busy = true;
    this.codeError = '';
    try {
      const details = await this.api.lookupInvitation(code);
      this.invitation = { code, details };
      this.step = 'invitation';
    } catch (err) {
      this.codeError = this.describe(err, t('invitation.notFound'));
      this.rearmScanner();
    } finally {
      this.busy = false;
    }
  }

  private async redeem(): Promise<void> {
    const invitation = this.invitation;
    if (!invitation) return;
    this.busy = true;
    this.submitError = '';
    try {
      this.receipt = await this.api.redeemInvitation({
        code: invitation.code,
        acceptTerms: true,
        ...(this.terms ? { termsVersion: this.terms.version, language: this.terms.language } : {}),
        ...(this.draft.photoBase64
          ? { photo: { mimeType: 'image/jpeg' as const, base64: this.draft.photoBase64 } }
          : {}),
      });
      this.draft = emptyDraft();
      this.invitation = null;
      this.step = 'status';
    } catch (err) {
      this.submitError = this.describe(err, t('invitation.notFound'));
    } finally {
      this.busy = false;
    }
  }

  /** "I'm leaving" with a card number (the badge's QR code holds just the number). */
  private async leave(how: { cardNumber: string } | 'card-in-reader'): Promise<void> {
    if (how !== 'card-in-reader' && !/^[\d\s]{2,30}$/.test(how.cardNumber)) {
      // Another QR code (an invitation, a phone's link): not a badge.
      this.codeError = t('leaving.notFound');
      this.rearmScanner();
      return;
    }
    this.busy = true;
    this.codeError = '';
    try {
      if (how === 'card-in-reader') await this.api.signOutVisitByCardInReader();
      else await this.api.signOutVisit(how.cardNumber);
      this.step = 'left';
    } catch (err) {
      this.codeError =
        err instanceof ApiError && err.code === 'CARD_NOT_READABLE'
          ? t('leaving.noChip')
          : err instanceof ApiError && err.code === 'CARD_REMOVED'
            ? t('leaving.noCard')
            : this.describe(err, t('leaving.notFound'));
      this.rearmScanner();
    } finally {
      this.busy = false;
    }
  }

  private rearmScanner(): void {
    this.renderRoot.querySelector('kiosk-scan-or-type-screen')?.rearm();
  }

  private async submit(): Promise<void> {
    this.busy = true;
    this.submitError = '';
    try {
      this.receipt = await this.api.submitWalkUp({
        ...toSubmission(this.draft),
        // The terms shown were the server's: record which text was accepted.
        ...(this.terms ? { termsVersion: this.terms.version, language: this.terms.language } : {}),
      });
      // The request is sent: keep only what the status screen needs.
      this.draft = emptyDraft();
      this.step = 'status';
    } catch (err) {
      this.submitError =
        err instanceof ApiError && err.code === 'NETWORK'
          ? t('common.offline')
          : t('common.error', { message: (err as Error).message });
    } finally {
      this.busy = false;
    }
  }

  private screen() {
    switch (this.step) {
      case 'attract':
        return html`<kiosk-attract-screen
          .options=${this.options}
          ?offline=${this.offline}
          idleSeconds=${Math.round(this.idleMs / 1000)}
        ></kiosk-attract-screen>`;
      case 'kind':
        return html`<kiosk-kind-screen .kinds=${this.options?.kinds ?? []}></kiosk-kind-screen>`;
      case 'details':
        return html`<kiosk-details-screen .draft=${this.draft}></kiosk-details-screen>`;
      case 'photo':
        return html`<kiosk-photo-screen .photo=${this.draft.photoBase64}></kiosk-photo-screen>`;
      case 'terms':
        return html`<kiosk-terms-screen
          ?accepted=${this.draft.acceptTerms}
          ?busy=${this.busy}
          .error=${this.submitError}
          .text=${this.terms?.text ?? ''}
          @submit-request=${() => void (this.invitation ? this.redeem() : this.submit())}
        ></kiosk-terms-screen>`;
      case 'status':
        return this.receipt
          ? html`<kiosk-status-screen
              statusCode=${this.receipt.statusCode}
              qrPayload=${this.receipt.qrPayload}
              @done=${() => this.reset()}
            ></kiosk-status-screen>`
          : null;
      case 'pin-change':
        return html`<kiosk-pin-change-screen></kiosk-pin-change-screen>`;
      case 'invitation-code':
        return html`<kiosk-scan-or-type-screen
          heading=${t('invitation.title')}
          lead=${t('invitation.lead')}
          fieldLabel=${t('invitation.code')}
          typeLabel=${t('invitation.type')}
          .error=${this.codeError}
          ?busy=${this.busy}
          @code-entered=${(e: CustomEvent<string>) => void this.findInvitation(e.detail)}
        ></kiosk-scan-or-type-screen>`;
      case 'invitation':
        return this.invitation
          ? html`<kiosk-invitation-screen
              .invitation=${this.invitation.details}
            ></kiosk-invitation-screen>`
          : null;
      case 'leaving':
        return html`<kiosk-scan-or-type-screen
          heading=${t('leaving.title')}
          lead=${t('leaving.lead')}
          fieldLabel=${t('leaving.cardNumber')}
          typeLabel=${t('leaving.type')}
          keyboard="digits"
          cardReader
          .error=${this.codeError}
          ?busy=${this.busy}
          @code-entered=${(e: CustomEvent<string>) => void this.leave({ cardNumber: e.detail })}
          @card-in-reader=${() => void this.leave('card-in-reader')}
        ></kiosk-scan-or-type-screen>`;
      case 'left':
        return html`<kiosk-left-screen></kiosk-left-screen>`;
    }
  }

  override render() {
    return html`<div
      @draft-patch=${(e: CustomEvent<Partial<WalkUpDraft>>) => (this.draft = { ...this.draft, ...e.detail })}
      @go-to=${(e: CustomEvent<WalkUpStep>) => this.goTo(e.detail)}
    >
      ${this.screen()}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-walk-up': KioskWalkUp;
  }
}
