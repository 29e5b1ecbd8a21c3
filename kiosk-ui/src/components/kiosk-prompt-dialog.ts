/**
 * Ask staff for one line of text (a reason to reject or cancel, a batch name) in a modal with
 * its own on-screen keyboard, since the page behind a modal cannot be touched. Fires `confirm`
 * with the trimmed text; empty text is refused with `requiredMessage`, unless `optional` (a
 * note that may be left out). Content in the default slot goes above the field.
 */
import { html, css } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { LocalizedElement, t } from '../i18n/i18n.js';
import { sharedStyles } from '../styles/shared.js';
import './kiosk-dialog.js';
import './kiosk-text-field.js';
import './kiosk-onscreen-keyboard.js';

@customElement('kiosk-prompt-dialog')
export class KioskPromptDialog extends LocalizedElement {
  static override styles = [
    sharedStyles,
    css`
      kiosk-onscreen-keyboard {
        margin-top: var(--gap);
      }
    `,
  ];

  @property({ type: Boolean }) open = false;
  @property() heading = '';
  @property() label = '';
  @property() confirmLabel = '';
  @property() error = '';
  @property() requiredMessage = '';
  @property({ type: Boolean }) danger = false;
  @property({ type: Boolean }) optional = false;
  /** The longest text the route behind the dialog takes, so a long one is not refused late. */
  @property({ type: Number }) maxlength = 500;
  @state() private reason = '';
  @state() private target: HTMLInputElement | null = null;

  private confirm(): void {
    if (!this.optional && !this.reason.trim()) {
      this.error = this.requiredMessage || t('approvals.reasonRequired');
      return;
    }
    this.dispatchEvent(new CustomEvent('confirm', { detail: this.reason.trim() }));
  }

  private close(): void {
    this.reason = '';
    this.error = '';
    this.dispatchEvent(new CustomEvent('close'));
  }

  override render() {
    return html`<kiosk-dialog
      ?open=${this.open}
      heading=${this.heading}
      @close=${() => this.close()}
    >
      <div
        @focusin=${(e: FocusEvent) => {
          const origin = e.composedPath()[0];
          if (origin instanceof HTMLInputElement) this.target = origin;
        }}
      >
        <slot></slot>
        <kiosk-text-field
          label=${this.label}
          .value=${this.reason}
          .error=${this.error}
          maxlength=${this.maxlength}
          @value-changed=${(e: CustomEvent<string>) => {
            this.reason = e.detail;
            this.error = '';
          }}
        ></kiosk-text-field>
        <kiosk-onscreen-keyboard
          .target=${this.target}
          @keyboard-done=${() => this.confirm()}
        ></kiosk-onscreen-keyboard>
      </div>
      <button slot="actions" type="button" @click=${() => this.close()}>
        ${t('common.cancel')}
      </button>
      <button
        slot="actions"
        type="button"
        class=${this.danger ? 'danger primary' : 'primary'}
        @click=${() => this.confirm()}
      >
        ${this.confirmLabel}
      </button>
    </kiosk-dialog>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-prompt-dialog': KioskPromptDialog;
  }
}
