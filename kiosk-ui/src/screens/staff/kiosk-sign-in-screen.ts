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
      /* Fields side by side where the width allows, so fields, button and keyboard fit a
         480-pixel-high screen without scrolling. */
      :host {
        display: block;
        max-width: 60em;
        margin: 0 auto;
      }
      form {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(min(100%, 12em), 1fr));
        gap: var(--gap);
        align-items: end;
      }
      form .row {
        grid-column: 1 / -1;
      }
      kiosk-onscreen-keyboard {
        margin-top: var(--gap);
      }
      header {
        display: flex;
        flex-wrap: wrap;
        justify-content: space-between;
        align-items: center;
        gap: var(--gap);
        margin-bottom: var(--gap);
      }
      header h1 {
        margin: 0;
        font-size: clamp(1.3rem, 4.5vmin, 2rem);
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
        <div class="row">
          <kiosk-language-switch></kiosk-language-switch>
          <a class="touch" href="/">${t('staff.toKiosk')}</a>
        </div>
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
      ></kiosk-onscreen-keyboard>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-sign-in-screen': KioskSignInScreen;
  }
}
