/**
 * Pick a day without typing: the date in words, and buttons a day back, a day on and a week
 * on. Never before `min`; the latest allowed day is the server's rule and it says so if the
 * choice is too far out. Fires `value-changed` with YYYY-MM-DD.
 */
import { html, css } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { LocalizedElement, formatDate, t } from '../i18n/i18n.js';
import { sharedStyles } from '../styles/shared.js';

function addDays(isoDay: string, days: number): string {
  const d = new Date(`${isoDay}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

@customElement('kiosk-date-stepper')
export class KioskDateStepper extends LocalizedElement {
  static override styles = [
    sharedStyles,
    css`
      .date {
        font-size: 1.3rem;
        font-weight: 700;
        margin: 0 0 12px;
      }
    `,
  ];

  @property() label = '';
  @property() value = '';
  @property() min = '';

  private step(days: number): void {
    let next = addDays(this.value, days);
    if (this.min && next < this.min) next = this.min;
    this.value = next;
    this.dispatchEvent(new CustomEvent('value-changed', { detail: next }));
  }

  override render() {
    return html`<div role="group" aria-labelledby="label">
      <p id="label" class="label"><strong>${this.label}</strong></p>
      <p class="date" aria-live="polite">${this.value ? formatDate(this.value) : ''}</p>
      <div class="row">
        <button
          type="button"
          ?disabled=${!!this.min && this.value <= this.min}
          @click=${() => this.step(-1)}
        >
          ${t('date.earlier')}
        </button>
        <button type="button" @click=${() => this.step(1)}>${t('date.later')}</button>
        <button type="button" @click=${() => this.step(7)}>${t('date.weekLater')}</button>
      </div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-date-stepper': KioskDateStepper;
  }
}
