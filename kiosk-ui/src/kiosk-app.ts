/**
 * The root element: provides the API client to everything below it and picks the part of the
 * UI the address asks for — the walk-up kiosk at /, the staff console at /staff (and
 * /diagnostics), or a walk-up's own status at /#/status/CODE (the QR code's target).
 */
import { LitElement, html, css } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { provide } from '@lit/context';
import { ApiClient } from './data/api-client.js';
import { apiContext } from './data/context.js';
import { LOCALES, setLocale, type Locale } from './i18n/i18n.js';
import { readUiConfig } from './state/ui-config.js';
import './screens/walk-up/kiosk-walk-up.js';
import './screens/walk-up/kiosk-status-screen.js';
import './screens/staff/kiosk-staff-console.js';

const STATUS_HASH = /^#\/status\/([0-9A-Za-z-]{8,12})$/;

@customElement('kiosk-app')
export class KioskApp extends LitElement {
  static override styles = css`
    :host {
      display: block;
      min-height: 100vh;
    }
  `;

  @provide({ context: apiContext }) api = new ApiClient();
  @state() private hash = location.hash;
  private readonly config = readUiConfig(location.search);
  private readonly onHash = () => (this.hash = location.hash);

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.config.lang && (LOCALES as string[]).includes(this.config.lang))
      setLocale(this.config.lang as Locale);
    window.addEventListener('hashchange', this.onHash);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.onHash);
  }

  override render() {
    const status = STATUS_HASH.exec(this.hash);
    if (status)
      return html`<kiosk-status-screen
        statusCode=${status[1]!}
        .kiosk=${false}
      ></kiosk-status-screen>`;
    const path = location.pathname;
    if (path === '/staff' || path === '/diagnostics')
      return html`<kiosk-staff-console
        idleMs=${this.config.staffIdleMs}
        initialView=${path === '/diagnostics' ? 'diagnostics' : ''}
      ></kiosk-staff-console>`;
    return html`<kiosk-walk-up idleMs=${this.config.walkUpIdleMs}></kiosk-walk-up>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-app': KioskApp;
  }
}
