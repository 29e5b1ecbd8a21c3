/**
 * A labelled text field. On the kiosk it asks the browser for no virtual keyboard
 * (inputmode="none") because kiosk-onscreen-keyboard types into it; a physical keyboard still
 * works. Fires `value-changed` with the new value.
 */
import { html, css } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { ifDefined } from 'lit/directives/if-defined.js';
import { LocalizedElement } from '../i18n/i18n.js';
import { sharedStyles } from '../styles/shared.js';

let nextId = 0;

@customElement('kiosk-text-field')
export class KioskTextField extends LocalizedElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      .error {
        margin: 6px 0 0;
      }
      /* On a short screen (the 7" panel) the label takes less of the height left above the
         keyboard, and a longer label (Dutch) wraps less. */
      @media (max-height: 560px) {
        label {
          font-size: 0.9rem;
          margin-bottom: 2px;
        }
      }
    `,
  ];

  @property() label = '';
  @property() value = '';
  @property() type: 'text' | 'password' = 'text';
  @property() inputmode: 'none' | 'text' | 'email' = 'none';
  @property() autocomplete = 'off';
  @property() error = '';
  @property({ type: Boolean }) required = false;
  @property({ type: Number }) maxlength = 200;
  @query('input') private input!: HTMLInputElement;
  private readonly fieldId = `kiosk-field-${nextId++}`;

  /** Focus the input, also right after the field is created (before its first render). */
  override focus(): void {
    void this.updateComplete.then(() => this.input?.focus());
  }

  override render() {
    const errorId = `${this.fieldId}-error`;
    return html`<label for=${this.fieldId}>${this.label}</label>
      <input
        id=${this.fieldId}
        .value=${this.value}
        type=${this.type}
        inputmode=${this.inputmode}
        autocomplete=${this.autocomplete}
        autocapitalize="off"
        spellcheck="false"
        maxlength=${this.maxlength}
        ?required=${this.required}
        aria-invalid=${this.error ? 'true' : 'false'}
        aria-describedby=${ifDefined(this.error ? errorId : undefined)}
        @input=${(e: Event) => {
          this.value = (e.target as HTMLInputElement).value;
          this.dispatchEvent(new CustomEvent('value-changed', { detail: this.value }));
        }}
      />
      ${this.error ? html`<p id=${errorId} class="error">${this.error}</p>` : null}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-text-field': KioskTextField;
  }
}
