/**
 * Cards due for renewal: the cards in use that expire within the site's renewal window
 * (`lifecycle.renewalWindowDays`), or within a number of days staff choose, soonest first.
 * Choosing one opens its lifecycle panel, where renew (or any other action the roles allow)
 * is offered; what renew does (a new card or the same chip) is the card type's profile.
 */
import { html, css } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import { apiContext, staffEventsContext } from '../../data/context.js';
import type { ApiClient } from '../../data/api-client.js';
import type { Card } from '../../data/api-types.js';
import type { StaffEventStream } from '../../data/event-stream.js';
import { LocalizedElement, formatDate, t } from '../../i18n/i18n.js';
import { LiveRefresh } from '../../state/live-refresh.js';
import { LatestOnly } from '../../state/latest-only.js';
import { sharedStyles } from '../../styles/shared.js';
import { viewStyles } from './view-styles.js';
import './kiosk-card-lifecycle.js';

/** Windows offered besides the site's own; the route takes 0 to 3660 days. */
const WINDOWS = [7, 14, 30, 60, 90, 180];

@customElement('kiosk-expiring-view')
export class KioskExpiringView extends LocalizedElement {
  static override styles = [
    sharedStyles,
    viewStyles,
    css`
      .filter {
        max-width: 320px;
        margin-bottom: var(--gap);
      }
      .table-wrap {
        overflow-x: auto;
      }
      tr[aria-current='true'] {
        background: var(--surface-alt);
      }
      td button {
        white-space: nowrap;
      }
    `,
  ];

  @consume({ context: apiContext }) private api!: ApiClient;
  @consume({ context: staffEventsContext }) private events?: StaffEventStream;
  /** Days ahead; null is the site's renewal window. */
  @state() private days: number | null = null;
  @state() private items: Array<{ card: Card; holderName: string }> | null = null;
  @state() private selected: string | null = null;
  @state() private error = '';
  private readonly latest = new LatestOnly();

  constructor() {
    super();
    new LiveRefresh(
      this,
      () => this.events,
      () => void this.load(),
    );
  }

  private async load(): Promise<void> {
    const days = this.days;
    try {
      const items = await this.latest.run(() => this.api.expiringCards(days ?? undefined));
      if (!items) return;
      this.items = items;
      this.error = '';
    } catch (err) {
      this.error = t('common.error', { message: (err as Error).message });
    }
  }

  override render() {
    const selected = this.selected;
    return html`<section>
        <h2>${t('expiring.title')}</h2>
        <div class="filter">
          <label for="window">${t('expiring.window')}</label>
          <select
            id="window"
            @change=${(e: Event) => {
              const v = (e.target as HTMLSelectElement).value;
              this.days = v === '' ? null : Number(v);
              void this.load();
            }}
          >
            <option value="" ?selected=${this.days === null}>${t('expiring.siteWindow')}</option>
            ${WINDOWS.map(
              (d) =>
                html`<option value=${d} ?selected=${d === this.days}>
                  ${t('expiring.days', { days: d })}
                </option>`,
            )}
          </select>
        </div>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : null}
        ${
          this.items === null
            ? html`<p>${t('common.loading')}</p>`
            : this.items.length === 0
              ? html`<p>${t('expiring.none')}</p>`
              : html`<div class="table-wrap">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">${t('cards.number')}</th>
                        <th scope="col">${t('cards.holder')}</th>
                        <th scope="col">${t('cards.type')}</th>
                        <th scope="col">${t('expiring.until')}</th>
                        <th scope="col">
                          <span class="visually-hidden">${t('cards.show')}</span>
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      ${this.items.map(
                        ({ card, holderName }) =>
                          html`<tr
                            data-card=${card.id}
                            aria-current=${card.id === selected ? 'true' : 'false'}
                          >
                            <td>${card.cardNumber}</td>
                            <td>${holderName}</td>
                            <td>
                              ${t(`kind.${card.cardType}`)} · ${t(`cards.idType.${card.idType}`)}
                            </td>
                            <td>${formatDate(card.validUntil, 'medium')}</td>
                            <td>
                              <button
                                type="button"
                                aria-pressed=${card.id === selected ? 'true' : 'false'}
                                @click=${() => (this.selected = card.id)}
                              >
                                ${t('cards.show')}
                                <span class="visually-hidden">${card.cardNumber}</span>
                              </button>
                            </td>
                          </tr>`,
                      )}
                    </tbody>
                  </table>
                </div>`
        }
      </section>
      ${
        selected
          ? html`<section aria-label=${t('lifecycle.title')}>
              <kiosk-card-lifecycle
                .cardId=${selected}
                @card-changed=${() => void this.load()}
                @open-card=${(e: CustomEvent<string>) => (this.selected = e.detail)}
              ></kiosk-card-lifecycle>
            </section>`
          : null
      }`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-expiring-view': KioskExpiringView;
  }
}
