/**
 * A request's state in plain words for the person it concerns, announced to screen readers
 * when it changes. Words only: what each state means is the server's business.
 */
import { html, css } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { RequestState } from '../data/api-types.js';
import { LocalizedElement, t } from '../i18n/i18n.js';
import { sharedStyles } from '../styles/shared.js';

const TONE: Partial<Record<RequestState, 'good' | 'bad'>> = {
  produced: 'good',
  collected: 'good',
  rejected: 'bad',
  production_failed: 'bad',
  cancelled: 'bad',
};

@customElement('kiosk-request-state')
export class KioskRequestState extends LocalizedElement {
  static override styles = [
    sharedStyles,
    css`
      div {
        border-left: 8px solid var(--primary);
        padding: 12px 16px;
        background: var(--primary-soft);
        border-radius: 8px;
      }
      div.good {
        border-color: var(--ok);
        background: #e3f1e6;
      }
      div.bad {
        border-color: var(--danger);
        background: #f8e3e1;
      }
      .words {
        font-size: 1.4rem;
        font-weight: 700;
        margin: 0;
      }
      .reason {
        margin: 8px 0 0;
      }
    `,
  ];

  @property() state: RequestState | '' = '';
  @property() reason: string | null = null;

  override render() {
    if (!this.state) return null;
    return html`<div class=${TONE[this.state] ?? ''} role="status" aria-live="polite">
      <p class="words" data-state=${this.state}>${t(`state.${this.state}`)}</p>
      ${this.reason ? html`<p class="reason">${t('status.reason', { reason: this.reason })}</p>` : null}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-request-state': KioskRequestState;
  }
}
