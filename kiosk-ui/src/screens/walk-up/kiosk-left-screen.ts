/** "I'm leaving" done: the visit is ended; the badge goes in the box. */
import { html, css } from 'lit';
import { customElement } from 'lit/decorators.js';
import { LocalizedElement, t } from '../../i18n/i18n.js';
import { sharedStyles } from '../../styles/shared.js';
import { screenStyles } from './screen-styles.js';
import { goTo } from './walk-up-events.js';

@customElement('kiosk-left-screen')
export class KioskLeftScreen extends LocalizedElement {
  static override styles = [
    sharedStyles,
    screenStyles,
    css`
      main {
        justify-content: center;
        align-items: center;
        text-align: center;
      }
      h1 {
        font-size: clamp(1.8rem, 7vmin, 4.5rem);
      }
      .lead {
        font-size: clamp(1.1rem, 3.2vmin, 2.2rem);
      }
    `,
  ];

  override render() {
    return html`<main>
        <h1>${t('leaving.thanks')}</h1>
        <p class="lead">${t('leaving.dropBadge')}</p>
      </main>
      <div class="actions">
        <span></span>
        <button type="button" class="primary" @click=${() => goTo(this, 'attract')}>
          ${t('status.done')}
        </button>
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-left-screen': KioskLeftScreen;
  }
}
