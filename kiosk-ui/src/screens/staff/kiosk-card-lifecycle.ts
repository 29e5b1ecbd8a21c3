/**
 * One card's life for staff: its status and hold, the cards before and after it, its history,
 * and the lifecycle actions the signed-in roles may send it now (the appliance lists them from
 * its lifecycle table, `actions`; what is not listed is not offered). Guards such as "not
 * whoever suspended it" are the appliance's to check: a refusal is shown in its own words.
 *
 * PIN unblock and change run in a dialog at the desk. Unblock: staff check the holder's photo
 * and name, confirm, and hand the keypad to the holder, who types the new PIN twice; where no
 * PUK can be had the dialog says why instead of offering the keypad. Change: the holder types
 * the current PIN and the new one twice. The PUK never reaches this screen.
 *
 * Fires `card-changed` after an action changed something, and `open-card` (detail: card id)
 * when a linked card is chosen.
 */
import { html, css } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import { apiContext } from '../../data/context.js';
import { ApiError, type ApiClient } from '../../data/api-client.js';
import type {
  CardActionResult,
  CardLifecycle,
  CardLifecycleAction,
  CardReplaceReason,
  PinOptions,
  RequestDetail,
} from '../../data/api-types.js';
import { LocalizedElement, formatDateTime, t, type MessageKey } from '../../i18n/i18n.js';
import { sharedStyles } from '../../styles/shared.js';
import { viewStyles } from './view-styles.js';
import type { EnteredPins } from '../../components/kiosk-pin-entry.js';
import '../../components/kiosk-dialog.js';
import '../../components/kiosk-prompt-dialog.js';
import '../../components/kiosk-person-photo.js';
import '../../components/kiosk-pin-entry.js';

/** The routes' longest note and reason, so a long one is not refused after the tap. */
const NOTE_MAX_CHARS = 300;
const REASON_MAX_CHARS = 500;

/** The actions this panel offers, in the order shown; expire and temporary_ended are the appliance's. */
const OFFERED: readonly CardLifecycleAction[] = [
  'unblock_pin',
  'change_pin',
  'forgotten_badge',
  'return',
  'suspend',
  'resume',
  'renew',
  'replace',
];
const REPLACE_REASONS: Record<CardReplaceReason, true> = {
  lost: true,
  stolen: true,
  damaged: true,
  compromised: true,
};

type Prompted = 'suspend' | 'resume' | 'return' | 'forgotten_badge' | 'replace';
type PinPhase = 'identity' | 'keypad' | 'working' | 'done';

@customElement('kiosk-card-lifecycle')
export class KioskCardLifecycle extends LocalizedElement {
  static override styles = [
    sharedStyles,
    viewStyles,
    css`
      h3 {
        margin-top: 24px;
      }
      .actions-row {
        display: flex;
        flex-wrap: wrap;
        gap: 8px;
      }
      .pin {
        display: flex;
        flex-wrap: wrap;
        gap: var(--gap);
        align-items: flex-start;
      }
      .pin kiosk-person-photo {
        --photo-width: clamp(56px, 5em, 160px);
      }
      .pin .who {
        font-size: 1.3rem;
      }
      .pin > div {
        flex: 1 1 200px;
        min-width: 0;
      }
      /* Beside the instructions on a landscape screen, below them on a narrow one. */
      .pin kiosk-pin-entry {
        flex: 0 1 calc(var(--key-height) * 5.5);
        min-width: min(100%, 220px);
      }
      .pin p {
        margin: 0 0 8px;
      }
      .table-wrap {
        overflow-x: auto;
      }
    `,
  ];

  @consume({ context: apiContext }) private api!: ApiClient;
  @property() cardId = '';
  @state() private details: CardLifecycle | null = null;
  @state() private error = '';
  @state() private outcome = '';
  @state() private actionError = '';
  @state() private prompted: Prompted | null = null;
  @state() private replaceReason: CardReplaceReason | null = null;
  @state() private renewOpen = false;
  @state() private renewWorking = false;
  @state() private renewError = '';
  @state() private pinMode: 'unblock' | 'change' | null = null;
  @state() private pinPhase: PinPhase = 'identity';
  @state() private pinOptions: PinOptions | null = null;
  @state() private pinError = '';
  @state() private holder: RequestDetail['person'] | null = null;
  @state() private busy = false;
  private loadedFor = '';

