/** The forced passcode change after signing in with a one-time passcode. */
import { html, css } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import { apiContext } from '../../data/context.js';
import type { ApiClient } from '../../data/api-client.js';
import { LocalizedElement, t } from '../../i18n/i18n.js';
import { sharedStyles } from '../../styles/shared.js';
import '../../components/kiosk-text-field.js';
import '../../components/kiosk-onscreen-keyboard.js';

@customElement('kiosk-passcode-screen')
export class KioskPasscodeScreen extends LocalizedElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        max-width: 900px;
        margin: 0 auto;
        padding: 32px;
      }
      form {
        display: grid;
        gap: var(--gap);
        max-width: 520px;
      }
    `,
  ];

  @consume({ context: apiContext }) private api!: ApiClient;
  @state() private current = '';
  @state() private next = '';
  @state() private repeat = '';
  @state() private error = '';
  @state() private target: HTMLInputElement | null = null;

  private async save(): Promise<void> {
    if (this.next !== this.repeat) {
      this.error = t('passcode.mismatch');
      return;
    }
    try {
      await this.api.changePasscode(this.current, this.next);
      this.dispatchEvent(new CustomEvent('passcode-changed', { bubbles: true, composed: true }));
    } catch (err) {
      this.error = t('common.error', { message: (err as Error).message });
    }
  }

  private field(label: string, value: string, set: (v: string) => void, autocomplete: string) {
    return html`<kiosk-text-field
      type="password"
      label=${label}
      autocomplete=${autocomplete}
      .value=${value}
      @value-changed=${(e: CustomEvent<string>) => {
        this.error = '';
        set(e.detail);
      }}
    ></kiosk-text-field>`;
  }

  override render() {
    return html`<h1>${t('passcode.title')}</h1>
      <p>${t('passcode.lead')}</p>
      <form
        @submit=${(e: Event) => {
          e.preventDefault();
          void this.save();
        }}
        @focusin=${(e: FocusEvent) => {
          const origin = e.composedPath()[0];
          if (origin instanceof HTMLInputElement) this.target = origin;
        }}
      >
        ${this.field(t('passcode.current'), this.current, (v) => (this.current = v), 'current-password')}
        ${this.field(t('passcode.new'), this.next, (v) => (this.next = v), 'new-password')}
        ${this.field(t('passcode.repeat'), this.repeat, (v) => (this.repeat = v), 'new-password')}
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : null}
        <div class="row"><button type="submit" class="primary">${t('passcode.save')}</button></div>
      </form>
      <kiosk-onscreen-keyboard .target=${this.target}></kiosk-onscreen-keyboard>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-passcode-screen': KioskPasscodeScreen;
  }
}
