/**
 * Cards: find one by its number (typed on a digit keypad) or list the newest, filtered by
 * status, with what staff need to recognise it; and revoke a lost, stolen or damaged card.
 * The server decides whether a card can be revoked and by whom: this view offers the three
 * reasons on every card and shows the answer, a refusal in the server's own words.
 * Below it, the card's life (kiosk-card-lifecycle): hold, links, history and the lifecycle
 * actions the signed-in roles may take, PIN unblock and change on the holder's keypad included.
 */
import { html, css } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import { apiContext, staffEventsContext } from '../../data/context.js';
import { ApiError, type ApiClient } from '../../data/api-client.js';
import type { Card, CardRevocationReason, CardStatus } from '../../data/api-types.js';
import type { StaffEventStream } from '../../data/event-stream.js';
import { LocalizedElement, formatDate, t } from '../../i18n/i18n.js';
import { LiveRefresh } from '../../state/live-refresh.js';
import { LatestOnly } from '../../state/latest-only.js';
import { sharedStyles } from '../../styles/shared.js';
import { viewStyles } from './view-styles.js';
import '../../components/kiosk-text-field.js';
import '../../components/kiosk-onscreen-keyboard.js';
import '../../components/kiosk-prompt-dialog.js';
import './kiosk-card-lifecycle.js';

const CARD_PAGE = 25;
/** The revoke route's longest note; a longer one would only be refused after the tap. */
const NOTE_MAX_CHARS = 300;

// Records rather than arrays so that a status or reason the appliance adds is a type error
// here until the filter and the buttons offer it too.
const STATUSES: Record<CardStatus, true> = {
  generated: true,
  produced: true,
  collected: true,
  active: true,
  suspended: true,
  revoked: true,
  returned: true,
  expired: true,
  cancelled: true,
};
/**
 * The revocation reasons offered here. A returned card is not among them: returning is a
 * lifecycle action (security staff only), which the card's lifecycle panel below offers to
 * those who may take it.
 */
type OfferedReason = Exclude<CardRevocationReason, 'returned'>;
const REASONS: Record<OfferedReason, true> = {
  lost: true,
  stolen: true,
  damaged: true,
};

@customElement('kiosk-cards-view')
export class KioskCardsView extends LocalizedElement {
  static override styles = [
    sharedStyles,
    viewStyles,
    css`
      .find {
        display: flex;
        flex-wrap: wrap;
        gap: var(--gap);
        align-items: flex-start;
      }
      .find > div {
        flex: 1 1 280px;
      }
      .find .actions {
        justify-content: flex-start;
      }
      .filter {
        max-width: 320px;
        margin-bottom: var(--gap);
      }
      tr[aria-current='true'] {
        background: var(--surface-alt);
      }
      td button {
        white-space: nowrap;
      }
      section.card h3 {
        margin-top: 24px;
      }
      .reasons button {
        min-width: 140px;
      }
    `,
  ];

  @consume({ context: apiContext }) private api!: ApiClient;
  @consume({ context: staffEventsContext }) private events?: StaffEventStream;
  /** The text in the number field. */
  @state() private number = '';
  /** The number whose cards are listed; null lists the newest cards instead. */
  @state() private searched: string | null = null;
  @state() private status: CardStatus | '' = '';
  @state() private cards: Card[] | null = null;
  /** Holder names by request id: the card route has none, the request detail has the person. */
  @state() private holders: ReadonlyMap<string, string> = new Map();
  @state() private selected: Card | null = null;
  /** The reason whose confirmation is open. */
  @state() private reason: OfferedReason | null = null;
  @state() private outcome = '';
  @state() private revokeError = '';
  @state() private error = '';
  @state() private target: HTMLInputElement | null = null;
  private readonly latest = new LatestOnly();
  /**
   * A search opens its card when it finds exactly one. Kept until a load for that search
   * completes: a live refresh that starts meanwhile supersedes the search's own load.
   */
  private openSingleResult = false;

  constructor() {
    super();
    new LiveRefresh(
      this,
      () => this.events,
      () => void this.load(),
    );
  }

  protected override firstUpdated(): void {
    // The keypad types into the field that last had focus; start there, so the first tap counts.
    this.renderRoot.querySelector('kiosk-text-field')?.focus();
  }

  private async withHolders(cards: Card[]): Promise<ReadonlyMap<string, string>> {
    const missing = [...new Set(cards.map((c) => c.requestId))].filter(
      (id) => !this.holders.has(id),
    );
    const details = await Promise.all(missing.map((id) => this.api.request(id)));
    return new Map([
      ...this.holders,
      ...details.map((d): [string, string] => [d.request.id, d.person.name]),
    ]);
  }

