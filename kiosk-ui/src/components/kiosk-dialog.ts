/**
 * A modal dialog on the native <dialog> element, which already traps focus, closes on Escape
 * and hides the page behind it from assistive technology. Content in the default slot, buttons
 * in the `actions` slot; fires `close` when dismissed.
 */
import { html, css, type PropertyValues } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { LocalizedElement } from '../i18n/i18n.js';
import { sharedStyles } from '../styles/shared.js';

@customElement('kiosk-dialog')
export class KioskDialog extends LocalizedElement {
  static override styles = [
    sharedStyles,
    css`
      dialog {
        border: none;
        border-radius: var(--radius);
        padding: 24px;
        max-width: min(720px, 92vw);
        width: 100%;
        color: var(--text);
        background: var(--surface);
      }
      dialog::backdrop {
        background: rgb(0 0 0 / 0.55);
      }
    `,
  ];

  @property({ type: Boolean, reflect: true }) open = false;
  @property() heading = '';
  @query('dialog') private dialog!: HTMLDialogElement;

  protected override updated(changed: PropertyValues<this>): void {
    if (!changed.has('open')) return;
    if (this.open && !this.dialog.open) this.dialog.showModal();
    if (!this.open && this.dialog.open) this.dialog.close();
  }

  override render() {
    return html`<dialog
      aria-labelledby="heading"
      @close=${() => {
        this.open = false;
        this.dispatchEvent(new CustomEvent('close'));
      }}
    >
      <h2 id="heading">${this.heading}</h2>
      <slot></slot>
      <div class="actions"><slot name="actions"></slot></div>
    </dialog>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-dialog': KioskDialog;
  }
}
