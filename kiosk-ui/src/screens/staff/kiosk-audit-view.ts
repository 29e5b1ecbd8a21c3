/** The audit trail, newest first, and a check of its hash chain. */
import { html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import { apiContext, staffEventsContext } from '../../data/context.js';
import type { ApiClient } from '../../data/api-client.js';
import type { AuditEvent } from '../../data/api-types.js';
import type { StaffEventStream } from '../../data/event-stream.js';
import { LocalizedElement, formatDateTime, t } from '../../i18n/i18n.js';
import { LiveRefresh } from '../../state/live-refresh.js';
import { sharedStyles } from '../../styles/shared.js';
import { viewStyles } from './view-styles.js';

const AUDIT_PAGE = 50;

@customElement('kiosk-audit-view')
export class KioskAuditView extends LocalizedElement {
  static override styles = [sharedStyles, viewStyles];

  @consume({ context: apiContext }) private api!: ApiClient;
  @consume({ context: staffEventsContext }) private events?: StaffEventStream;
  @state() private items: AuditEvent[] | null = null;
  @state() private error = '';
  @state() private verdict = '';

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
      this.items = await this.api.audit({ limit: AUDIT_PAGE });
      this.error = '';
    } catch (err) {
      this.error = t('common.error', { message: (err as Error).message });
    }
  }

  private async verify(): Promise<void> {
    try {
      const r = await this.api.verifyAudit();
      this.verdict = r.ok
        ? t('audit.verifyOk', { events: r.events })
        : t('audit.verifyBroken', { seq: r.brokenAt ?? '?' });
    } catch (err) {
      this.verdict = t('common.error', { message: (err as Error).message });
    }
  }

  override render() {
    return html`<section>
      <div class="row">
        <h2>${t('audit.title')}</h2>
        <button type="button" @click=${() => void this.verify()}>${t('audit.verify')}</button>
      </div>
      ${this.verdict ? html`<p role="status">${this.verdict}</p>` : null}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : null}
      ${
        this.items === null
          ? html`<p>${t('common.loading')}</p>`
          : html`<table>
              <thead>
                <tr>
                  <th scope="col">${t('audit.at')}</th>
                  <th scope="col">${t('audit.actor')}</th>
                  <th scope="col">${t('audit.action')}</th>
                  <th scope="col">${t('audit.object')}</th>
                </tr>
              </thead>
              <tbody>
                ${this.items.map(
                  (e) =>
                    html`<tr>
                      <td>${formatDateTime(e.at)}</td>
                      <td>${e.actor}</td>
                      <td>${e.action}</td>
                      <td>${e.objectType} ${e.objectId.slice(0, 8)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-audit-view': KioskAuditView;
  }
}
