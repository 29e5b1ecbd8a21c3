/**
 * Visits for the desk (security staff, registration officers): who is on site now, with
 * the print page and CSV for an evacuation and "end visit" (badge back or not); badges that
 * did not come back; invitations (invite a visitor, withdraw an open invitation); and the
 * host notifications and invitation e-mails, with "send again" for one that failed.
 */
import { html, css } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import { apiContext, staffEventsContext } from '../../data/context.js';
import type { ApiClient } from '../../data/api-client.js';
import type { Host, HostNotification, Invitation, Visit } from '../../data/api-types.js';
import type { StaffEventStream } from '../../data/event-stream.js';
import { listOrNotice } from './list-or-notice.js';
import { LocalizedElement, formatDate, formatDateTime, t } from '../../i18n/i18n.js';
import { LiveRefresh } from '../../state/live-refresh.js';
import { sharedStyles } from '../../styles/shared.js';
import { viewStyles } from './view-styles.js';
import '../../components/kiosk-text-field.js';
import '../../components/kiosk-host-picker.js';
import '../../components/kiosk-onscreen-keyboard.js';

type Field = HTMLInputElement | HTMLTextAreaElement;

@customElement('kiosk-visits-view')
export class KioskVisitsView extends LocalizedElement {
  static override styles = [
    sharedStyles,
    viewStyles,
    css`
      form {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(min(100%, 14em), 1fr));
        gap: var(--gap);
      }
      label.date {
        display: flex;
        flex-direction: column;
        gap: 4px;
        font-weight: 600;
      }
      .code {
        font-family: ui-monospace, 'DejaVu Sans Mono', monospace;
        font-size: 1.4rem;
        font-weight: 800;
      }
    `,
  ];

  @consume({ context: apiContext }) private api!: ApiClient;
  @consume({ context: staffEventsContext }) private events?: StaffEventStream;
  @state() private onSite: Visit[] | null = null;
  @state() private unreturned: Visit[] | null = null;
  @state() private invitations: Invitation[] | null = null;
  @state() private notifications: HostNotification[] | null = null;
  @state() private error = '';
  @state() private draft = { name: '', company: '', email: '', firstDay: '', lastDay: '' };
  @state() private host: Host | null = null;
  @state() private newCode = '';
  @state() private keyboardTarget: Field | null = null;

  constructor() {
    super();
    new LiveRefresh(
      this,
      () => this.events,
      () => void this.load(),
    );
  }

  private async load(): Promise<void> {
    try {
      [this.onSite, this.unreturned, this.invitations, this.notifications] = await Promise.all([
        this.api.visitsOnSite(),
        this.api.unreturnedBadges(),
        this.api.invitations('open'),
        this.api.notifications(),
      ]);
      this.error = '';
    } catch (err) {
      this.error = t('common.error', { message: (err as Error).message });
    }
  }

