/**
 * A numeric keypad for a card holder's PIN: large digit keys, the digits typed shown only as
 * dots, and OK once the length is right (exactly `length` digits for a new PIN, or between
 * `minLength` and `maxLength` for one the card already has). It types into no field, so no
 * PIN reaches an input's value, autofill or the accessibility tree; the digits live in this
 * element until OK hands them over in `pin-entered` and forgets them. The keys are real
 * buttons, so a switch or a keyboard works too; the dots say how many digits, never which.
 */
import { html, css } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { LocalizedElement, t } from '../i18n/i18n.js';
import { sharedStyles } from '../styles/shared.js';

const ROWS = ['123', '456', '789'];

@customElement('kiosk-pin-keypad')
export class KioskPinKeypad extends LocalizedElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        width: min(100%, calc(var(--key-height) * 5.5));
        user-select: none;
      }
      .prompt {
        font-weight: 600;
        margin: 0 0 8px;
      }
      .dots {
        display: flex;
        gap: 8px;
        justify-content: center;
        margin-bottom: 10px;
        min-height: 1.4em;
        font-size: 1.6em;
        letter-spacing: 0.1em;
      }
      .dot {
        width: 0.7em;
        height: 0.7em;
        border-radius: 50%;
        border: 2px solid var(--text);
      }
      .dot.filled {
        background: var(--text);
      }
      .keys {
        display: grid;
        grid-template-columns: repeat(3, 1fr);
        gap: calc(var(--key-height) * 0.12);
        background: var(--surface-alt);
        border-radius: var(--radius);
        padding: calc(var(--key-height) * 0.12);
      }
      .keys button {
        /* Larger than the text keyboard's keys: a holder types a secret, often in a hurry. */
        min-height: max(var(--touch), calc(var(--key-height) * 1.2));
        font-size: calc(var(--key-font) * 1.2);
        padding: 0;
        min-width: 0;
      }
      .keys button.small {
        font-size: var(--key-font);
      }
    `,
  ];

  /** What to type, e.g. "Type your new PIN". */
  @property() prompt = '';
  /** Exact digits (a new PIN); 0 means any length from minLength to maxLength. */
  @property({ type: Number }) length = 0;
  @property({ type: Number }) minLength = 6;
  @property({ type: Number }) maxLength = 8;
  @property({ type: Boolean }) disabled = false;
  @state() private digits = '';

  private get max(): number {
    return this.length || this.maxLength;
  }

  private get complete(): boolean {
    return this.length
      ? this.digits.length === this.length
      : this.digits.length >= this.minLength && this.digits.length <= this.maxLength;
  }

  /** Forget what was typed (a new step, a cancelled dialog). */
  clear(): void {
    this.digits = '';
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.digits = '';
  }

  private press(d: string): void {
    if (this.digits.length < this.max) this.digits += d;
  }

  private ok(): void {
    if (!this.complete) return;
    const pin = this.digits;
    this.digits = '';
    this.dispatchEvent(new CustomEvent('pin-entered', { detail: pin }));
  }

  override render() {
    const n = this.digits.length;
    const slots = this.length || Math.max(this.minLength, n);
    return html`<p class="prompt" id="prompt">${this.prompt}</p>
      <div class="dots" role="status" aria-live="polite" data-typed=${n}>
        ${Array.from(
          { length: slots },
          (_, i) => html`<span class=${i < n ? 'dot filled' : 'dot'}></span>`,
        )}
        <span class="visually-hidden">${t('pin.typedCount', { count: n })}</span>
      </div>
      <div class="keys" role="group" aria-labelledby="prompt">
        ${ROWS.flatMap((row) =>
          [...row].map(
            (d) =>
              html`<button type="button" ?disabled=${this.disabled} @click=${() => this.press(d)}>
                ${d}
              </button>`,
          ),
        )}
        <button
          type="button"
          class="small"
          ?disabled=${this.disabled || n === 0}
          @click=${() => (this.digits = this.digits.slice(0, -1))}
        >
          ${t('keyboard.backspace')}
        </button>
        <button type="button" ?disabled=${this.disabled} @click=${() => this.press('0')}>0</button>
        <button
          type="button"
          class="small primary"
          ?disabled=${this.disabled || !this.complete}
          @click=${() => this.ok()}
        >
          ${t('pin.ok')}
        </button>
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-pin-keypad': KioskPinKeypad;
  }
}
