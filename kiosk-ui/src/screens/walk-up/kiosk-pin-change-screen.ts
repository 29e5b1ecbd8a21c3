/**
 * "Change my PIN" at the walk-up side, without staff: the holder puts the card in the reader
 * and types the current PIN and the new one twice on the PIN keypad. The appliance asks the
 * card which card it is and the card checks the PIN; the answer says only whether it worked,
 * the card's tries left after a wrong PIN, or to see the desk. Nothing about the card is shown.
 */
import { html, css } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import { apiContext } from '../../data/context.js';
import { ApiError, type ApiClient } from '../../data/api-client.js';
import { LocalizedElement, t } from '../../i18n/i18n.js';
import { sharedStyles } from '../../styles/shared.js';
import { screenStyles } from './screen-styles.js';
import { goTo } from './walk-up-events.js';
import type { EnteredPins } from '../../components/kiosk-pin-entry.js';
import '../../components/kiosk-pin-entry.js';

@customElement('kiosk-pin-change-screen')
export class KioskPinChangeScreen extends LocalizedElement {
  static override styles = [
    sharedStyles,
    screenStyles,
    css`
      .pin {
        display: flex;
        flex-wrap: wrap;
        gap: var(--gap);
        align-items: flex-start;
      }
      .pin > div {
        flex: 1 1 240px;
        min-width: 0;
      }
      kiosk-pin-entry {
        flex: 0 1 calc(var(--key-height) * 5.5);
        min-width: min(100%, 220px);
      }
    `,
  ];

  @consume({ context: apiContext }) private api!: ApiClient;
  @state() private busy = false;
  @state() private done = false;
  @state() private error = '';

  private async submit(pins: EnteredPins): Promise<void> {
    this.busy = true;
    this.error = '';
    try {
      await this.api.changeOwnPin(pins.currentPin ?? '', pins.newPin);
      this.done = true;
    } catch (err) {
      this.renderRoot.querySelector('kiosk-pin-entry')?.reset();
      this.error =
        err instanceof ApiError && err.status === 429
          ? t('pinChange.tooMany')
          : err instanceof ApiError && err.code === 'NETWORK'
            ? t('common.offline')
            : t('pinChange.refused', { message: (err as Error).message });
    } finally {
      this.busy = false;
    }
  }

  override render() {
    if (this.done)
      return html`<main>
          <h1>${t('pinChange.title')}</h1>
          <p role="status" data-pin="done">${t('pinChange.done')}</p>
        </main>
        <div class="actions">
          <button type="button" class="primary" @click=${() => goTo(this, 'attract')}>
            ${t('pinChange.finish')}
          </button>
        </div>`;
    return html`<main>
        <h1>${t('pinChange.title')}</h1>
        <div class="pin">
          <div>
            <p>${t('pinChange.insert')}</p>
            <p>${t('pinChange.private')}</p>
            ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : null}
            ${this.busy ? html`<p role="status">${t('pin.working')}</p>` : null}
          </div>
          <kiosk-pin-entry
            mode="change"
            .pinLength=${0}
            ?disabled=${this.busy}
            @pins-entered=${(e: CustomEvent<EnteredPins>) => void this.submit(e.detail)}
          ></kiosk-pin-entry>
        </div>
      </main>
      <div class="actions">
        <button type="button" @click=${() => goTo(this, 'attract')}>${t('common.cancel')}</button>
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-pin-change-screen': KioskPinChangeScreen;
  }
}
