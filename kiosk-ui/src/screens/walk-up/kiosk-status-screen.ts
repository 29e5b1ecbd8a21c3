/**
 * A walk-up's own request: the status code, a QR code to follow it from a phone, and its state
 * in plain words, updated live from the walk-up event stream. Also the page a phone opens from
 * the QR code (/#/status/CODE; the code stays in the fragment, which never reaches the server).
 */
import { html, css } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import { apiContext } from '../../data/context.js';
import { ApiError, type ApiClient } from '../../data/api-client.js';
import type { WalkUpStatus } from '../../data/api-types.js';
import { WalkUpStatusStream } from '../../data/event-stream.js';
import { LocalizedElement, t } from '../../i18n/i18n.js';
import { sharedStyles } from '../../styles/shared.js';
import { screenStyles } from './screen-styles.js';
import '../../components/kiosk-qr-code.js';
import '../../components/kiosk-request-state.js';

@customElement('kiosk-status-screen')
export class KioskStatusScreen extends LocalizedElement {
  static override styles = [
    sharedStyles,
    screenStyles,
    css`
      .layout {
        display: flex;
        gap: calc(var(--gap) * 2);
        flex-wrap: wrap;
        align-items: flex-start;
      }
      .code {
        font-size: clamp(1.8rem, 7vmin, 4.5rem);
        font-weight: 800;
        letter-spacing: 0.1em;
        font-family: ui-monospace, 'DejaVu Sans Mono', monospace;
        margin: 0;
      }
      .details {
        flex: 1;
        min-width: min(100%, 14em);
        display: flex;
        flex-direction: column;
        gap: var(--gap);
      }
    `,
  ];

  @consume({ context: apiContext }) private api!: ApiClient;
  @property() statusCode = '';
  @property() qrPayload = '';
  /** Whether to offer a "Done" button (the kiosk) or not (a phone). */
  @property({ type: Boolean }) kiosk = true;
  @state() private status: WalkUpStatus | null = null;
  @state() private error = '';
  private stream: WalkUpStatusStream | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
    this.stream = new WalkUpStatusStream(this.api, this.statusCode, (s) => (this.status = s));
    this.stream.start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stream?.stop();
    this.stream = null;
  }

  private async load(): Promise<void> {
    try {
      const status = await this.api.walkUpStatus(this.statusCode);
      // The stream may already have delivered something newer.
      if (!this.status || this.status.updatedAt <= status.updatedAt) this.status = status;
    } catch (err) {
      this.error =
        err instanceof ApiError && err.status === 404
          ? t('status.notFound')
          : t('common.error', { message: (err as Error).message });
    }
  }

  override render() {
    const qr = this.qrPayload || `${location.origin}/#/status/${this.statusCode}`;
    return html`<main>
        <h1>${t('status.title')}</h1>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : null}
        <div class="layout">
          <kiosk-qr-code .value=${qr} label=${t('status.qr')}></kiosk-qr-code>
          <div class="details">
            <div>
              <p class="muted">${t('status.code')}</p>
              <p class="code" data-testid="status-code">${this.statusCode}</p>
            </div>
            ${
              this.status
                ? html`<p>
                      ${t('status.holder', { name: this.status.holderName })} ·
                      ${this.status.processLabel}
                    </p>
                    <kiosk-request-state
                      .state=${this.status.state}
                      .reason=${this.status.reason}
                    ></kiosk-request-state>`
                : null
            }
            <p class="muted">${t('status.live')} ${t('status.codeHint')}</p>
          </div>
        </div>
      </main>
      ${
        this.kiosk
          ? html`<div class="actions">
              <span></span>
              <button
                type="button"
                class="primary"
                @click=${() => this.dispatchEvent(new CustomEvent('done', { bubbles: true, composed: true }))}
              >
                ${t('status.done')}
              </button>
            </div>`
          : null
      }`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-status-screen': KioskStatusScreen;
  }
}
