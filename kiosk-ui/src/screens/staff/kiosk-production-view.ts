/**
 * Seed steps 5 and 7: the printer and encoder, requests ready for production (produce now, or
 * add to a named batch), what is being produced, failed cards (try again or cancel, with the
 * reason the device gave), produced cards, and each card's layout preview.
 */
import { html, css } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import { apiContext, staffEventsContext } from '../../data/context.js';
import type { ApiClient } from '../../data/api-client.js';
import type { HealthReport, RequestDetail, RequestState } from '../../data/api-types.js';
import type { StaffEventStream } from '../../data/event-stream.js';
import { LocalizedElement, t } from '../../i18n/i18n.js';
import { LiveRefresh } from '../../state/live-refresh.js';
import { LatestOnly } from '../../state/latest-only.js';
import { requestsWithPeople } from '../../state/request-lists.js';
import { sharedStyles } from '../../styles/shared.js';
import { viewStyles } from './view-styles.js';
import '../../components/kiosk-device-state.js';
import '../../components/kiosk-dialog.js';
import '../../components/kiosk-prompt-dialog.js';

type Lists = Record<'ready' | 'running' | 'failed' | 'produced', RequestDetail[]>;
type Prompt = { kind: 'batch' | 'cancel'; detail: RequestDetail } | null;

@customElement('kiosk-production-view')
export class KioskProductionView extends LocalizedElement {
  static override styles = [
    sharedStyles,
    viewStyles,
    css`
      .previews {
        display: flex;
        gap: var(--gap);
        flex-wrap: wrap;
      }
      figure {
        margin: 0;
      }
      figure img {
        width: 320px;
        border: 1px solid var(--border);
        border-radius: 8px;
        background: var(--surface-alt);
      }
    `,
  ];

  @consume({ context: apiContext }) private api!: ApiClient;
  @consume({ context: staffEventsContext }) private events?: StaffEventStream;
  @state() private health: HealthReport | null = null;
  @state() private lists: Lists | null = null;
  @state() private error = '';
  private readonly latest = new LatestOnly();
  @state() private prompt: Prompt = null;
  @state() private promptError = '';
  @state() private preview: RequestDetail | null = null;
  /** Sides the layout cannot draw (a one-sided visitor badge has no back): not shown. */
  @state() private missingSides: ReadonlyArray<'front' | 'back'> = [];

  constructor() {
    super();
    new LiveRefresh(
      this,
      () => this.events,
      () => void this.load(),
    );
  }

  private async load(): Promise<void> {
    const inStates = async (states: RequestState[]) =>
      (await Promise.all(states.map((s) => requestsWithPeople(this.api, s)))).flat();
    try {
      const loaded = await this.latest.run(() =>
        Promise.all([
          this.api.health(),
          inStates(['card_generated']),
          inStates(['batched', 'queued', 'producing']),
          inStates(['production_failed']),
          inStates(['produced']),
        ]),
      );
      if (!loaded) return;
      const [health, ready, running, failed, produced] = loaded;
      this.health = health;
      this.lists = { ready, running, failed, produced };
      this.error = '';
    } catch (err) {
      this.error = t('common.error', { message: (err as Error).message });
    }
  }

  @state() private cleanResult = '';

  private async clean(): Promise<void> {
    await this.act(async () => {
      const r = await this.api.cleanPrinter();
      this.cleanResult = r.cleaned
        ? t('production.cleaned')
        : t('production.cleanFailed', { reason: r.reason ?? '' });
    });
  }

  private async act(run: () => Promise<unknown>): Promise<boolean> {
    try {
      await run();
      this.error = '';
      return true;
    } catch (err) {
      this.error = t('common.error', { message: (err as Error).message });
      return false;
    } finally {
      await this.load();
    }
  }

  private async confirmPrompt(text: string): Promise<void> {
    const p = this.prompt;
    if (!p) return;
    try {
      if (p.kind === 'batch')
        await this.api.chooseProduction(p.detail.request.id, { mode: 'mass', batchName: text });
      else await this.api.cancel(p.detail.request.id, text);
      this.prompt = null;
      await this.load();
    } catch (err) {
      this.promptError = (err as Error).message;
    }
  }