  private async load(): Promise<void> {
    const searched = this.searched;
    const selectedId = this.selected?.id;
    try {
      const found = await this.latest.run(async () => {
        const cards = await this.api.cards(
          searched !== null
            ? { cardNumber: searched }
            : { limit: CARD_PAGE, ...(this.status ? { status: this.status } : {}) },
        );
        const selected = selectedId ? await this.api.card(selectedId) : null;
        const holders = await this.withHolders(selected ? [...cards, selected] : cards);
        return { cards, selected, holders };
      });
      if (!found) return;
      this.cards = found.cards;
      this.holders = found.holders;
      if (this.openSingleResult && searched !== null && searched === this.searched) {
        this.openSingleResult = false;
        if (found.cards.length === 1) this.select(found.cards[0] ?? null);
      }
      // Another card may have been chosen while this load ran; keep that choice.
      if (found.selected && this.selected?.id === found.selected.id) this.selected = found.selected;
      this.error = '';
      void this.renderRoot.querySelector('kiosk-card-lifecycle')?.load();
    } catch (err) {
      this.error =
        err instanceof ApiError && err.code === 'INVALID_INPUT' && searched !== null
          ? t('cards.numberInvalid')
          : t('common.error', { message: (err as Error).message });
    }
  }

  private async search(): Promise<void> {
    const number = this.number.trim();
    this.searched = number || null;
    this.select(null);
    this.openSingleResult = this.searched !== null;
    await this.load();
  }

  private showRecent(): void {
    this.number = '';
    this.searched = null;
    this.openSingleResult = false;
    void this.load();
  }

  private select(card: Card | null): void {
    this.selected = card;
    this.outcome = '';
    this.revokeError = '';
  }

  /** A card linked to the selected one (its replacement, renewal or temporary card). */
  private async openLinked(cardId: string): Promise<void> {
    try {
      const card = await this.api.card(cardId);
      this.holders = await this.withHolders([card]);
      this.select(card);
    } catch (err) {
      this.error = t('common.error', { message: (err as Error).message });
    }
  }

  private async revoke(note: string): Promise<void> {
    const card = this.selected;
    const reason = this.reason;
    if (!card || !reason) return;
    this.reason = null;
    this.outcome = '';
    this.revokeError = '';
    try {
      const updated = await this.api.revokeCard(card.id, reason, note || undefined);
      this.selected = updated;
      this.outcome = t('cards.done', {
        number: updated.cardNumber,
        status: t(`cardStatus.${updated.status}`),
      });
    } catch (err) {
      this.revokeError = this.inPlainWords(err);
    }
    await this.load();
  }

  /** A refusal in the server's words, with a sentence before it saying what kind it is. */
  private inPlainWords(err: unknown): string {
    const message = (err as Error).message;
    if (err instanceof ApiError && err.status === 409) return t('cards.conflict', { message });
    if (err instanceof ApiError && err.status === 403) return t('cards.forbidden', { message });
    return t('common.error', { message });
  }

  private holder(card: Card): string {
    return this.holders.get(card.requestId) ?? '';
  }

  private validity(card: Card): string {
    return t('cards.validRange', {
      from: formatDate(card.validFrom, 'medium'),
      until: formatDate(card.validUntil, 'medium'),
    });
  }

  private renderFind() {
    return html`<section
      @focusin=${(e: FocusEvent) => {
        const origin = e.composedPath()[0];
        if (origin instanceof HTMLInputElement) this.target = origin;
      }}
    >
      <h2>${t('cards.findTitle')}</h2>
      <div class="find">
        <div>
          <kiosk-text-field
            label=${t('cards.number')}
            .value=${this.number}
            maxlength="20"
            @value-changed=${(e: CustomEvent<string>) => (this.number = e.detail)}
          ></kiosk-text-field>
          <div class="actions">
            <button type="button" class="primary" @click=${() => void this.search()}>
              ${t('cards.find')}
            </button>
            ${
              this.searched !== null
                ? html`<button type="button" @click=${() => this.showRecent()}>
                    ${t('cards.showRecent')}
                  </button>`
                : null
            }
          </div>
        </div>
        <kiosk-onscreen-keyboard
          layout="digits"
          .target=${this.target}
          @keyboard-done=${() => void this.search()}
        ></kiosk-onscreen-keyboard>
      </div>
    </section>`;
  }