  protected override willUpdate(): void {
    if (this.cardId && this.cardId !== this.loadedFor) {
      this.loadedFor = this.cardId;
      this.details = null;
      this.outcome = '';
      this.actionError = '';
      void this.load();
    }
  }

  /** Reload after a change made elsewhere (the live stream, another view). */
  async load(): Promise<void> {
    const id = this.cardId;
    try {
      const details = await this.api.cardLifecycle(id);
      if (id !== this.cardId) return;
      this.details = details;
      this.error = '';
    } catch (err) {
      this.error = inPlainWords(err);
    }
  }

  private may(action: CardLifecycleAction): boolean {
    return this.details?.actions.includes(action) ?? false;
  }

  private async act(run: () => Promise<CardActionResult>, done: MessageKey): Promise<void> {
    this.busy = true;
    this.outcome = '';
    this.actionError = '';
    try {
      const r = await run();
      this.outcome = t(done, {
        number: r.card.cardNumber,
        status: t(`cardStatus.${r.card.status}`),
      });
      this.dispatchEvent(new CustomEvent('card-changed', { bubbles: true, composed: true }));
    } catch (err) {
      this.actionError = inPlainWords(err);
    } finally {
      this.busy = false;
    }
    await this.load();
  }

  private confirmPrompt(text: string): void {
    const id = this.cardId;
    const which = this.prompted;
    const replaceReason = this.replaceReason;
    this.prompted = null;
    this.replaceReason = null;
    switch (which) {
      case 'suspend':
      case 'resume':
        return void this.act(
          () => this.api.cardAction(id, which, { reason: text }),
          'lifecycle.done',
        );
      case 'return':
        return void this.act(
          () => this.api.cardAction(id, 'return', text ? { note: text } : {}),
          'lifecycle.done',
        );
      case 'forgotten_badge':
        return void this.act(
          () => this.api.cardAction(id, 'forgotten-badge', text ? { note: text } : {}),
          'lifecycle.temporaryRequested',
        );
      case 'replace':
        if (!replaceReason) return;
        return void this.act(
          () => this.api.replaceCard(id, replaceReason, text || undefined),
          'lifecycle.replacementRequested',
        );
      case null:
        return;
    }
  }

  private async openPin(mode: 'unblock' | 'change'): Promise<void> {
    this.pinMode = mode;
    this.pinError = '';
    this.pinOptions = null;
    this.pinPhase = mode === 'unblock' ? 'identity' : 'keypad';
    const d = this.details;
    if (!d) return;
    try {
      const [options, request] = await Promise.all([
        this.api.pinOptions(d.card.id),
        mode === 'unblock' ? this.api.request(d.card.requestId) : Promise.resolve(null),
      ]);
      this.pinOptions = options;
      this.holder = request?.person ?? null;
    } catch (err) {
      this.pinError = inPlainWords(err);
    }
  }

  private closePin(): void {
    this.pinMode = null;
    this.pinOptions = null;
    this.holder = null;
    this.pinError = '';
  }

  private async submitPins(pins: EnteredPins): Promise<void> {
    const d = this.details;
    if (!d || !this.pinMode) return;
    this.pinPhase = 'working';
    this.pinError = '';
    try {
      if (this.pinMode === 'unblock') await this.api.unblockPin(d.card.id, pins.newPin);
      else await this.api.changePin(d.card.id, pins.currentPin ?? '', pins.newPin);
      this.pinPhase = 'done';
      this.dispatchEvent(new CustomEvent('card-changed', { bubbles: true, composed: true }));
      await this.load();
    } catch (err) {
      // The holder starts again from the first PIN: a refusal may be about either.
      this.renderRoot.querySelector('kiosk-pin-entry')?.reset();
      this.pinError = inPlainWords(err);
      this.pinPhase = 'keypad';
    }
  }

