/**
 * The walk-up flow: attract → kind → details → photo → terms → status. It owns the one draft
 * and the current step. After `idleMs` without a touch, or when the person taps Done, it drops
 * the draft and the status code and goes back to the attract screen in the default language:
 * the next person starts from nothing and cannot see the last one's data.
 */
import { html, css } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import { apiContext } from '../../data/context.js';
import { ApiError, type ApiClient } from '../../data/api-client.js';
import type { SelfServiceOptions, WalkUpReceipt } from '../../data/api-types.js';
import { DEFAULT_LOCALE, LocalizedElement, setLocale, t } from '../../i18n/i18n.js';
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
    this.step = step;
  }

  private async submit(): Promise<void> {
    this.busy = true;
    this.submitError = '';
    try {
      this.receipt = await this.api.submitWalkUp(toSubmission(this.draft));
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
          @submit-request=${() => void this.submit()}
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