  private renderList() {
    const searched = this.searched;
    return html`<section>
      <h2>
        ${searched !== null ? t('cards.foundTitle', { number: searched }) : t('cards.recentTitle')}
      </h2>
      ${
        searched === null
          ? html`<div class="filter">
              <label for="status">${t('cards.status')}</label>
              <select
                id="status"
                @change=${(e: Event) => {
                  this.status = (e.target as HTMLSelectElement).value as CardStatus | '';
                  void this.load();
                }}
              >
                <option value="" ?selected=${this.status === ''}>${t('cards.allStatuses')}</option>
                ${(Object.keys(STATUSES) as CardStatus[]).map(
                  (s) =>
                    html`<option value=${s} ?selected=${s === this.status}>
                      ${t(`cardStatus.${s}`)}
                    </option>`,
                )}
              </select>
            </div>`
          : null
      }
      ${
        this.cards === null
          ? html`<p>${t('common.loading')}</p>`
          : this.cards.length === 0
            ? html`<p>
                ${searched !== null ? t('cards.notFound', { number: searched }) : t('common.none')}
              </p>`
            : html`<table>
                <thead>
                  <tr>
                    <th scope="col">${t('cards.number')}</th>
                    <th scope="col">${t('cards.holder')}</th>
                    <th scope="col">${t('cards.type')}</th>
                    <th scope="col">${t('cards.form')}</th>
                    <th scope="col">${t('cards.status')}</th>
                    <th scope="col">${t('cards.validity')}</th>
                    <th scope="col">${t('cards.certificate')}</th>
                    <th scope="col"><span class="visually-hidden">${t('cards.show')}</span></th>
                  </tr>
                </thead>
                <tbody>
                  ${this.cards.map(
                    (c) =>
                      html`<tr
                        data-card=${c.id}
                        data-status=${c.status}
                        aria-current=${c.id === this.selected?.id ? 'true' : 'false'}
                      >
                        <td>${c.cardNumber}</td>
                        <td>${this.holder(c)}</td>
                        <td>${t(`kind.${c.cardType}`)}</td>
                        <td>${t(`cards.idType.${c.idType}`)}</td>
                        <td>${t(`cardStatus.${c.status}`)}</td>
                        <td>${this.validity(c)}</td>
                        <td>${c.hasCertificate ? t('common.yes') : t('common.no')}</td>
                        <td>
                          <button
                            type="button"
                            aria-pressed=${c.id === this.selected?.id ? 'true' : 'false'}
                            @click=${() => this.select(c)}
                          >
                            ${t('cards.show')}
                            <span class="visually-hidden">${c.cardNumber}</span>
                          </button>
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
      }
    </section>`;
  }

  private renderSelected(c: Card) {
    return html`<section class="card" data-selected=${c.id} aria-labelledby="selected-heading">
      <h2 id="selected-heading">${t('cards.detailTitle', { number: c.cardNumber })}</h2>
      <dl>
        <dt>${t('cards.holder')}</dt>
        <dd>${this.holder(c)}</dd>
        <dt>${t('cards.type')}</dt>
        <dd>${t(`kind.${c.cardType}`)}</dd>
        <dt>${t('cards.form')}</dt>
        <dd>${t(`cards.idType.${c.idType}`)}</dd>
        <dt>${t('cards.status')}</dt>
        <dd data-field="status">${t(`cardStatus.${c.status}`)}</dd>
        <dt>${t('cards.validity')}</dt>
        <dd>${this.validity(c)}</dd>
        <dt>${t('cards.certificate')}</dt>
        <dd>${c.hasCertificate ? t('common.yes') : t('common.no')}</dd>
      </dl>
      <h3>${t('cards.revokeTitle')}</h3>
      <p id="reasons-lead">${t('cards.revokeLead')}</p>
      <div class="row reasons" role="group" aria-labelledby="reasons-lead">
        ${(Object.keys(REASONS) as OfferedReason[]).map(
          (r) =>
            html`<button
              type="button"
              class="danger"
              data-reason=${r}
              @click=${() => {
                this.outcome = '';
                this.revokeError = '';
                this.reason = r;
              }}
            >
              ${t(`cards.reason.${r}`)}
            </button>`,
        )}
      </div>
      <p role="status">${this.outcome}</p>
      ${this.revokeError ? html`<p class="error" role="alert">${this.revokeError}</p>` : null}
      <kiosk-card-lifecycle
        .cardId=${c.id}
        @card-changed=${() => void this.load()}
        @open-card=${(e: CustomEvent<string>) => void this.openLinked(e.detail)}
      ></kiosk-card-lifecycle>
    </section>`;
  }

  override render() {
    const c = this.selected;
    const reason = this.reason;
    return html`${this.renderFind()}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : null}
      ${this.renderList()} ${c ? this.renderSelected(c) : null}
      <kiosk-prompt-dialog
        ?open=${reason !== null}
        danger
        optional
        maxlength=${NOTE_MAX_CHARS}
        heading=${
          c && reason
            ? t('cards.confirmTitle', { number: c.cardNumber, reason: t(`cards.reason.${reason}`) })
            : ''
        }
        label=${t('cards.note')}
        confirmLabel=${t('cards.revoke')}
        @confirm=${(e: CustomEvent<string>) => void this.revoke(e.detail)}
        @close=${() => (this.reason = null)}
      >
        ${
          c
            ? html`<p>
                ${t('cards.confirmText', { number: c.cardNumber, holder: this.holder(c) })}
              </p>`
            : null
        }
      </kiosk-prompt-dialog>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-cards-view': KioskCardsView;
  }
}