  private renderPinBody() {
    const d = this.details;
    const options = this.pinOptions;
    if (!d) return null;
    const error = this.pinError ? html`<p class="error" role="alert">${this.pinError}</p>` : null;
    if (!options) return html`${error}${error ? null : html`<p>${t('common.loading')}</p>`}`;
    if (this.pinMode === 'unblock' && options.source === 'none')
      return html`<p class="error" role="alert" data-puk="none">
        ${t('pin.noPuk', { reason: options.reason ?? '' })}
      </p>`;
    if (this.pinPhase === 'identity')
      return html`<div class="pin">
        <kiosk-person-photo
          .personId=${d.personId}
          .name=${d.holderName}
          .hasPhoto=${this.holder?.hasPhoto ?? false}
        ></kiosk-person-photo>
        <div>
          <p class="who">${d.holderName}</p>
          <p>${t('pin.identityLead', { number: d.card.cardNumber })}</p>
          <p>
            ${
              options.source === 'central-release' ? t('pin.pukFromCentre') : t('pin.pukFromDevice')
            }
          </p>
        </div>
      </div>`;
    if (this.pinPhase === 'done')
      return html`<p role="status" data-pin="done">
        ${this.pinMode === 'unblock' ? t('pin.unblocked') : t('pin.changed')}
      </p>`;
    return html`<div class="pin">
      <div>
        <p>${t('pin.insertCard', { number: d.card.cardNumber })}</p>
        <p>${t('pin.holderTypes')}</p>
        ${error}
        ${this.pinPhase === 'working' ? html`<p role="status">${t('pin.working')}</p>` : null}
      </div>
      <kiosk-pin-entry
        .mode=${this.pinMode ?? 'unblock'}
        .pinLength=${options.pinLength}
        ?disabled=${this.pinPhase === 'working'}
        @pins-entered=${(e: CustomEvent<EnteredPins>) => void this.submitPins(e.detail)}
      ></kiosk-pin-entry>
    </div>`;
  }

  private renderPinDialog() {
    const d = this.details;
    const mode = this.pinMode;
    const identity =
      mode === 'unblock' && this.pinPhase === 'identity' && this.pinOptions?.source !== 'none';
    return html`<kiosk-dialog
      ?open=${mode !== null}
      heading=${
        d && mode
          ? t(mode === 'unblock' ? 'pin.unblockTitle' : 'pin.changeTitle', {
              number: d.card.cardNumber,
            })
          : ''
      }
      @close=${() => this.closePin()}
    >
      ${mode ? this.renderPinBody() : null}
      <button slot="actions" type="button" @click=${() => this.closePin()}>
        ${this.pinPhase === 'done' ? t('common.close') : t('common.cancel')}
      </button>
      ${
        identity && this.pinOptions
          ? html`<button
              slot="actions"
              type="button"
              class="primary"
              data-action="identity-checked"
              @click=${() => (this.pinPhase = 'keypad')}
            >
              ${t('pin.identityChecked')}
            </button>`
          : null
      }
    </kiosk-dialog>`;
  }

  private actionButton(action: CardLifecycleAction) {
    const open = (): void => {
      this.outcome = '';
      this.actionError = '';
      switch (action) {
        case 'unblock_pin':
          return void this.openPin('unblock');
        case 'change_pin':
          return void this.openPin('change');
        case 'renew':
          this.renewError = '';
          this.renewOpen = true;
          return;
        case 'suspend':
        case 'resume':
        case 'return':
        case 'forgotten_badge':
          this.prompted = action;
          return;
        default:
          return;
      }
    };
    if (action === 'replace')
      return (Object.keys(REPLACE_REASONS) as CardReplaceReason[]).map(
        (r) =>
          html`<button
            type="button"
            class="danger"
            data-action="replace"
            data-reason=${r}
            ?disabled=${this.busy}
            @click=${() => {
              this.outcome = '';
              this.actionError = '';
              this.replaceReason = r;
              this.prompted = 'replace';
            }}
          >
            ${t(`lifecycle.replace.${r}`)}
          </button>`,
      );
    return html`<button type="button" data-action=${action} ?disabled=${this.busy} @click=${open}>
      ${t(`lifecycle.action.${action}` as MessageKey)}
    </button>`;
  }

