/** Staff sign-in at the kiosk: user name and passcode on the on-screen keyboard. */
import { html, css } from 'lit';
import { customElement, query, state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import { apiContext } from '../../data/context.js';
import { ApiError, type ApiClient } from '../../data/api-client.js';
import { LocalizedElement, t } from '../../i18n/i18n.js';
import { sharedStyles } from '../../styles/shared.js';
import type { KioskTextField } from '../../components/kiosk-text-field.js';
import '../../components/kiosk-text-field.js';
import '../../components/kiosk-onscreen-keyboard.js';
import '../../components/kiosk-language-switch.js';

@customElement('kiosk-sign-in-screen')
export class KioskSignInScreen extends LocalizedElement {
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
      kiosk-onscreen-keyboard {
        margin-top: var(--gap);
      }
      header {
        display: flex;
        justify-content: space-between;
        align-items: center;
        margin-bottom: var(--gap);
      }
    `,
  ];

  @consume({ context: apiContext }) private api!: ApiClient;
  @state() private username = '';
  @state() private passcode = '';
  @state() private error = '';
  @state() private busy = false;
  @state() private target: HTMLInputElement | null = null;
  @query('kiosk-text-field') private first!: KioskTextField;

  protected override firstUpdated(): void {
    this.first.focus();
  }

  private async signIn(): Promise<void> {
    if (!this.username || !this.passcode || this.busy) return;
    this.busy = true;
    this.error = '';
    try {
      const user = await this.api.signIn(this.username.trim(), this.passcode);
      this.passcode = '';
      this.dispatchEvent(
        new CustomEvent('signed-in', { detail: user, bubbles: true, composed: true }),
      );
    } catch (err) {
      this.passcode = '';
      const code = err instanceof ApiError ? err.status : 0;
      this.error =
        code === 401
          ? t('staff.wrongPasscode')
          : code === 423
            ? t('staff.locked')
            : code === 429
              ? t('staff.tooMany')
              : t('common.error', { message: (err as Error).message });
    } finally {
      this.busy = false;
    }
  }

  override render() {
    return html`<header>
        <h1>${t('staff.title')}</h1>
        <a class="touch" href="/">${t('staff.toKiosk')}</a>
      </header>
      <form
        @submit=${(e: Event) => {
          e.preventDefault();
          void this.signIn();
        }}
        @focusin=${(e: FocusEvent) => {
          const origin = e.composedPath()[0];
          if (origin instanceof HTMLInputElement) this.target = origin;
        }}
      >
        <kiosk-text-field
          label=${t('staff.username')}
          autocomplete="username"
          .value=${this.username}
          @value-changed=${(e: CustomEvent<string>) => (this.username = e.detail)}
        ></kiosk-text-field>
        <kiosk-text-field
          label=${t('staff.passcode')}
          type="password"
          autocomplete="current-password"
          .value=${this.passcode}
          @value-changed=${(e: CustomEvent<string>) => (this.passcode = e.detail)}
        ></kiosk-text-field>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : null}
        <div class="row">
          <button type="submit" class="primary" ?disabled=${this.busy}>${t('staff.signIn')}</button>
        </div>
      </form>
      <kiosk-onscreen-keyboard
        .target=${this.target}
        @keyboard-done=${() => void this.signIn()}
      ></kiosk-onscreen-keyboard>
      <p><kiosk-language-switch></kiosk-language-switch></p>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-sign-in-screen': KioskSignInScreen;
  }
}
