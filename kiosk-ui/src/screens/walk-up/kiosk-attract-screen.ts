/**
 * The screen a passer-by sees: the site's name and logo, what the kiosk is for, one big start
 * button in the site's accent colour, the language switch, and, when the printer or encoder
 * cannot serve a request, that news before anyone starts typing.
 */
import { html, css, type PropertyValues } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { SelfServiceOptions } from '../../data/api-types.js';
import { LocalizedElement, t } from '../../i18n/i18n.js';
import { sharedStyles } from '../../styles/shared.js';
import { screenStyles } from './screen-styles.js';
import { goTo } from './walk-up-events.js';
import { textColourOn } from '../../state/accent-colour.js';
import '../../components/kiosk-language-switch.js';

@customElement('kiosk-attract-screen')
export class KioskAttractScreen extends LocalizedElement {
  static override styles = [
    sharedStyles,
    screenStyles,
    css`
      main {
        align-items: center;
        text-align: center;
      }
      /* Centred when there is room, from the top when there is not (never cut off above). */
      main > :first-child {
        margin-top: auto;
      }
      main > :last-child {
        margin-bottom: auto;
      }
      .site {
        display: flex;
        align-items: center;
        justify-content: center;
        gap: var(--gap);
        padding-bottom: calc(var(--gap) / 2);
        border-bottom: 6px solid var(--accent, var(--primary));
      }
      .site img {
        height: clamp(40px, 10vmin, 140px);
        width: auto;
        max-width: 40vw;
        object-fit: contain;
      }
      .site span {
        font-size: clamp(1.1rem, 3.6vmin, 2.4rem);
        font-weight: 700;
      }
      button.start.primary {
        background: var(--accent, var(--primary));
        border-color: var(--accent, var(--primary));
        color: var(--accent-text, var(--primary-text));
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
      .more {
        display: flex;
        flex-wrap: wrap;
        justify-content: center;
        gap: var(--gap);
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

  // Set through the CSSOM, which the Content-Security-Policy allows (a style attribute it
  // would not).
  protected override updated(changed: PropertyValues<this>): void {
    if (!changed.has('options')) return;
    const accent = this.options?.site?.accentColor;
    if (accent) {
      this.style.setProperty('--accent', accent);
      this.style.setProperty('--accent-text', textColourOn(accent));
    } else {
      this.style.removeProperty('--accent');
      this.style.removeProperty('--accent-text');
    }
  }

  private notReadyText(): string | null {
    if (this.offline) return t('common.offline');
    if (!this.options || this.options.ready !== false) return null;
    return this.options.notReadyReason
      ? t('attract.notReady', { reason: this.options.notReadyReason })
      : t('attract.notReadyUnknown');
  }

  override render() {
    const notReady = this.notReadyText();
    const site = this.options?.site;
    return html`<main>
        ${
          site && (site.name || site.logoUrl)
            ? html`<div class="site" data-testid="site">
                ${site.logoUrl ? html`<img src=${site.logoUrl} alt="" />` : null}
                ${site.name ? html`<span>${site.name}</span>` : null}
              </div>`
            : null
        }
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
        <div class="more">
          <button
            type="button"
            ?disabled=${!!notReady || !this.options}
            @click=${() => goTo(this, 'invitation-code')}
          >
            ${t('attract.invitation')}
          </button>
          <button
            type="button"
            ?disabled=${this.offline || !this.options}
            @click=${() => goTo(this, 'leaving')}
          >
            ${t('attract.leaving')}
          </button>
          <button
            type="button"
            data-action="pin-change"
            ?disabled=${this.offline || !this.options}
            @click=${() => goTo(this, 'pin-change')}
          >
            ${t('attract.changePin')}
          </button>
        </div>
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
