/**
 * For device administrators: everything /health says — which drivers are real or simulated,
 * the LED pattern, printer supplies, encoder, database, production queue, changes waiting to
 * sync to the central Identity Manager, and the version.
 */
import { html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { consume } from '@lit/context';
import { apiContext, staffEventsContext } from '../../data/context.js';
import type { ApiClient } from '../../data/api-client.js';
import type { HealthReport } from '../../data/api-types.js';
import type { StaffEventStream } from '../../data/event-stream.js';
import { LocalizedElement, formatDateTime, t } from '../../i18n/i18n.js';
import { LiveRefresh } from '../../state/live-refresh.js';
import { sharedStyles } from '../../styles/shared.js';
import { viewStyles } from './view-styles.js';
import '../../components/kiosk-device-state.js';

/**
 * The sync part of /health, read loosely: older appliances do not report it, and null means
 * the device is not provisioned for a central Identity Manager yet.
 */
interface SyncView {
  connected: boolean;
  offline: boolean;
  pending: number;
  rejected: number;
  lastSuccessAt: string | null;
}

/** Supplies and sync change without a request changing, so look again now and then. */
const POLL_MS = 10_000;

@customElement('kiosk-diagnostics-view')
export class KioskDiagnosticsView extends LocalizedElement {
  static override styles = [sharedStyles, viewStyles];

  @consume({ context: apiContext }) private api!: ApiClient;
  @consume({ context: staffEventsContext }) private events?: StaffEventStream;
  @state() private health: HealthReport | null = null;
  @state() private error = '';
  private poll: ReturnType<typeof setInterval> | null = null;

  constructor() {
    super();
    new LiveRefresh(
      this,
      () => this.events,
      () => void this.load(),
    );
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.poll = setInterval(() => void this.load(), POLL_MS);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.poll) clearInterval(this.poll);
  }

  private async load(): Promise<void> {
    try {
      this.health = await this.api.health();
      this.error = '';
    } catch (err) {
      this.error = t('common.error', { message: (err as Error).message });
    }
  }

  @state() private cleanResult = '';

  private async clean(): Promise<void> {
    try {
      const r = await this.api.cleanPrinter();
      this.cleanResult = r.cleaned
        ? t('production.cleaned')
        : t('production.cleanFailed', { reason: r.reason ?? '' });
      this.error = '';
    } catch (err) {
      this.error = t('common.error', { message: (err as Error).message });
    }
    await this.load();
  }

  private sync(h: HealthReport) {
    const sync = (h as { sync?: SyncView | null }).sync;
    const yesNo = (v: boolean) => (v ? t('common.yes') : t('common.no'));
    if (sync === undefined) return null;
    return html`<h3>${t('diagnostics.sync')}</h3>
      ${
        sync === null
          ? html`<p data-field="sync">${t('diagnostics.syncNotConfigured')}</p>`
          : html`<dl class="card" data-field="sync">
              <dt>${t('diagnostics.syncConnected')}</dt>
              <dd>${yesNo(sync.connected)}</dd>
              <dt>${t('diagnostics.syncOffline')}</dt>
              <dd>${yesNo(sync.offline)}</dd>
              <dt>${t('diagnostics.outbox')}</dt>
              <dd>${sync.pending}</dd>
              <dt>${t('diagnostics.syncRejected')}</dt>
              <dd>${sync.rejected}</dd>
              <dt>${t('diagnostics.syncLastSuccess')}</dt>
              <dd>${sync.lastSuccessAt ? formatDateTime(sync.lastSuccessAt) : '—'}</dd>
            </dl>`
      }`;
  }

  override render() {
    const h = this.health;
    return html`<section>
      <h2>${t('diagnostics.title')}</h2>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : null}
      ${
        h
          ? html`<dl class="card">
                <dt>${t('diagnostics.version')}</dt>
                <dd data-field="version">${h.version}</dd>
                <dt>${t('diagnostics.status')}</dt>
                <dd>${h.status}</dd>
                <dt>${t('diagnostics.database')}</dt>
                <dd>${h.database.writable ? t('common.yes') : t('common.no')}</dd>
                <dt>${t('production.printer')} · ${t('diagnostics.driver')}</dt>
                <dd data-field="printer-driver">${h.devices.printer.driver}</dd>
                <dt>${t('production.encoder')} · ${t('diagnostics.driver')}</dt>
                <dd data-field="encoder-driver">${h.devices.encoder.driver}</dd>
                <dt>${t('diagnostics.leds')} · ${t('diagnostics.driver')}</dt>
                <dd>${h.devices.leds.driver}</dd>
                <dt>${t('diagnostics.leds')}</dt>
                <dd data-field="led-pattern">${h.devices.leds.pattern}</dd>
                <dt>${t('diagnostics.outbox')}</dt>
                <dd data-field="outbox">${h.outbox.pending}</dd>
                <dt>${t('diagnostics.spoiled')}</dt>
                <dd>${h.production.spoiledCards}</dd>
              </dl>
              ${this.sync(h)}
              <h3>${t('production.device')}</h3>
              <kiosk-device-state
                .health=${h}
                canClean
                @clean-printer=${() => void this.clean()}
              ></kiosk-device-state>
              ${this.cleanResult ? html`<p role="status">${this.cleanResult}</p>` : null}`
          : html`<p>${t('common.loading')}</p>`
      }
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-diagnostics-view': KioskDiagnosticsView;
  }
}
