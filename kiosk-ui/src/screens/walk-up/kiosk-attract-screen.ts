/**
 * The screen a passer-by sees: what the kiosk is for, one big start button, the language
 * switch, and, when the printer or encoder cannot serve a request, that news before anyone
 * starts typing.
 */
import { html, css } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { SelfServiceOptions } from '../../data/api-types.js';
import { LocalizedElement, t } from '../../i18n/i18n.js';
import { sharedStyles } from '../../styles/shared.js';
import { screenStyles } from './screen-styles.js';
import { goTo } from './walk-up-events.js';
import '../../components/kiosk-language-switch.js';

@customElement('kiosk-attract-screen')
export class KioskAttractScreen extends LocalizedElement {
  static override styles = [
    sharedStyles,
    screenStyles,
    css`
      main {
        align-items: center;
        justify-content: center;
        text-align: center;
      }
      h1 {
        font-size: clamp(1.8rem, 7vmin, 4.5rem);
      }
      .lead {
        font-size: clamp(1.1rem, 3.2vmin, 2.2rem);
      }
      button.start {
        min-height: calc(var(--touch) * 1.9);
        min-width: min(100%, 14em);
        font-size: clamp(1.4rem, 5vmin, 3.2rem);
        border-radius: calc(var(--touch) * 0.95);
      }
      footer {
        display: flex;
        justify-content: space-between;
        align-items: center;
      }
    `,
  ];

  @property({ attribute: false }) options: SelfServiceOptions | null = null;
  @property({ type: Boolean }) offline = false;
  @property({ type: Number }) idleSeconds = 60;

  private notReadyText(): string | null {
    if (this.offline) return t('common.offline');
    if (!this.options || this.options.ready !== false) return null;
    return this.options.notReadyReason
      ? t('attract.notReady', { reason: this.options.notReadyReason })
      : t('attract.notReadyUnknown');
  }

  override render() {
    const notReady = this.notReadyText();
    return html`<main>
        <h1>${t('attract.title')}</h1>
        <p class="lead">${t('attract.lead')}</p>
        ${notReady ? html`<p class="notice" role="alert">${notReady}</p>` : null}
        <button
          type="button"
          class="primary start"
          ?disabled=${!!notReady || !this.options}
          @click=${() => goTo(this, 'kind')}
        >
          ${t('attract.start')}
        </button>
        <p class="muted">${t('attract.privacy', { seconds: this.idleSeconds })}</p>
      </main>
      <footer>
        <kiosk-language-switch></kiosk-language-switch>
        <a class="touch" href="/staff">${t('attract.staff')}</a>
      </footer>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-attract-screen': KioskAttractScreen;
  }
}
