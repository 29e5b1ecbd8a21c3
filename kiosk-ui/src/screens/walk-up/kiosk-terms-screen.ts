/** The site terms, a large tick box to accept them, and the button that sends the request. */
import { html, css } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { LocalizedElement, t } from '../../i18n/i18n.js';
import { sharedStyles } from '../../styles/shared.js';
import { screenStyles } from './screen-styles.js';
import { goTo, patchDraft } from './walk-up-events.js';

@customElement('kiosk-terms-screen')
export class KioskTermsScreen extends LocalizedElement {
  static override styles = [
    sharedStyles,
    screenStyles,
    css`
      .terms {
        font-size: 1.1rem;
        max-width: 60ch;
        line-height: 1.45;
        white-space: pre-line;
      }
      label.accept {
        display: flex;
        align-items: center;
        gap: 16px;
        min-height: var(--touch);
        font-size: 1.3rem;
        font-weight: 600;
        margin: 0;
        cursor: pointer;
      }
      input[type='checkbox'] {
        width: 40px;
        height: 40px;
        min-height: 40px;
        margin: 8px;
        accent-color: var(--primary);
      }
    `,
  ];

  @property({ type: Boolean }) accepted = false;
  @property({ type: Boolean }) busy = false;
  @property() error = '';
  /** The site's own terms from the server (generated from its settings); else the catalog's. */
  @property() text = '';

  private submit(): void {
    if (!this.accepted) {
      this.error = t('terms.mustAccept');
      return;
    }
    this.dispatchEvent(new CustomEvent('submit-request', { bubbles: true, composed: true }));
  }

  override render() {
    return html`<main>
        <h1>${t('terms.title')}</h1>
        <p class="terms" data-testid="terms-text">${this.text || t('terms.text')}</p>
        <label class="accept">
          <input
            type="checkbox"
            .checked=${this.accepted}
            @change=${(e: Event) => {
              this.error = '';
              patchDraft(this, { acceptTerms: (e.target as HTMLInputElement).checked });
            }}
          />
          ${t('terms.accept')}
        </label>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : null}
        ${this.busy ? html`<p role="status">${t('terms.sending')}</p>` : null}
      </main>
      <div class="actions">
        <button type="button" ?disabled=${this.busy} @click=${() => goTo(this, 'photo')}>
          ${t('common.back')}
        </button>
        <button type="button" class="primary" ?disabled=${this.busy} @click=${() => this.submit()}>
          ${t('terms.submit')}
        </button>
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-terms-screen': KioskTermsScreen;
  }
}
