/**
 * Seed step 2, "Produce card": find a person in the directory and start a card request for
 * them under one of this device's enabled processes for their kind of card.
 */
import { html, css } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import { apiContext } from '../../data/context.js';
import type { ApiClient } from '../../data/api-client.js';
import type { Person, ProcessInfo } from '../../data/api-types.js';
import { LocalizedElement, t } from '../../i18n/i18n.js';
import { sharedStyles } from '../../styles/shared.js';
import { viewStyles } from './view-styles.js';
import '../../components/kiosk-text-field.js';
import '../../components/kiosk-onscreen-keyboard.js';

const SEARCH_DELAY_MS = 250;

@customElement('kiosk-produce-view')
export class KioskProduceView extends LocalizedElement {
  static override styles = [
    sharedStyles,
    viewStyles,
    css`
      .picked {
        border: 3px solid var(--primary);
      }
      select {
        max-width: 520px;
      }
    `,
  ];

  @consume({ context: apiContext }) private api!: ApiClient;
  @state() private query = '';
  @state() private people: Person[] = [];
  @state() private processes: ProcessInfo[] = [];
  @state() private picked: Person | null = null;
  @state() private processName = '';
  @state() private message = '';
  @state() private error = '';
  @state() private target: HTMLInputElement | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.api
      .processes()
      .then((all) => (this.processes = all.filter((p) => p.enabled)))
      .catch((err: Error) => (this.error = t('common.error', { message: err.message })));
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.timer) clearTimeout(this.timer);
  }

  private onQuery(q: string): void {
    this.query = q;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.api
        .findPersons(q.trim())
        .then((found) => (this.people = found))
        .catch((err: Error) => (this.error = t('common.error', { message: err.message })));
    }, SEARCH_DELAY_MS);
  }

  private pick(p: Person): void {
    this.picked = p;
    this.message = '';
    // Offer the processes for this person's kind of card; the server checks the match too.
    this.processName = this.fitting(p)[0]?.name ?? '';
  }

  private fitting(p: Person): ProcessInfo[] {
    return this.processes.filter((x) => x.cardType === p.kind);
  }

  private async produce(): Promise<void> {
    const p = this.picked;
    if (!p || !this.processName) return;
    try {
      await this.api.produceCard(p.id, this.processName);
      this.message = t('produce.started', { name: p.name });
      this.error = '';
    } catch (err) {
      this.error = t('common.error', { message: (err as Error).message });
    }
  }

  override render() {
    const p = this.picked;
    return html`<section
        @focusin=${(e: FocusEvent) => {
          const origin = e.composedPath()[0];
          if (origin instanceof HTMLInputElement) this.target = origin;
        }}
      >
        <h2>${t('produce.title')}</h2>
        <kiosk-text-field
          label=${t('produce.search')}
          .value=${this.query}
          @value-changed=${(e: CustomEvent<string>) => this.onQuery(e.detail)}
        ></kiosk-text-field>
        <kiosk-onscreen-keyboard .target=${this.target}></kiosk-onscreen-keyboard>
      </section>
      <section>
        <ul class="plain">
          ${this.people.map(
            (x) =>
              html`<li class="card ${p?.id === x.id ? 'picked' : ''}">
                <div>
                  <p class="who">${x.name}</p>
                  <p class="muted">
                    ${x.kind}${x.company ? ` · ${x.company}` : ''}${x.email ? ` · ${x.email}` : ''}
                  </p>
                </div>
                <button
                  type="button"
                  aria-pressed=${p?.id === x.id ? 'true' : 'false'}
                  @click=${() => this.pick(x)}
                >
                  ${t('produce.pick')} <span class="visually-hidden">${x.name}</span>
                </button>
              </li>`,
          )}
        </ul>
      </section>
      ${
        p
          ? html`<section class="card">
              <h3>${p.name}</h3>
              ${
                this.fitting(p).length === 0
                  ? html`<p class="error">${t('produce.noProcess')}</p>`
                  : html`<label for="process">${t('produce.process')}</label>
                      <select
                        id="process"
                        @change=${(e: Event) => (this.processName = (e.target as HTMLSelectElement).value)}
                      >
                        ${this.fitting(p).map(
                          (x) =>
                            html`<option value=${x.name} ?selected=${x.name === this.processName}>
                              ${x.label}
                            </option>`,
                        )}
                      </select>
                      <div class="actions">
                        <button type="button" class="primary" @click=${() => void this.produce()}>
                          ${t('produce.go')}
                        </button>
                      </div>`
              }
            </section>`
          : null
      }
      ${this.message ? html`<p role="status">${this.message}</p>` : null}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : null}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-produce-view': KioskProduceView;
  }
}
