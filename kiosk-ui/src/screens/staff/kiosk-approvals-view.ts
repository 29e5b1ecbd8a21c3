/**
 * Seed step 3: the requests waiting for approval, with approve and reject (with a reason).
 * Each shows what the approver decides on: the photo, the company, whom a visitor comes to
 * see and why.
 */
import { html, css } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import { apiContext, staffEventsContext } from '../../data/context.js';
import type { ApiClient } from '../../data/api-client.js';
import type { RequestDetail } from '../../data/api-types.js';
import type { StaffEventStream } from '../../data/event-stream.js';
import { listOrNotice } from './list-or-notice.js';
import { LocalizedElement, formatDateTime, t } from '../../i18n/i18n.js';
import { LiveRefresh } from '../../state/live-refresh.js';
import { LatestOnly } from '../../state/latest-only.js';
import { requestsWithPeople } from '../../state/request-lists.js';
import { sharedStyles } from '../../styles/shared.js';
import { viewStyles } from './view-styles.js';
import '../../components/kiosk-prompt-dialog.js';
import '../../components/kiosk-person-photo.js';

@customElement('kiosk-approvals-view')
export class KioskApprovalsView extends LocalizedElement {
  static override styles = [
    sharedStyles,
    viewStyles,
    css`
      .visit {
        display: flex;
        gap: var(--gap);
        align-items: flex-start;
        flex: 1 1 16em;
        min-width: 0;
      }
      kiosk-person-photo {
        --photo-width: clamp(64px, 5.5em, 160px);
      }
    `,
  ];

  @consume({ context: apiContext }) private api!: ApiClient;
  @consume({ context: staffEventsContext }) private events?: StaffEventStream;
  @state() private items: RequestDetail[] | null = null;
  @state() private error = '';
  private readonly latest = new LatestOnly();
  @state() private rejecting: RequestDetail | null = null;
  @state() private rejectError = '';

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
      const items = await this.latest.run(() => requestsWithPeople(this.api, 'awaiting_approval'));
      if (!items) return;
      this.items = items;
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

  private async reject(reason: string): Promise<void> {
    const target = this.rejecting;
    if (!target) return;
    try {
      await this.api.reject(target.request.id, reason);
      this.rejecting = null;
      await this.load();
    } catch (err) {
      this.rejectError = (err as Error).message;
    }
  }

  override render() {
    return html`<section>
        <h2>${t('approvals.title')}</h2>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : null}
        ${listOrNotice(
          this.items,
          (items) =>
            html`<ul class="plain">
              ${items.map(
                (d) =>
                  html`<li class="card" data-request=${d.request.id}>
                    <div class="visit">
                      <kiosk-person-photo
                        personId=${d.person.id}
                        name=${d.person.name}
                        ?hasPhoto=${d.person.hasPhoto}
                      ></kiosk-person-photo>
                      <div>
                        <p class="who">${d.person.name}</p>
                        <p>${d.process.label}</p>
                        ${d.person.company ? html`<p data-field="company">${t('approvals.company', { company: d.person.company })}</p>` : null}
                        ${d.host ? html`<p data-field="host">${t('approvals.host', { name: d.host.name })}</p>` : null}
                        ${d.request.purpose ? html`<p data-field="purpose">${t('approvals.purpose', { purpose: d.request.purpose })}</p>` : null}
                        <p class="muted">
                          ${t('approvals.requestedAt', { at: formatDateTime(d.request.createdAt) })}
                        </p>
                      </div>
                    </div>
                    <div class="row">
                      <button type="button" class="danger" @click=${() => (this.rejecting = d)}>
                        ${t('approvals.reject')}
                        <span class="visually-hidden">${d.person.name}</span>
                      </button>
                      <button
                        type="button"
                        class="primary"
                        @click=${() => void this.act(() => this.api.approve(d.request.id))}
                      >
                        ${t('approvals.approve')}
                        <span class="visually-hidden">${d.person.name}</span>
                      </button>
                    </div>
                  </li>`,
              )}
            </ul>`,
        )}
      </section>
      <kiosk-prompt-dialog
        danger
        ?open=${this.rejecting !== null}
        heading=${this.rejecting ? t('approvals.rejectTitle', { name: this.rejecting.person.name }) : ''}
        label=${t('approvals.reason')}
        confirmLabel=${t('approvals.reject')}
        .error=${this.rejectError}
        @confirm=${(e: CustomEvent<string>) => void this.reject(e.detail)}
        @close=${() => {
          this.rejecting = null;
          this.rejectError = '';
        }}
      ></kiosk-prompt-dialog>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-approvals-view': KioskApprovalsView;
  }
}
