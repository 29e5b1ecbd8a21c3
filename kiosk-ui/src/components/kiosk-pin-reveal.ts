/**
 * The PIN at hand-over, for the holder's eyes: masked, shown only while a finger (or a key)
 * holds the button down, and gone by itself when the countdown ends (`expired`), so it never
 * stays on a screen that a guard walks away from. The countdown runs from when the element
 * appears and is on screen as a bar and in words.
 */
import { html, css } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { LocalizedElement, t } from '../i18n/i18n.js';
import { sharedStyles } from '../styles/shared.js';

/** How long the PIN can be revealed after the card was collected. */
export const PIN_VISIBLE_S = 30;
const TICK_MS = 1000;

@customElement('kiosk-pin-reveal')
export class KioskPinReveal extends LocalizedElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: grid;
        gap: var(--gap);
        justify-items: center;
      }
      .pin {
        font-family: ui-monospace, 'DejaVu Sans Mono', monospace;
        font-size: clamp(2rem, 9vmin, 5rem);
        font-weight: 800;
        letter-spacing: 0.3em;
        margin: 0;
        min-height: 1.2em;
      }
      button.hold {
        min-height: calc(var(--touch) * 1.4);
        width: min(100%, 16em);
        touch-action: none;
        -webkit-touch-callout: none;
      }
      button.hold[aria-pressed='true'] {
        background: var(--primary);
        color: var(--primary-text);
      }
      progress {
        width: min(100%, 16em);
        height: 12px;
        accent-color: var(--primary);
      }
      .countdown {
        margin: 0;
        font-weight: 600;
      }
    `,
  ];

  @property() pin = '';
  @property({ type: Number }) seconds = PIN_VISIBLE_S;
  @state() private shown = false;
  @state() private remaining = PIN_VISIBLE_S;
  private timer: ReturnType<typeof setInterval> | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.remaining = this.seconds;
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stop();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.shown = false;
  }

  private tick(): void {
    this.remaining = Math.max(0, this.remaining - 1);
    if (this.remaining > 0) return;
    this.stop();
    this.dispatchEvent(new CustomEvent('expired', { bubbles: true, composed: true }));
  }

  private show(on: boolean): void {
    this.shown = on && this.remaining > 0;
  }

  override render() {
    return html`<p class="pin" data-testid="pin" data-shown=${this.shown ? 'true' : 'false'}>
        ${
          this.shown
            ? this.pin
            : html`<span aria-hidden="true">${'•'.repeat(this.pin.length)}</span
                ><span class="visually-hidden">${t('collection.pinHidden')}</span>`
        }
      </p>
      <button
        type="button"
        class="hold"
        aria-pressed=${this.shown ? 'true' : 'false'}
        @pointerdown=${(e: PointerEvent) => {
          (e.currentTarget as HTMLElement).setPointerCapture?.(e.pointerId);
          this.show(true);
        }}
        @pointerup=${() => this.show(false)}
        @pointercancel=${() => this.show(false)}
        @lostpointercapture=${() => this.show(false)}
        @keydown=${(e: KeyboardEvent) => {
          if (e.key === ' ' || e.key === 'Enter') {
            e.preventDefault();
            this.show(true);
          }
        }}
        @keyup=${() => this.show(false)}
        @blur=${() => this.show(false)}
        @contextmenu=${(e: Event) => e.preventDefault()}
      >
        ${t('collection.pinHold')}
      </button>
      <progress
        max=${this.seconds}
        .value=${this.remaining}
        aria-label=${t('collection.pinCountdown', { seconds: this.remaining })}
      ></progress>
      <p class="countdown" data-testid="pin-countdown">
        ${t('collection.pinCountdown', { seconds: this.remaining })}
      </p>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-pin-reveal': KioskPinReveal;
  }
}