  private renderPrompt() {
    const d = this.details;
    const which = this.prompted;
    const required = which === 'suspend' || which === 'resume';
    const heading =
      d && which
        ? which === 'replace' && this.replaceReason
          ? t('lifecycle.replaceTitle', {
              number: d.card.cardNumber,
              reason: t(`lifecycle.replace.${this.replaceReason}`),
            })
          : t(`lifecycle.title.${which}` as MessageKey, { number: d.card.cardNumber })
        : '';
    return html`<kiosk-prompt-dialog
      ?open=${which !== null}
      ?danger=${which === 'replace' || which === 'suspend'}
      ?optional=${!required}
      maxlength=${required ? REASON_MAX_CHARS : NOTE_MAX_CHARS}
      heading=${heading}
      label=${required ? t('lifecycle.reason') : t('cards.note')}
      requiredMessage=${t('lifecycle.reasonRequired')}
      confirmLabel=${t('common.confirm')}
      @confirm=${(e: CustomEvent<string>) => this.confirmPrompt(e.detail)}
      @close=${() => {
        this.prompted = null;
        this.replaceReason = null;
      }}
    >
      ${
        which && d
          ? html`<p>${t(`lifecycle.explain.${which}` as MessageKey, { holder: d.holderName })}</p>`
          : null
      }
    </kiosk-prompt-dialog>`;
  }

  /** Same chip: the card is in the encoder; the holder's PIN lets it sign with its new key. */
  private async renewOnChip(pin: string): Promise<void> {
    const d = this.details;
    if (!d) return;
    this.renewWorking = true;
    this.renewError = '';
    try {
      const r = await this.api.renewOnChip(d.card.id, pin);
      this.renewOpen = false;
      this.actionError = '';
      this.outcome = t('lifecycle.renewedOnChip', {
        number: r.card.cardNumber,
        until: r.card.validUntil ?? '',
        status: t(`cardStatus.${r.card.status}`),
      });
      this.dispatchEvent(new CustomEvent('card-changed', { bubbles: true, composed: true }));
      await this.load();
    } catch (err) {
      this.renewError = inPlainWords(err);
    } finally {
      this.renewWorking = false;
    }
  }

  private renderRenew() {
    const d = this.details;
    const onChip = d?.renewal === 'same-chip';
    return html`<kiosk-dialog
      ?open=${this.renewOpen}
      heading=${d ? t('lifecycle.title.renew', { number: d.card.cardNumber }) : ''}
      @close=${() => (this.renewOpen = false)}
    >
      ${
        onChip && d
          ? html`<div class="pin" data-renew="same-chip">
              <div>
                <p>${t('lifecycle.renewOnChip', { number: d.card.cardNumber })}</p>
                ${this.renewError ? html`<p class="error" role="alert">${this.renewError}</p>` : null}
                ${this.renewWorking ? html`<p role="status">${t('lifecycle.renewWorking')}</p>` : null}
              </div>
              <kiosk-pin-keypad
                prompt=${t('pin.typeCurrent')}
                .length=${0}
                ?disabled=${this.renewWorking}
                @pin-entered=${(e: CustomEvent<string>) => void this.renewOnChip(e.detail)}
              ></kiosk-pin-keypad>
            </div>`
          : html`<p>${t('lifecycle.explain.renew')}</p>`
      }
      <button slot="actions" type="button" @click=${() => (this.renewOpen = false)}>
        ${t('common.cancel')}
      </button>
      ${
        onChip
          ? null
          : html`<button
              slot="actions"
              type="button"
              class="primary"
              @click=${() => {
                this.renewOpen = false;
                if (d)
                  void this.act(() => this.api.cardAction(d.card.id, 'renew'), 'lifecycle.renewed');
              }}
            >
              ${t('common.confirm')}
            </button>`
      }
    </kiosk-dialog>`;
  }

