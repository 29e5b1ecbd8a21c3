/**
 * Choose the employee a visitor comes to see: type part of a name (on the on-screen keyboard),
 * pick from the directory's matches. The directory answers names only. Fires `host-changed`
 * with the chosen {id, name}, or null when the person wants to choose again, and
 * `matches-shown` once new matches are on screen, so the screen can keep them in view.
 * The matches wrap side by side under the field, so several fit above a keyboard.
 */
import { html, css, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import { apiContext } from '../data/context.js';
import type { ApiClient } from '../data/api-client.js';
import type { Host } from '../data/api-types.js';
import { LocalizedElement, t } from '../i18n/i18n.js';
import { sharedStyles } from '../styles/shared.js';
import './kiosk-text-field.js';

const SEARCH_DELAY_MS = 250;
const MIN_QUERY = 2;

@customElement('kiosk-host-picker')
export class KioskHostPicker extends LocalizedElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      ul.plain {
        margin-top: calc(var(--gap) / 2);
        display: flex;
        flex-wrap: wrap;
        gap: calc(var(--gap) / 2);
      }
      li button {
        text-align: left;
      }
      p {
        margin: calc(var(--gap) / 2) 0 0;
      }
      .hint {
        font-size: 0.85rem;
        margin-top: 2px;
      }
      .chosen {
        font-weight: 700;
      }
    `,
  ];

  @consume({ context: apiContext }) private api!: ApiClient;
  @property({ attribute: false }) host: Host | null = null;
  @property() label = '';
  @state() private query = '';
  @state() private results: Host[] | null = null;
  @state() private error = '';
  private timer: ReturnType<typeof setTimeout> | null = null;
  private searchSeq = 0;

  protected override updated(changed: PropertyValues): void {
    if (changed.has('results') && this.results !== null)
      this.dispatchEvent(new CustomEvent('matches-shown', { bubbles: true, composed: true }));
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.timer) clearTimeout(this.timer);
  }

  private onQuery(q: string): void {
    this.query = q;
    if (this.timer) clearTimeout(this.timer);
    if (q.trim().length < MIN_QUERY) {
      this.results = null;
      return;
    }
    this.timer = setTimeout(() => void this.search(q.trim()), SEARCH_DELAY_MS);
  }

  private async search(q: string): Promise<void> {
    const seq = ++this.searchSeq;
    try {
      const found = await this.api.findHosts(q);
      // A slower, older answer must not replace a newer one.
      if (seq === this.searchSeq) {
        this.results = found;
        this.error = '';
      }
    } catch (err) {
      if (seq === this.searchSeq)
        this.error = t('common.error', { message: (err as Error).message });
    }
  }

  private choose(host: Host | null): void {
    this.host = host;
    if (!host) {
      this.query = '';
      this.results = null;
    }
    this.dispatchEvent(new CustomEvent('host-changed', { detail: host }));
  }

  override render() {
    if (this.host) {
      return html`<p class="chosen" role="status">
          ${t('details.hostChosen', { name: this.host.name })}
        </p>
        <button type="button" @click=${() => this.choose(null)}>
          ${t('details.hostChange')}
        </button>`;
    }
    return html`<kiosk-text-field
        label=${this.label}
        .value=${this.query}
        @value-changed=${(e: CustomEvent<string>) => this.onQuery(e.detail)}
      ></kiosk-text-field>
      ${this.results === null ? html`<p class="muted hint">${t('details.hostSearch')}</p>` : null}
      ${this.error ? html`<p class="error">${this.error}</p>` : null}
      ${
        this.results === null
          ? null
          : this.results.length === 0
            ? html`<p role="status">${t('details.hostNone')}</p>`
            : html`<ul class="plain" aria-label=${this.label}>
                ${this.results.map(
                  (h) =>
                    html`<li>
                      <button type="button" @click=${() => this.choose(h)}>${h.name}</button>
                    </li>`,
                )}
              </ul>`
      }`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-host-picker': KioskHostPicker;
  }
}
