/**
 * Printer care from the staff console: the printer's state for the production
 * administrator (counters, supplies, warnings) and the cleaning cycle (`Scp`, guide p. 41)
 * run on request. A cleaning is refused while a card is being produced (it would take the
 * printer from under the job); it is audited when asked for and again with its outcome, so a
 * cleaning cut short by a crash still shows in the trail.
 */
import type { CardPrinter, PrinterStatus } from '../../../drivers/printer/card-printer.js';
import { DomainError } from '../core/errors.js';
import type { Clock } from '../core/ports.js';
import { actorLabel, type Actor } from '../core/roles.js';
import type { Store } from '../core/store-ports.js';
import type { DomainEvents } from './domain-events.js';
import type { Logger } from './ports.js';
import type { ProductionService } from './production-service.js';

export interface CleaningOutcome {
  cleaned: boolean;
  /** Why it did not run or did not finish; null when it did. */
  reason: string | null;
  status: PrinterStatus;
}

/** The audit object id for the printer: one device, one printer. */
const PRINTER_OBJECT_ID = 'printer';

export class PrinterMaintenanceService {
  constructor(
    private readonly deps: {
      store: Store;
      printer: CardPrinter;
      production: ProductionService;
      clock: Clock;
      events: DomainEvents;
      log: Logger;
    },
  ) {}

  status(): Promise<PrinterStatus> {
    return this.deps.printer.status();
  }

  /** Runs the cleaning cycle now. Throws CONFLICT while production is using the printer. */
  async runCleaning(actor: Actor): Promise<CleaningOutcome> {
    const { store, printer, production, clock, events, log } = this.deps;
    if (production.pending() > 0 || production.currentRequest() !== null) {
      throw new DomainError(
        'CONFLICT',
        'the printer is producing cards; run the cleaning when the queue is empty',
      );
    }
    await store.transaction((tx) =>
      tx.audit.append(
        {
          actor: actorLabel(actor),
          action: 'printer.cleaning_started',
          objectType: 'device',
          objectId: PRINTER_OBJECT_ID,
          details: {},
        },
        clock.now().toISOString(),
      ),
    );
    let reason: string | null = null;
    try {
      await printer.clean();
    } catch (err) {
      reason = err instanceof Error ? err.message : String(err);
      log.warn({ err }, 'printer cleaning failed');
    }
    await store.transaction((tx) =>
      tx.audit.append(
        {
          actor: actorLabel(actor),
          action: reason === null ? 'printer.cleaned' : 'printer.cleaning_failed',
          objectType: 'device',
          objectId: PRINTER_OBJECT_ID,
          details: reason === null ? {} : { reason },
        },
        clock.now().toISOString(),
      ),
    );
    events.emit('device.changed');
    return { cleaned: reason === null, reason, status: await printer.status() };
  }
}
