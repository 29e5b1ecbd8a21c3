/**
 * The staff console: sign in, change a one-time passcode, then the views the signed-in
 * member's roles call for. The server checks every role again; the UI only hides what would
 * be refused. While signed in it holds the live event stream and provides it to the views;
 * after `idleMs` without a touch it signs out, because the kiosk screen is shared.
 */
import { html, css } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { consume, provide } from '@lit/context';
import { apiContext, staffEventsContext } from '../../data/context.js';
import { ApiError, type ApiClient } from '../../data/api-client.js';
import type { StaffRole, User } from '../../data/api-types.js';
import { StaffEventStream } from '../../data/event-stream.js';
import { LocalizedElement, t, type MessageKey } from '../../i18n/i18n.js';
import { IdleTimer } from '../../state/idle-timer.js';
import { sharedStyles } from '../../styles/shared.js';
import './kiosk-sign-in-screen.js';
import './kiosk-passcode-screen.js';
import './kiosk-approvals-view.js';
import './kiosk-produce-view.js';
import './kiosk-production-view.js';
import './kiosk-batches-view.js';
import './kiosk-collection-view.js';
import './kiosk-cards-view.js';
import './kiosk-audit-view.js';
import './kiosk-diagnostics-view.js';
import './kiosk-expiring-view.js';
import './kiosk-visits-view.js';

export type StaffView =
  | 'approvals'
  | 'produce'
  | 'production'
  | 'batches'
  | 'collection'
  | 'cards'
  | 'audit'
  | 'diagnostics'
  | 'expiring'
  | 'visits';

const ALL_STAFF: StaffRole[] = [
  'registration_officer',
  'approver',
  'card_production_admin',
  'security_staff',
  'device_admin',
];

/** Which roles each view is for (the same roles the routes behind it accept). */
const VIEWS: Array<{ id: StaffView; roles: StaffRole[] }> = [
  { id: 'approvals', roles: ['approver'] },
  { id: 'produce', roles: ['registration_officer'] },
  { id: 'production', roles: ['registration_officer', 'card_production_admin'] },
  { id: 'batches', roles: ['registration_officer', 'card_production_admin'] },
  { id: 'collection', roles: ['security_staff'] },
  // Anyone may look cards up, but only these roles may revoke; the view is about revoking.
  { id: 'cards', roles: ['security_staff', 'card_production_admin', 'registration_officer'] },
  { id: 'diagnostics', roles: ['device_admin'] },
  { id: 'audit', roles: ALL_STAFF },
  // Renewal is for the roles that renew (a new card, or the same chip at the encoder).
  { id: 'expiring', roles: ['registration_officer', 'card_production_admin'] },
  { id: 'visits', roles: ['security_staff', 'registration_officer'] },
];

@customElement('kiosk-staff-console')
export class KioskStaffConsole extends LocalizedElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        padding: var(--page-pad) calc(var(--page-pad) * 2);
      }
      /* Nothing in the console may make the page scroll sideways on a 7" screen: long words
         break, and views keep within the width they are given. */
      main {
        min-width: 0;
        overflow-wrap: anywhere;
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
      nav ul {
        display: flex;
        flex-wrap: wrap;
        gap: 8px;
        list-style: none;
        padding: 0;
        margin: 0 0 var(--gap);
      }
      nav button[aria-current='page'] {
        background: var(--primary);
        color: var(--primary-text);
      }
    `,
  ];

  @consume({ context: apiContext }) private api!: ApiClient;
  @provide({ context: staffEventsContext }) events = new StaffEventStream();
  @property({ type: Number }) idleMs = 180_000;
  /** The view to open first, when the member's roles include it. */
  @property() initialView: StaffView | '' = '';
  @state() private user: User | null | undefined = undefined;
  @state() private view: StaffView | null = null;
  @state() private error = '';
  private idle: IdleTimer | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.idle = new IdleTimer(this.idleMs, () => void this.signOut());
    void this.loadSession();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.idle?.stop();
    this.events.close();
  }

  private async loadSession(): Promise<void> {
    try {
      this.enter(await this.api.session());
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) this.user = null;
      else this.error = t('common.error', { message: (err as Error).message });
    }
  }

  private views(user: User): StaffView[] {
    return VIEWS.filter((v) => v.roles.some((r) => user.roles.includes(r))).map((v) => v.id);
  }

  private enter(user: User): void {
    this.user = user;
    if (user.mustChangePasscode) return;
    const views = this.views(user);
    this.view =
      this.initialView && views.includes(this.initialView) ? this.initialView : (views[0] ?? null);
    this.events.open();
    this.idle?.start();
  }

  private async signOut(): Promise<void> {
    this.idle?.stop();
    this.events.close();
    await this.api.signOut().catch(() => undefined);
    this.user = null;
    this.view = null;
  }

  private renderView(view: StaffView) {
    switch (view) {
      case 'approvals':
        return html`<kiosk-approvals-view></kiosk-approvals-view>`;
      case 'produce':
        return html`<kiosk-produce-view></kiosk-produce-view>`;
      case 'production':
        return html`<kiosk-production-view></kiosk-production-view>`;
      case 'batches':
        return html`<kiosk-batches-view></kiosk-batches-view>`;
      case 'collection':
        return html`<kiosk-collection-view></kiosk-collection-view>`;
      case 'cards':
        return html`<kiosk-cards-view></kiosk-cards-view>`;
      case 'audit':
        return html`<kiosk-audit-view></kiosk-audit-view>`;
      case 'diagnostics':
        return html`<kiosk-diagnostics-view></kiosk-diagnostics-view>`;
      case 'expiring':
        return html`<kiosk-expiring-view></kiosk-expiring-view>`;
      case 'visits':
        return html`<kiosk-visits-view></kiosk-visits-view>`;
    }
  }

  override render() {
    if (this.error) return html`<p class="error" role="alert">${this.error}</p>`;
    if (this.user === undefined) return html`<p>${t('common.loading')}</p>`;
    if (this.user === null)
      return html`<kiosk-sign-in-screen
        @signed-in=${(e: CustomEvent<User>) => this.enter(e.detail)}
      ></kiosk-sign-in-screen>`;
    if (this.user.mustChangePasscode)
      return html`<kiosk-passcode-screen
        @passcode-changed=${() => void this.loadSession()}
      ></kiosk-passcode-screen>`;
    const views = this.views(this.user);
    return html`<header>
        <h1>${t('staff.title')}</h1>
        <div class="row">
          <span>${t('staff.signedInAs', { name: this.user.displayName })}</span>
          <button type="button" @click=${() => void this.signOut()}>${t('staff.signOut')}</button>
          <a class="touch" href="/">${t('staff.toKiosk')}</a>
        </div>
      </header>
      <nav aria-label=${t('staff.views')}>
        <ul>
          ${views.map(
            (v) =>
              html`<li>
                <button
                  type="button"
                  data-view=${v}
                  aria-current=${v === this.view ? 'page' : 'false'}
                  @click=${() => (this.view = v)}
                >
                  ${t(`view.${v}` as MessageKey)}
                </button>
              </li>`,
          )}
        </ul>
      </nav>
      <main>${this.view ? this.renderView(this.view) : html`<p>${t('staff.noRoles')}</p>`}</main>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-staff-console': KioskStaffConsole;
  }
}