  private async act(run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
      this.error = '';
    } catch (err) {
      this.error = t('common.error', { message: (err as Error).message });
    }
    await this.load();
  }

  private async invite(): Promise<void> {
    const d = this.draft;
    if (!d.name.trim() || !d.email.trim() || !this.host) {
      this.error = t('visits.inviteMissing');
      return;
    }
    await this.act(async () => {
      const created = await this.api.invite({
        name: d.name.trim(),
        ...(d.company.trim() ? { company: d.company.trim() } : {}),
        email: d.email.trim(),
        hostPersonId: this.host!.id,
        // Empty: the device's today (its clock and time zone, not this browser's).
        ...(d.firstDay ? { firstDay: d.firstDay } : {}),
        ...(d.lastDay ? { lastDay: d.lastDay } : {}),
      });
      this.newCode = created.code;
      this.draft = { name: '', company: '', email: '', firstDay: '', lastDay: '' };
      this.host = null;
    });
  }

  private field(key: 'name' | 'company' | 'email', label: string) {
    return html`<kiosk-text-field
      label=${label}
      inputmode=${key === 'email' ? 'email' : 'text'}
      .value=${this.draft[key]}
      maxlength="120"
      @value-changed=${(e: CustomEvent<string>) => (this.draft = { ...this.draft, [key]: e.detail })}
    ></kiosk-text-field>`;
  }

  private date(key: 'firstDay' | 'lastDay', label: string) {
    return html`<label class="date">
      ${label}
      <input
        type="date"
        .value=${this.draft[key]}
        @change=${(e: Event) =>
          (this.draft = { ...this.draft, [key]: (e.target as HTMLInputElement).value })}
      />
    </label>`;
  }

  private visitRow(v: Visit, actions: boolean) {
    return html`<li class="card" data-visit=${v.id}>
      <div>
        <p class="who">${v.name}${v.company ? ` · ${v.company}` : ''}</p>
        <p class="muted">
          ${v.hostName ? t('visits.host', { name: v.hostName }) : ''}
          ${v.cardNumber ? ` · ${v.cardNumber}` : ''}
          ${v.onSiteAt ? ` · ${formatDateTime(v.onSiteAt)}` : ''}
        </p>
      </div>
      ${
        actions
          ? html`<div class="row">
              <button
                type="button"
                @click=${() => void this.act(() => this.api.endVisit(v.id, true))}
              >
                ${t('visits.endReturned')} <span class="visually-hidden">${v.name}</span>
              </button>
              <button
                type="button"
                @click=${() => void this.act(() => this.api.endVisit(v.id, false))}
              >
                ${t('visits.endNotReturned')} <span class="visually-hidden">${v.name}</span>
              </button>
            </div>`
          : null
      }
    </li>`;
  }

  override render() {
    return html`${this.error ? html`<p class="error" role="alert">${this.error}</p>` : null}
      <section>
        <h2>${t('visits.onSite')}</h2>
        <p class="row">
          <a class="touch" href="/api/visits/on-site/print" target="_blank">${t('visits.print')}</a>
          <a class="touch" href="/api/visits/on-site.csv" download>${t('visits.csv')}</a>
        </p>
        ${listOrNotice(
          this.onSite,
          (items) =>
            html`<ul class="plain">
              ${items.map((v) => this.visitRow(v, true))}
            </ul>`,
        )}
      </section>
      <section>
        <h2>${t('visits.unreturned')}</h2>
        ${listOrNotice(
          this.unreturned,
          (items) =>
            html`<ul class="plain">
              ${items.map((v) => this.visitRow(v, false))}
            </ul>`,
        )}
      </section>
      <section>
        <h2>${t('visits.invitations')}</h2>
        ${listOrNotice(
          this.invitations,
          (items) =>
            html`<ul class="plain">
              ${items.map(
                (i) =>
                  html`<li class="card" data-invitation=${i.id}>
                    <div>
                      <p class="who">${i.name ?? ''}${i.company ? ` · ${i.company}` : ''}</p>
                      <p class="muted">
                        ${formatDate(i.firstDay, 'medium')}${
                          i.lastDay !== i.firstDay ? ` – ${formatDate(i.lastDay, 'medium')}` : ''
                        }
                      </p>
                    </div>
                    <button
                      type="button"
                      @click=${() => void this.act(() => this.api.withdrawInvitation(i.id))}
                    >
                      ${t('visits.withdraw')} <span class="visually-hidden">${i.name ?? ''}</span>
                    </button>
                  </li>`,
              )}
            </ul>`,
        )}
        <h3>${t('visits.invite')}</h3>
        <form
          @submit=${(e: Event) => e.preventDefault()}
          @focusin=${(e: FocusEvent) => {
            const origin = e.composedPath()[0];
            if (origin instanceof HTMLInputElement && origin.type !== 'date')
              this.keyboardTarget = origin;
          }}
        >
          ${this.field('name', t('details.name'))} ${this.field('company', t('details.company'))}
          ${this.field('email', t('visits.email'))}
          <kiosk-host-picker
            label=${t('visits.hostLabel')}
            .host=${this.host}
            @host-changed=${(e: CustomEvent<Host | null>) => (this.host = e.detail)}
          ></kiosk-host-picker>
          ${this.date('firstDay', t('visits.firstDay'))}
          ${this.date('lastDay', t('visits.lastDay'))}
        </form>
        <div class="row">
          <button type="button" class="primary" @click=${() => void this.invite()}>
            ${t('visits.sendInvitation')}
          </button>
        </div>
        ${
          this.newCode
            ? html`<p role="status">
                ${t('visits.invited')}
                <span class="code" data-testid="invitation-code">${this.newCode}</span>
              </p>`
            : null
        }
        <kiosk-onscreen-keyboard .target=${this.keyboardTarget}></kiosk-onscreen-keyboard>
      </section>
      <section>
        <h2>${t('visits.notifications')}</h2>
        ${listOrNotice(
          this.notifications,
          (items) =>
            html`<table>
              <thead>
                <tr>
                  <th scope="col">${t('visits.recipient')}</th>
                  <th scope="col">${t('visits.topic')}</th>
                  <th scope="col">${t('visits.state')}</th>
                  <th scope="col"><span class="visually-hidden">${t('visits.resend')}</span></th>
                </tr>
              </thead>
              <tbody>
                ${items.map(
                  (n) =>
                    html`<tr data-notification=${n.id}>
                      <td>${n.recipient}</td>
                      <td>${n.channel} · ${n.topic}</td>
                      <td>
                        ${n.state} (${n.attempts})${n.lastError ? html`<br />${n.lastError}` : null}
                      </td>
                      <td>
                        ${
                          n.state === 'failed'
                            ? html`<button
                                type="button"
                                @click=${() => void this.act(() => this.api.resendNotification(n.id))}
                              >
                                ${t('visits.resend')}
                              </button>`
                            : null
                        }
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>`,
        )}
      </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-visits-view': KioskVisitsView;
  }
}
