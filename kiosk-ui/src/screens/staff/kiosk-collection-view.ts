/**
 * Hand-over (step 8): produced cards waiting for their holders. The guard checks the holder
 * against the photo (when one was taken) and the name, then the card is collected and its PIN
 * goes to a dialog meant for the holder's eyes: masked, shown only while the holder holds the
 * button down, and dropped when the countdown ends or the dialog closes. The device destroyed
 * its copy already.
 */
import { html, css } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import { apiContext, staffEventsContext } from '../../data/context.js';
import type { ApiClient } from '../../data/api-client.js';
import type { Collected, RequestDetail } from '../../data/api-types.js';
import type { StaffEventStream } from '../../data/event-stream.js';
import { listOrNotice } from './list-or-notice.js';
import { LocalizedElement, t } from '../../i18n/i18n.js';
import { LiveRefresh } from '../../state/live-refresh.js';
import { LatestOnly } from '../../state/latest-only.js';
import { requestsWithPeople } from '../../state/request-lists.js';
import { sharedStyles } from '../../styles/shared.js';
import { viewStyles } from './view-styles.js';
import '../../components/kiosk-dialog.js';
import '../../components/kiosk-person-photo.js';
import '../../components/kiosk-pin-reveal.js';

@customElement('kiosk-collection-view')
export class KioskCollectionView extends LocalizedElement {
  static override styles = [
    sharedStyles,
    viewStyles,
    css`
      .holder {
        display: flex;
        gap: var(--gap);
        align-items: center;
        flex: 1 1 14em;
        min-width: 0;
      }
      .holder kiosk-person-photo {
        --photo-width: clamp(56px, 4.5em, 140px);
      }
      .identity {
        display: flex;
        flex-wrap: wrap;
        gap: var(--gap);
        align-items: flex-start;
      }
      .identity kiosk-person-photo {
        /* Large enough to compare with a face across the desk, small enough for a 7" screen. */
        --photo-width: clamp(96px, 24vh, 320px);
      }
      .identity .who {
        font-size: 1.4rem;
      }
    `,
  ];

  @consume({ context: apiContext }) private api!: ApiClient;
  @consume({ context: staffEventsContext }) private events?: StaffEventStream;
  @state() private items: RequestDetail[] | null = null;
  @state() private error = '';
  private readonly latest = new LatestOnly();
  @state() private confirming: RequestDetail | null = null;
  @state() private collected: Collected | null = null;

  constructor() {
    super();
    new LiveRefresh(
      this,
      () => this.events,
      () => void this.load(),
    );
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.collected = null;
  }

  private async load(): Promise<void> {
    try {
      const items = await this.latest.run(() => requestsWithPeople(this.api, 'produced'));
      if (!items) return;
      this.items = items;
      this.error = '';
    } catch (err) {
      this.error = t('common.error', { message: (err as Error).message });
    }
  }

  private async handOver(): Promise<void> {
    const d = this.confirming;
    if (!d) return;
    this.confirming = null;
    try {
      this.collected = await this.api.collect(d.request.id);
    } catch (err) {
      this.error = t('common.error', { message: (err as Error).message });
    }
    await this.load();
  }

  override render() {
    return html`<section>
        <h2>${t('collection.title')}</h2>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : null}
        ${listOrNotice(
          this.items,
          (items) =>
            html`<ul class="plain">
              ${items.map(
                (d) =>
                  html`<li class="card" data-request=${d.request.id}>
                    <div class="holder">
                      <kiosk-person-photo
                        personId=${d.person.id}
                        name=${d.person.name}
                        ?hasPhoto=${d.person.hasPhoto}
                      ></kiosk-person-photo>
                      <div>
                        <p class="who">${d.person.name}</p>
                        <p>${d.process.label}</p>
                        ${d.card ? html`<p>${t('collection.cardNumber', { number: d.card.cardNumber })}</p>` : null}
                      </div>
                    </div>
                    <button type="button" class="primary" @click=${() => (this.confirming = d)}>
                      ${t('collection.handOver')}
                      <span class="visually-hidden">${d.person.name}</span>
                    </button>
                  </li>`,
              )}
            </ul>`,
        )}
      </section>
      <kiosk-dialog
        ?open=${this.confirming !== null}
        heading=${this.confirming ? t('collection.confirmTitle', { name: this.confirming.person.name }) : ''}
        @close=${() => (this.confirming = null)}
      >
        ${
          this.confirming
            ? html`<div class="identity">
                <kiosk-person-photo
                  personId=${this.confirming.person.id}
                  name=${this.confirming.person.name}
                  ?hasPhoto=${this.confirming.person.hasPhoto}
                ></kiosk-person-photo>
                <div>
                  <p class="who" data-field="holder">${this.confirming.person.name}</p>
                  ${this.confirming.person.company ? html`<p>${this.confirming.person.company}</p>` : null}
                  ${this.confirming.card ? html`<p>${t('collection.cardNumber', { number: this.confirming.card.cardNumber })}</p>` : null}
                  <p>${t('collection.checkIdentity')}</p>
                </div>
              </div>`
            : null
        }
        <p>${t('collection.confirmText')}</p>
        <button slot="actions" type="button" @click=${() => (this.confirming = null)}>
          ${t('common.cancel')}
        </button>
        <button slot="actions" type="button" class="primary" @click=${() => void this.handOver()}>
          ${t('collection.handOver')}
        </button>
      </kiosk-dialog>
      <kiosk-dialog
        ?open=${this.collected !== null}
        heading=${this.collected ? t('collection.pinTitle', { name: this.collected.holderName }) : ''}
        @close=${() => (this.collected = null)}
      >
        ${
          this.collected
            ? html`<p>${t('collection.cardNumber', { number: this.collected.cardNumber })}</p>
                <kiosk-pin-reveal
                  .pin=${this.collected.pin}
                  @expired=${() => (this.collected = null)}
                ></kiosk-pin-reveal>
                <p class="notice">${t('collection.pinText')}</p>`
            : null
        }
        <button
          slot="actions"
          type="button"
          class="primary"
          @click=${() => (this.collected = null)}
        >
          ${t('collection.pinDone')}
        </button>
      </kiosk-dialog>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-collection-view': KioskCollectionView;
  }
}
