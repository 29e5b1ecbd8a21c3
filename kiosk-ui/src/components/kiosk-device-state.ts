/**
 * The printer and encoder as /health reports them: state, model and firmware, supplies,
 * counters and lobby warnings, reader and card, and the production queue. Shown in the
 * production view and on the diagnostics screen. With `canClean` it offers the printer's
 * cleaning cycle and fires `clean-printer`; the view that hosts it runs it.
 */
import { html, css } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { PrinterWarning } from '../../../drivers/printer/card-printer.js';
import type { HealthReport } from '../data/api-types.js';
import { LocalizedElement, t } from '../i18n/i18n.js';
import { sharedStyles } from '../styles/shared.js';

const WARNING_TEXT = {
  ribbon_low: 'production.warningRibbonLow',
  feeder_near_empty: 'production.warningFeederNearEmpty',
  cleaning_due: 'production.warningCleaningDue',
} as const satisfies Record<PrinterWarning, string>;

@customElement('kiosk-device-state')
export class KioskDeviceState extends LocalizedElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(240px, 1fr));
        gap: var(--gap);
      }
      h3 {
        margin-bottom: 8px;
      }
      p {
        margin: 4px 0;
      }
      .fault {
        color: var(--danger);
        font-weight: 700;
      }
      .warning {
        font-weight: 700;
      }
    `,
  ];

  @property({ attribute: false }) health: HealthReport | null = null;
  /** Offer the cleaning cycle (the host view checks the role and runs it). */
  @property({ type: Boolean }) canClean = false;
  @property({ type: Boolean }) cleaning = false;

  override render() {
    const h = this.health;
    if (!h) return html`<p>${t('common.loading')}</p>`;
    const printer = h.devices.printer.status;
    const encoder = h.devices.encoder.status;
    const yesNo = (v: boolean) => (v ? t('common.yes') : t('common.no'));
    return html`<div class="card" data-device="printer">
        <h3>${t('production.printer')}</h3>
        <p class=${printer.state === 'fault' ? 'fault' : ''}>
          ${printer.state}${printer.fault ? ` · ${printer.fault}` : ''}
        </p>
        ${printer.cardsInFeeder !== undefined ? html`<p>${t('production.cardsInFeeder', { n: printer.cardsInFeeder })}</p>` : null}
        ${printer.ribbonRemaining !== undefined ? html`<p>${t('production.ribbon', { n: printer.ribbonRemaining })}</p>` : null}
        ${printer.model ? html`<p data-field="printer-model">${t('production.printerModel', { model: printer.model })}</p>` : null}
        ${printer.firmware ? html`<p>${t('production.printerFirmware', { v: printer.firmware })}</p>` : null}
        ${printer.cardsInserted !== undefined ? html`<p>${t('production.cardsInserted', { n: printer.cardsInserted })}</p>` : null}
        ${(printer.warnings ?? []).map(
          (w) => html`<p class="warning" data-warning=${w}>${t(WARNING_TEXT[w])}</p>`,
        )}
        ${
          this.canClean
            ? html`<p>${t('production.cleanHint')}</p>
                <button
                  data-action="clean-printer"
                  ?disabled=${this.cleaning}
                  @click=${() =>
                    this.dispatchEvent(
                      new CustomEvent('clean-printer', { bubbles: true, composed: true }),
                    )}
                >
                  ${t('production.clean')}
                </button>`
            : null
        }
      </div>
      <div class="card" data-device="encoder">
        <h3>${t('production.encoder')}</h3>
        ${encoder.readerName ? html`<p>${encoder.readerName}</p>` : null}
        <p>${t('production.readerPresent', { v: yesNo(encoder.readerPresent) })}</p>
        <p>${t('production.cardPresent', { v: yesNo(encoder.cardPresent) })}</p>
      </div>
      <div class="card" data-device="queue">
        <h3>${t('production.queue')}</h3>
        <p>
          ${t('production.queueText', {
            pending: h.production.pending,
            current: h.production.current ?? t('production.idle'),
          })}
        </p>
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-device-state': KioskDeviceState;
  }
}
