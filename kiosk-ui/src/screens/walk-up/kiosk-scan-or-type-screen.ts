/**
 * One screen for the two walk-ups that start from a code: "I have an invitation" (the QR code
 * from the invitation e-mail, or its short code typed) and "I'm leaving" (the QR code on the
 * badge, or its card number typed, or the card put in the encoder's reader). The camera reads
 * until the person chooses to type; typing shows the field and the on-screen keyboard instead
 * of the camera, so both fit a 480-pixel-high screen. It sends up `code-entered` with what was
 * read or typed; the walk-up looks it up and sets `error` when it is not found.
 */
import { html, css } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { LocalizedElement, t } from '../../i18n/i18n.js';
import { sharedStyles } from '../../styles/shared.js';
import { screenStyles } from './screen-styles.js';
import { goTo } from './walk-up-events.js';
import type { KioskQrScanner } from '../../components/kiosk-qr-scanner.js';
import '../../components/kiosk-qr-scanner.js';
import '../../components/kiosk-text-field.js';
import '../../components/kiosk-onscreen-keyboard.js';

@customElement('kiosk-scan-or-type-screen')
export class KioskScanOrTypeScreen extends LocalizedElement {
  static override styles = [
    sharedStyles,
    screenStyles,
    css`
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: var(--gap);
        align-items: flex-start;
      }
      .side {
        display: flex;
        flex-direction: column;
        gap: var(--gap);
        flex: 1;
        min-width: min(100%, 12em);
      }
    `,
  ];

  @property() heading = '';
  @property() lead = '';
  @property() fieldLabel = '';
  @property() typeLabel = '';
  @property() keyboard: 'full' | 'digits' = 'full';
  @property() error = '';
  @property({ type: Boolean }) busy = false;
  /** Offer "My card is in the reader" (sign-out). */
  @property({ type: Boolean }) cardReader = false;
  @state() private typing = false;
  @state() private typed = '';
  @state() private field: HTMLInputElement | null = null;
  @query('kiosk-qr-scanner') private scanner?: KioskQrScanner;

  /** After a failed lookup, the same code shown again counts again. */
  rearm(): void {
    this.scanner?.rearm();
  }

  private send(code: string): void {
    if (this.busy || !code.trim()) return;
    this.dispatchEvent(
      new CustomEvent('code-entered', { detail: code.trim(), bubbles: true, composed: true }),
    );
  }

  private typingView() {
    return html`<kiosk-text-field
      label=${this.fieldLabel}
      .value=${this.typed}
      maxlength="40"
      @focusin=${(e: FocusEvent) => {
        const origin = e.composedPath()[0];
        if (origin instanceof HTMLInputElement) this.field = origin;
      }}
      @value-changed=${(e: CustomEvent<string>) => (this.typed = e.detail)}
    ></kiosk-text-field>`;
  }

  protected override updated(): void {
    if (this.typing && !this.field) this.renderRoot.querySelector('kiosk-text-field')?.focus();
  }

  override render() {
    return html`<main>
        <h1>${this.heading}</h1>
        <p>${this.lead}</p>
        ${
          this.typing
            ? this.typingView()
            : html`<div class="row">
                <kiosk-qr-scanner
                  @qr-read=${(e: CustomEvent<string>) => this.send(e.detail)}
                ></kiosk-qr-scanner>
                <div class="side">
                  <button type="button" @click=${() => (this.typing = true)}>
                    ${this.typeLabel}
                  </button>
                  ${
                    this.cardReader
                      ? html`<button
                          type="button"
                          ?disabled=${this.busy}
                          @click=${() =>
                            this.dispatchEvent(
                              new CustomEvent('card-in-reader', { bubbles: true, composed: true }),
                            )}
                        >
                          ${t('leaving.cardInReader')}
                        </button>`
                      : null
                  }
                </div>
              </div>`
        }
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : null}
        ${this.busy ? html`<p role="status">${t('common.loading')}</p>` : null}
      </main>
      <div class="actions">
        <button type="button" ?disabled=${this.busy} @click=${() => goTo(this, 'attract')}>
          ${t('common.cancel')}
        </button>
        ${
          this.typing
            ? html`<button
                type="button"
                class="primary"
                ?disabled=${this.busy}
                @click=${() => this.send(this.typed)}
              >
                ${t('common.next')}
              </button>`
            : null
        }
      </div>
      ${
        this.typing
          ? html`<kiosk-onscreen-keyboard
              .target=${this.field}
              layout=${this.keyboard}
              @keyboard-done=${() => this.send(this.typed)}
            ></kiosk-onscreen-keyboard>`
          : null
      }`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-scan-or-type-screen': KioskScanOrTypeScreen;
  }
  interface HTMLElementEventMap {
    'code-entered': CustomEvent<string>;
    'card-in-reader': CustomEvent<void>;
  }
}
