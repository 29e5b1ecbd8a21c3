/** An optional photo from the kiosk camera; without a camera the person just goes on. */
import { html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { LocalizedElement, t } from '../../i18n/i18n.js';
import { sharedStyles } from '../../styles/shared.js';
import { screenStyles } from './screen-styles.js';
import { goTo, patchDraft } from './walk-up-events.js';
import '../../components/kiosk-camera.js';

@customElement('kiosk-photo-screen')
export class KioskPhotoScreen extends LocalizedElement {
  static override styles = [sharedStyles, screenStyles];

  @property({ attribute: false }) photo: string | null = null;

  override render() {
    return html`<main>
        <h1>${t('photo.title')}</h1>
        <p>${t('photo.lead')}</p>
        <kiosk-camera
          .photo=${this.photo}
          @photo-changed=${(e: CustomEvent<string | null>) => patchDraft(this, { photoBase64: e.detail })}
        ></kiosk-camera>
      </main>
      <div class="actions">
        <button type="button" @click=${() => goTo(this, 'details')}>${t('common.back')}</button>
        <button type="button" class="primary" @click=${() => goTo(this, 'terms')}>
          ${this.photo ? t('photo.use') : t('photo.skip')}
        </button>
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-photo-screen': KioskPhotoScreen;
  }
}
