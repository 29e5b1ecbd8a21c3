/** Mass production: the batches, running an open one, and each card's outcome in a batch. */
import { html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import { apiContext, staffEventsContext } from '../../data/context.js';
import type { ApiClient } from '../../data/api-client.js';
import type { Batch, BatchReport } from '../../data/api-types.js';
import type { StaffEventStream } from '../../data/event-stream.js';
import { listOrNotice } from './list-or-notice.js';
import { LocalizedElement, formatDateTime, t, tn } from '../../i18n/i18n.js';
import { LiveRefresh } from '../../state/live-refresh.js';
import { sharedStyles } from '../../styles/shared.js';
import { viewStyles } from './view-styles.js';

@customElement('kiosk-batches-view')
export class KioskBatchesView extends LocalizedElement {
  static override styles = [sharedStyles, viewStyles];

  @consume({ context: apiContext }) private api!: ApiClient;
  @consume({ context: staffEventsContext }) private events?: StaffEventStream;
  @state() private batches: Batch[] | null = null;
  @state() private report: BatchReport | null = null;
  @state() private error = '';

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
      this.batches = await this.api.batches();
      if (this.report) this.report = await this.api.batch(this.report.batch.id);
      this.error = '';
    } catch (err) {
      this.error = t('common.error', { message: (err as Error).message });
    }
  }

  private async act(run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (err) {
      this.error = t('common.error', { message: (err as Error).message });
    }
    await this.load();
  }

  override render() {
    const r = this.report;
    return html`<section>
        <h2>${t('batches.title')}</h2>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : null}
        ${listOrNotice(
          this.batches,
          (items) =>
            html`<ul class="plain">
              ${items.map(
                (b) =>
                  html`<li class="card" data-batch=${b.id}>
                    <div>
                      <p class="who">${b.name}</p>
                      <p class="muted">
                        ${t(`batches.state.${b.state}`)} · ${formatDateTime(b.createdAt)}
                      </p>
                    </div>
                    <div class="row">
                      <button
                        type="button"
                        @click=${() => void this.act(async () => (this.report = await this.api.batch(b.id)))}
                      >
                        ${t('batches.members', { name: b.name })}
                      </button>
                      ${
                        b.state === 'open'
                          ? html`<button
                              type="button"
                              class="primary"
                              @click=${() => void this.act(() => this.api.runBatch(b.id))}
                            >
                              ${t('batches.run')} <span class="visually-hidden">${b.name}</span>
                            </button>`
                          : null
                      }
                    </div>
                  </li>`,
              )}
            </ul>`,
        )}
      </section>
      ${
        r
          ? html`<section>
              <h2>${t('batches.members', { name: r.batch.name })}</h2>
              <p>
                ${tn('batches.totals', r.totals.members, {
                  members: r.totals.members,
                  produced: r.totals.produced,
                  failed: r.totals.failed,
                  waiting: r.totals.waiting,
                  spoiled: r.totals.spoiledCards,
                })}
              </p>
              <table>
                <thead>
                  <tr>
                    <th scope="col">${t('batches.holder')}</th>
                    <th scope="col">${t('batches.outcome')}</th>
                    <th scope="col">${t('batches.reason')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${r.members.map(
                    (m) =>
                      html`<tr>
                        <td>${m.holderName}${m.cardNumber ? html`<br />${m.cardNumber}` : null}</td>
                        <td>
                          ${t(`staffState.${m.state}`)} · ${tn('batches.attempts', m.attempts)}
                        </td>
                        <td>${m.reason ?? ''}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </section>`
          : null
      }`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-batches-view': KioskBatchesView;
  }
}
