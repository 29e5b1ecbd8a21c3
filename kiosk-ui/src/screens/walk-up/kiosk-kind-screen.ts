/** Visitor, contractor or (when this kiosk offers it) employee: one large button each. */
import { html, css } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { WalkUpKind } from '../../data/api-types.js';
import { LocalizedElement, t } from '../../i18n/i18n.js';
import { sharedStyles } from '../../styles/shared.js';
import { screenStyles } from './screen-styles.js';
import { goTo, patchDraft } from './walk-up-events.js';

@customElement('kiosk-kind-screen')
export class KioskKindScreen extends LocalizedElement {
  static override styles = [
    sharedStyles,
    screenStyles,
    css`
      .kinds {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(min(100%, 11em), 1fr));
        gap: var(--gap);
      }
      .kinds button {
        min-height: clamp(96px, 26vh, 360px);
        display: flex;
        flex-direction: column;
        justify-content: center;
        gap: calc(var(--gap) / 2);
        padding: var(--gap);
        font-size: clamp(1.3rem, 4.5vmin, 2.8rem);
      }
      .hint {
        font-size: clamp(0.9rem, 2.4vmin, 1.5rem);
        font-weight: 400;
        color: var(--text);
      }
    `,
  ];

  @property({ attribute: false }) kinds: WalkUpKind[] = [];

  override render() {
    return html`<main>
        <h1>${t('kind.title')}</h1>
        <div class="kinds">
          ${this.kinds.map(
            (kind) =>
              html`<button
                type="button"
                data-kind=${kind}
                @click=${() => {
                  patchDraft(this, { kind });
                  goTo(this, 'details');
                }}
              >
                <span>${t(`kind.${kind}`)}</span>
                <span class="hint">${t(`kind.${kind}Hint`)}</span>
              </button>`,
          )}
        </div>
      </main>
      <div class="actions">
        <button type="button" @click=${() => goTo(this, 'attract')}>${t('common.back')}</button>
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-kind-screen': KioskKindScreen;
  }
}
