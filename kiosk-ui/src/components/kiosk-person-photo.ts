/**
 * A person's photo for staff (approver, guard), or plainly "No photo taken", so that the one
 * checking a face never mistakes a missing photo for one still loading. The photo comes from
 * the role-checked `GET /api/persons/:id/photo`; the session cookie goes with it.
 */
import { html, css } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { LocalizedElement, t } from '../i18n/i18n.js';

@customElement('kiosk-person-photo')
export class KioskPersonPhoto extends LocalizedElement {
  static override styles = css`
    :host {
      display: block;
      width: var(--photo-width, 6em);
      aspect-ratio: 4 / 5;
      flex: none;
      border-radius: 8px;
      overflow: hidden;
      background: var(--surface-alt);
    }
    img {
      display: block;
      width: 100%;
      height: 100%;
      object-fit: cover;
    }
    p {
      margin: 0;
      height: 100%;
      display: grid;
      place-items: center;
      text-align: center;
      padding: 8px;
      font-size: 0.85em;
      color: var(--text-muted);
    }
  `;

  @property() personId = '';
  @property() name = '';
  @property({ type: Boolean }) hasPhoto = false;

  override render() {
    return this.hasPhoto && this.personId
      ? html`<img
          src=${`/api/persons/${encodeURIComponent(this.personId)}/photo`}
          alt=${t('person.photoOf', { name: this.name })}
        />`
      : html`<p>${t('person.noPhoto')}</p>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-person-photo': KioskPersonPhoto;
  }
}
