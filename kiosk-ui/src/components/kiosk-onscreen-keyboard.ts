/**
 * A touch keyboard for a kiosk without a physical one. It types into `target` (the field that
 * last had focus), at the caret, and fires the same `input` event a real keyboard would, so
 * fields need no special code. Keys keep the focus in the field (pointerdown is cancelled),
 * and every key is a real button, so the keyboard itself also works with a switch or keys.
 * `layout="digits"` is a keypad for numbers (a card number), with only Delete and Done besides.
 */
import { html, css } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { LocalizedElement, t } from '../i18n/i18n.js';
import { sharedStyles } from '../styles/shared.js';

// Five rows, so the keyboard leaves a 480-pixel-high screen room for the field it types into:
// the symbols a name or an e-mail address needs share the letter rows, and "_" the last row.
const ROWS = ['1234567890', 'qwertyuiop', "asdfghjkl'", 'zxcvbnm@.-'];
const DIGIT_ROWS = ['123', '456', '789', '0'];

type Field = HTMLInputElement | HTMLTextAreaElement;

@customElement('kiosk-onscreen-keyboard')
export class KioskOnscreenKeyboard extends LocalizedElement {
  static override styles = [
    sharedStyles,
    css`
      /* Key sizes come from the tokens (--key-height follows the viewport), so the keyboard
         takes a fixed, predictable part of the screen and never covers what it types into. */
      :host {
        display: block;
        background: var(--surface-alt);
        border-radius: var(--radius);
        padding: calc(var(--key-height) * 0.12);
        user-select: none;
      }
      .row {
        display: flex;
        justify-content: center;
        gap: calc(var(--key-height) * 0.1);
        margin-bottom: calc(var(--key-height) * 0.1);
      }
      .row:last-child {
        margin-bottom: 0;
      }
      button {
        flex: 1 1 0;
        padding: 0 4px;
        min-width: 0;
        min-height: var(--key-height);
        height: var(--key-height);
        max-width: calc(var(--key-height) * 1.7);
        font-size: var(--key-font);
        border-width: 1px;
        border-color: var(--border);
        color: var(--text);
        white-space: nowrap;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      button.wide {
        flex-grow: 2.2;
        max-width: calc(var(--key-height) * 3.6);
        font-size: calc(var(--key-font) * 0.8);
      }
      button.space {
        flex-grow: 4;
        max-width: calc(var(--key-height) * 6);
      }
      :host([layout='digits']) {
        max-width: calc(var(--key-height) * 6);
      }
      :host([layout='digits']) button {
        max-width: none;
      }
      button[aria-pressed='true'] {
        background: var(--primary);
        color: var(--primary-text);
      }
    `,
  ];

  /** The field the keys type into. */
  @property({ attribute: false }) target: Field | null = null;
  @property({ reflect: true }) layout: 'full' | 'digits' = 'full';
  @state() private shift = false;

  private type(text: string): void {
    const el = this.target;
    if (!el) return;
    const start = el.selectionStart ?? el.value.length;
    const end = el.selectionEnd ?? start;
    el.setRangeText(text, start, end, 'end');
    el.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true }));
  }

  private backspace(): void {
    const el = this.target;
    if (!el) return;
    const start = el.selectionStart ?? el.value.length;
    const end = el.selectionEnd ?? start;
    if (start === end && start > 0) el.setRangeText('', start - 1, start, 'end');
    else el.setRangeText('', start, end, 'end');
    el.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true }));
  }

  private key(char: string) {
    const shown = this.shift ? char.toUpperCase() : char;
    return html`<button
      type="button"
      @click=${() => {
        this.type(shown);
        this.shift = false;
      }}
    >
      ${shown}
    </button>`;
  }

  // Keep the focus (and the caret) in the field while a key is pressed.
  private keepFocus = (e: Event) => e.preventDefault();

  private done(): void {
    this.dispatchEvent(new CustomEvent('keyboard-done', { bubbles: true, composed: true }));
  }

  override render() {
    if (this.layout === 'digits')
      return html`<div
        role="group"
        aria-label=${t('keyboard.label')}
        @pointerdown=${this.keepFocus}
      >
        ${DIGIT_ROWS.map((row) => html`<div class="row">${[...row].map((c) => this.key(c))}</div>`)}
        <div class="row">
          <button type="button" class="wide" @click=${() => this.backspace()}>
            ${t('keyboard.backspace')}
          </button>
          <button type="button" class="wide primary" @click=${() => this.done()}>
            ${t('keyboard.done')}
          </button>
        </div>
      </div>`;
    return html`<div role="group" aria-label=${t('keyboard.label')} @pointerdown=${this.keepFocus}>
      ${ROWS.map((row) => html`<div class="row">${[...row].map((c) => this.key(c))}</div>`)}
      <div class="row">
        <button
          type="button"
          class="wide"
          aria-pressed=${this.shift ? 'true' : 'false'}
          @click=${() => (this.shift = !this.shift)}
        >
          ${t('keyboard.shift')}
        </button>
        ${this.key('_')}
        <button type="button" class="space" @click=${() => this.type(' ')}>
          ${t('keyboard.space')}
        </button>
        <button type="button" class="wide" @click=${() => this.backspace()}>
          ${t('keyboard.backspace')}
        </button>
        <button type="button" class="wide primary" @click=${() => this.done()}>
          ${t('keyboard.done')}
        </button>
      </div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-onscreen-keyboard': KioskOnscreenKeyboard;
  }
}