  private item(d: RequestDetail, actions: unknown) {
    return html`<li class="card" data-request=${d.request.id} data-state=${d.request.state}>
      <div>
        <p class="who">${d.person.name}</p>
        <p>${d.process.label}${d.card ? ` · ${d.card.cardNumber}` : ''}</p>
        <p class="muted">${t(`staffState.${d.request.state}`)}</p>
        ${
          d.request.stateReason && d.request.state === 'production_failed'
            ? html`<p class="error">${d.request.stateReason}</p>`
            : null
        }
      </div>
      <div class="row">
        <button type="button" @click=${() => (this.preview = d)}>
          ${t('production.preview')} <span class="visually-hidden">${d.person.name}</span>
        </button>
        ${actions}
      </div>
    </li>`;
  }

  private section(title: string, items: RequestDetail[], actions: (d: RequestDetail) => unknown) {
    return html`<section>
      <h2>${title}</h2>
      ${
        items.length === 0
          ? html`<p>${t('common.none')}</p>`
          : html`<ul class="plain">
              ${items.map((d) => this.item(d, actions(d)))}
            </ul>`
      }
    </section>`;
  }

  override render() {
    const l = this.lists;
    const name = (d: RequestDetail) => html`<span class="visually-hidden">${d.person.name}</span>`;
    return html`<section>
        <h2>${t('production.device')}</h2>
        <kiosk-device-state
          .health=${this.health}
          canClean
          @clean-printer=${() => void this.clean()}
        ></kiosk-device-state>
        ${this.cleanResult ? html`<p role="status">${this.cleanResult}</p>` : null}
      </section>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : null}
      ${
        l === null
          ? html`<p>${t('common.loading')}</p>`
          : html`${this.section(t('production.choose'), l.ready, (d) => [
              html`<button
                type="button"
                @click=${() => (this.prompt = { kind: 'batch', detail: d })}
              >
                ${t('production.mass')} ${name(d)}
              </button>`,
              html`<button
                type="button"
                class="primary"
                @click=${() => void this.act(() => this.api.chooseProduction(d.request.id, { mode: 'single' }))}
              >
                ${t('production.single')} ${name(d)}
              </button>`,
            ])}
            ${this.section(t('production.inProgress'), l.running, () => null)}
            ${this.section(t('production.failed'), l.failed, (d) => [
              html`<button
                type="button"
                class="danger"
                @click=${() => (this.prompt = { kind: 'cancel', detail: d })}
              >
                ${t('production.cancel')} ${name(d)}
              </button>`,
              html`<button
                type="button"
                class="primary"
                @click=${() => void this.act(() => this.api.retry(d.request.id))}
              >
                ${t('production.retry')} ${name(d)}
              </button>`,
            ])}
            ${this.section(t('production.produced'), l.produced, () => null)}`
      }
      <kiosk-prompt-dialog
        ?open=${this.prompt !== null}
        ?danger=${this.prompt?.kind === 'cancel'}
        heading=${
          this.prompt
            ? this.prompt.kind === 'batch'
              ? t('production.mass')
              : t('production.cancelTitle', { name: this.prompt.detail.person.name })
            : ''
        }
        label=${this.prompt?.kind === 'batch' ? t('production.batchName') : t('production.cancelReason')}
        confirmLabel=${this.prompt?.kind === 'batch' ? t('production.mass') : t('production.cancel')}
        requiredMessage=${this.prompt?.kind === 'batch' ? t('production.batchNameRequired') : ''}
        .error=${this.promptError}
        @confirm=${(e: CustomEvent<string>) => void this.confirmPrompt(e.detail)}
        @close=${() => {
          this.prompt = null;
          this.promptError = '';
        }}
      ></kiosk-prompt-dialog>
      <kiosk-dialog
        ?open=${this.preview !== null}
        heading=${this.preview ? t('production.previewTitle', { name: this.preview.person.name }) : ''}
        @close=${() => {
          this.preview = null;
          this.missingSides = [];
        }}
      >
        ${
          this.preview
            ? html`<div class="previews">
                ${(['front', 'back'] as const)
                  .filter((side) => !this.missingSides.includes(side))
                  .map(
                    (side) =>
                      html`<figure>
                        <img
                          src=${this.api.previewUrl(this.preview!.request.id, side)}
                          alt=${t(`production.${side}`)}
                          @error=${() => (this.missingSides = [...this.missingSides, side])}
                        />
                        <figcaption>${t(`production.${side}`)}</figcaption>
                      </figure>`,
                  )}
              </div>`
            : null
        }
        <button
          slot="actions"
          type="button"
          class="primary"
          @click=${() => {
            this.preview = null;
            this.missingSides = [];
          }}
        >
          ${t('common.close')}
        </button>
      </kiosk-dialog>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-production-view': KioskProductionView;
  }
}
