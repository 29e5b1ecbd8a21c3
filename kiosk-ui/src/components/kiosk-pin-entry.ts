/**
 * The holder's part of a PIN unblock or change, on the PIN keypad: for a change the current
 * PIN first (any length the card takes), then the new PIN twice (exactly `pinLength` digits;
 * 0: 6 to 8, any length a PIV card takes).
 * Two new PINs that differ start the new PIN again, saying so. Fires `pins-entered` with
 * `{ currentPin?, newPin }` once; `reset()` starts over. Whether a PIN is right is for the
 * card to say, not this element.
 */
import { html, css, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { LocalizedElement, t } from '../i18n/i18n.js';
import { sharedStyles } from '../styles/shared.js';
import './kiosk-pin-keypad.js';

export interface EnteredPins {
  currentPin?: string;
  newPin: string;
}

type Step = 'current' | 'new' | 'repeat';

@customElement('kiosk-pin-entry')
export class KioskPinEntry extends LocalizedElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      .mismatch {
        margin: 0 0 8px;
      }
    `,
  ];

  @property() mode: 'unblock' | 'change' = 'unblock';
  @property({ type: Number }) pinLength = 6;
  @property({ type: Boolean }) disabled = false;
  @state() private step: Step = 'new';
  @state() private mismatch = false;
  private currentPin: string | undefined;
  private newPin: string | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    this.reset();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('mode') && changed.get('mode') !== undefined) this.reset();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.currentPin = undefined;
    this.newPin = undefined;
  }

  reset(): void {
    this.step = this.mode === 'change' ? 'current' : 'new';
    this.mismatch = false;
    this.currentPin = undefined;
    this.newPin = undefined;
  }

  private entered(pin: string): void {
    if (this.step === 'current') {
      this.currentPin = pin;
      this.step = 'new';
      return;
    }
    if (this.step === 'new') {
      this.newPin = pin;
      this.mismatch = false;
      this.step = 'repeat';
      return;
    }
    if (pin !== this.newPin) {
      this.newPin = undefined;
      this.mismatch = true;
      this.step = 'new';
      return;
    }
    const detail: EnteredPins = {
      ...(this.currentPin !== undefined ? { currentPin: this.currentPin } : {}),
      newPin: pin,
    };
    this.currentPin = undefined;
    this.newPin = undefined;
    this.dispatchEvent(new CustomEvent('pins-entered', { detail }));
  }

  override render() {
    const prompt =
      this.step === 'current'
        ? t('pin.typeCurrent')
        : this.step === 'new'
          ? this.pinLength
            ? t('pin.typeNew', { length: this.pinLength })
            : t('pin.typeNewAnyLength')
          : t('pin.typeAgain');
    return html`${
        this.mismatch ? html`<p class="error mismatch" role="alert">${t('pin.mismatch')}</p>` : null
      }
      <kiosk-pin-keypad
        data-step=${this.step}
        prompt=${prompt}
        .length=${this.step === 'current' ? 0 : this.pinLength}
        ?disabled=${this.disabled}
        @pin-entered=${(e: CustomEvent<string>) => this.entered(e.detail)}
      ></kiosk-pin-keypad>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-pin-entry': KioskPinEntry;
  }
}