  private renderLinks(d: CardLifecycle) {
    if (d.links.length === 0) return null;
    return html`<h3>${t('lifecycle.linksTitle')}</h3>
      <ul class="links">
        ${d.links.map(
          (l) =>
            html`<li data-link=${l.direction}>
              ${t(`lifecycle.link.${l.direction === 'replaces' ? 'replaces' : 'replacedBy'}`, {
                kind: t(`lifecycle.linkKind.${l.kind}` as MessageKey),
                number: l.cardNumber ?? t('lifecycle.notProducedYet'),
                at: formatDateTime(l.at),
              })}
              ${
                l.cardId
                  ? html`<button
                      type="button"
                      @click=${() =>
                        this.dispatchEvent(
                          new CustomEvent('open-card', {
                            detail: l.cardId,
                            bubbles: true,
                            composed: true,
                          }),
                        )}
                    >
                      ${t('lifecycle.showLinked', { number: l.cardNumber ?? '' })}
                    </button>`
                  : null
              }
            </li>`,
        )}
      </ul>`;
  }

  private renderHistory(d: CardLifecycle) {
    if (d.history.length === 0) return null;
    return html`<h3>${t('lifecycle.historyTitle')}</h3>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">${t('audit.at')}</th>
              <th scope="col">${t('audit.action')}</th>
              <th scope="col">${t('cards.status')}</th>
              <th scope="col">${t('audit.actor')}</th>
              <th scope="col">${t('lifecycle.reason')}</th>
            </tr>
          </thead>
          <tbody>
            ${d.history.map(
              (h) =>
                html`<tr data-event=${h.event}>
                  <td>${formatDateTime(h.at)}</td>
                  <td>${eventLabel(h.event)}</td>
                  <td>${statusLabel(h.toStatus)}</td>
                  <td>${h.actor}</td>
                  <td>${h.reason ?? ''}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>`;
  }

  override render() {
    const d = this.details;
    if (this.error && !d) return html`<p class="error" role="alert">${this.error}</p>`;
    if (!d) return html`<p>${t('common.loading')}</p>`;
    const offered = OFFERED.filter((a) => this.may(a));
    return html`<h3>${t('lifecycle.title')}</h3>
      <dl>
        <dt>${t('cards.status')}</dt>
        <dd data-field="lifecycle-status" data-card-number=${d.card.cardNumber}>
          ${t(`cardStatus.${d.card.status}`)}
        </dd>
        <dt>${t('lifecycle.hold')}</dt>
        <dd data-field="hold">
          ${
            d.hold
              ? t('lifecycle.holdText', {
                  kind: t(`lifecycle.holdKind.${d.hold.kind}` as MessageKey),
                  by: d.hold.by,
                  since: formatDateTime(d.hold.since),
                  reason: d.hold.reason ?? '',
                })
              : t('lifecycle.noHold')
          }
        </dd>
      </dl>
      ${this.renderLinks(d)}
      <h3 id="actions-heading">${t('lifecycle.actionsTitle')}</h3>
      ${
        offered.length
          ? html`<div class="actions-row" role="group" aria-labelledby="actions-heading">
              ${offered.map((a) => this.actionButton(a))}
            </div>`
          : html`<p data-actions="none">${t('lifecycle.noActions')}</p>`
      }
      <p role="status" data-outcome>${this.outcome}</p>
      ${this.actionError ? html`<p class="error" role="alert">${this.actionError}</p>` : null}
      ${this.renderHistory(d)} ${this.renderPrompt()} ${this.renderRenew()}
      ${this.renderPinDialog()}`;
  }
}

function statusLabel(status: string): string {
  return t(`cardStatus.${status}` as MessageKey);
}

function eventLabel(event: string): string {
  return t(`lifecycle.event.${event}` as MessageKey);
}

/** A refusal in the appliance's words, with a sentence before it saying what kind it is. */
function inPlainWords(err: unknown): string {
  const message = (err as Error).message;
  if (!(err instanceof ApiError)) return t('common.error', { message });
  switch (err.code) {
    case 'SEPARATION_OF_DUTIES':
      return t('lifecycle.error.duties', { message });
    case 'PUK_UNAVAILABLE':
      return t('pin.noPuk', { reason: message });
    case 'CARD_REFUSED':
      return t('lifecycle.error.card', { message });
    case 'SERVICE_UNAVAILABLE':
      return t('lifecycle.error.unavailable', { message });
  }
  if (err.status === 403) return t('lifecycle.error.forbidden', { message });
  if (err.status === 409 || err.status === 422) return t('lifecycle.error.conflict', { message });
  return t('common.error', { message });
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-card-lifecycle': KioskCardLifecycle;
  }
}
