/**
 * The invitation found by its code: who is expected, from which company, whom they visit and
 * for what. The visitor confirms it is them (then the photo and the terms, as any walk-up) or
 * goes back; nothing is typed.
 */
import { html, css } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { InvitationDetails } from '../../data/api-types.js';
import { formatDate, LocalizedElement, t } from '../../i18n/i18n.js';
import { sharedStyles } from '../../styles/shared.js';
import { screenStyles } from './screen-styles.js';
import { goTo } from './walk-up-events.js';

@customElement('kiosk-invitation-screen')
export class KioskInvitationScreen extends LocalizedElement {
  static override styles = [
    sharedStyles,
    screenStyles,
    css`
      dl {
        display: grid;
        grid-template-columns: auto 1fr;
        gap: calc(var(--gap) / 2) var(--gap);
        margin: 0;
        font-size: clamp(1rem, 3vmin, 1.8rem);
      }
      dt {
        color: var(--text-muted, inherit);
      }
      dd {
        margin: 0;
        font-weight: 600;
      }
    `,
  ];

  @property({ attribute: false }) invitation!: InvitationDetails;

  override render() {
    const i = this.invitation;
    return html`<main>
        <h1>${t('invitation.welcome', { name: i.name })}</h1>
        <dl data-testid="invitation">
          <dt>${t('details.name')}</dt>
          <dd>${i.name}</dd>
          ${
            i.company
              ? html`<dt>${t('details.company')}</dt>
                  <dd>${i.company}</dd>`
              : null
          }
          ${
            i.hostName
              ? html`<dt>${t('invitation.host')}</dt>
                  <dd>${i.hostName}</dd>`
              : null
          }
          <dt>${t('invitation.process')}</dt>
          <dd>${i.processLabel}</dd>
          <dt>${t('invitation.until')}</dt>
          <dd>${formatDate(i.lastDay, 'medium')}</dd>
        </dl>
        <p>${t('invitation.confirmLead')}</p>
      </main>
      <div class="actions">
        <button type="button" @click=${() => goTo(this, 'attract')}>
          ${t('invitation.notMe')}
        </button>
        <button type="button" class="primary" @click=${() => goTo(this, 'photo')}>
          ${t('invitation.confirm')}
        </button>
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-invitation-screen': KioskInvitationScreen;
  }
}
