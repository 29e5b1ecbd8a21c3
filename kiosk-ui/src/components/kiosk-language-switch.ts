/** Buttons to switch the language, each named in its own language. */
import { html, css } from 'lit';
import { customElement } from 'lit/decorators.js';
import { CATALOGS, LOCALES, LocalizedElement, locale, setLocale, t } from '../i18n/i18n.js';
import { sharedStyles } from '../styles/shared.js';

@customElement('kiosk-language-switch')
export class KioskLanguageSwitch extends LocalizedElement {
  static override styles = [
    sharedStyles,
    css`
      button[aria-pressed='true'] {
        background: var(--primary);
        color: var(--primary-text);
      }
    `,
  ];

  override render() {
    return html`<div class="row" role="group" aria-label=${t('language.choose')}>
      ${LOCALES.map(
        (l) =>
          html`<button
            type="button"
            lang=${l}
            aria-pressed=${l === locale() ? 'true' : 'false'}
            @click=${() => setLocale(l)}
          >
            ${CATALOGS[l]['language.name']}
          </button>`,
      )}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-language-switch': KioskLanguageSwitch;
  }
}
