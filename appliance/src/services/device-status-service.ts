/**
 * The device's state for people and lamps: which driver (real or simulated) each device
 * uses, whether the database takes writes, the printer and encoder state, the production
 * queue and the outbox backlog; and the LED pattern that sums it up. The LEDs follow every
 * committed change.
 */
import type { EncoderStatus, PivEncoder } from '../../../drivers/encoder/piv-encoder.js';
import type { LedPattern, StatusLeds } from '../../../drivers/leds/status-leds.js';
import type { CardPrinter, PrinterStatus } from '../../../drivers/printer/card-printer.js';
import type { Store } from '../core/store-ports.js';
import type { DomainEvents } from './domain-events.js';
import type { DeviceReadiness, Logger } from './ports.js';
import type { ProductionService } from './production-service.js';
import type { SyncStatus } from './sync/sync-service.js';

/** What the status needs from the relay to the central Identity Manager. */
export interface SyncStatusSource {
  status(): Promise<SyncStatus>;
  /** The centre has been unreachable for a while (its offlineAfterMs). */
  isOffline(): boolean;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  version: string;
  database: { writable: boolean };
  devices: {
    printer: { driver: CardPrinter['kind']; status: PrinterStatus };
    encoder: { driver: PivEncoder['kind']; status: EncoderStatus };
    leds: { driver: StatusLeds['kind']; pattern: LedPattern };
  };
  production: { pending: number; current: string | null; spoiledCards: number };
  outbox: { pending: number };
  /** Null when sync is not configured (not provisioned yet). */
  sync: SyncStatus | null;
}

/**
 * How long a /health report is reused: a monitor (or a load balancer, or a curious person
 * refreshing) asking many times a second costs one look at the devices and the database per
 * second, not one per call. Any committed change (request or device event) and any printer
 * status report drops the saved report at once, so only what changes without an event (the
 * outbox count while sync delivers, a card reader unplugged) can be up to this old.
 */
export const HEALTH_REPORT_MAX_AGE_MS = 1_000;

export class DeviceStatusService {
  private lastPrinter: PrinterStatus = { state: 'ready' };
  private readonly now: () => number;
  private readonly healthMaxAgeMs: number;
  /** The last report and when it was asked for; null after a change. */
  private savedHealth: { report: HealthReport; at: number } | null = null;
  /** The report being built: calls arriving meanwhile share it. */
  private buildingHealth: Promise<HealthReport> | null = null;
  /** Counts changes, so a report begun before a change is not saved after it. */
  private generation = 0;

  constructor(
    private readonly deps: {
      store: Store;
      printer: CardPrinter;
      encoder: PivEncoder;
      leds: StatusLeds;
      production: ProductionService;
      events: DomainEvents;
      log: Logger;
      version: string;
      sync?: SyncStatusSource | null;
      /** Reuse a /health report this long (HEALTH_REPORT_MAX_AGE_MS); 0: build every one. */
      healthMaxAgeMs?: number;
      /** Monotonic milliseconds (performance.now by default); tests advance their own. */
      monotonicNow?: () => number;
    },
  ) {
    this.now = deps.monotonicNow ?? (() => performance.now());
    this.healthMaxAgeMs = deps.healthMaxAgeMs ?? HEALTH_REPORT_MAX_AGE_MS;
    deps.printer.onStatus((s) => {
      this.lastPrinter = s;
      this.forgetHealth();
      this.refreshLeds().catch((err: unknown) => deps.log.warn({ err }, 'LED refresh failed'));
    });
    const refresh = () => {
      this.forgetHealth();
      this.refreshLeds().catch((err: unknown) => deps.log.warn({ err }, 'LED refresh failed'));
    };
    deps.events.on('request.changed', refresh);
    deps.events.on('device.changed', refresh);
  }

  printerDriver(): CardPrinter['kind'] {
    return this.deps.printer.kind;
  }

  async printerStatus(): Promise<PrinterStatus> {
    this.lastPrinter = await this.deps.printer.status();
    return this.lastPrinter;
  }

  /**
   * The device's health, built at most once per healthMaxAgeMs unless something changed;
   * concurrent calls share one build. Reads only: nothing here writes (the store's
   * writability comes from its last write or a probe at most every few minutes).
   */
  health(): Promise<HealthReport> {
    const saved = this.savedHealth;
    if (saved && this.now() - saved.at < this.healthMaxAgeMs) return Promise.resolve(saved.report);
    if (this.buildingHealth) return this.buildingHealth;
    const generation = this.generation;
    const at = this.now();
    const building = this.buildHealth().then((report) => {
      if (generation === this.generation) this.savedHealth = { report, at };
      return report;
    });
    this.buildingHealth = building;
    const clear = () => {
      if (this.buildingHealth === building) this.buildingHealth = null;
    };
    building.then(clear, clear);
    return building;
  }

  private forgetHealth(): void {
    this.generation++;
    this.savedHealth = null;
    this.buildingHealth = null;
  }

  private async buildHealth(): Promise<HealthReport> {
    const { store, printer, encoder, leds, production, version } = this.deps;
    const [writable, printerStatus, encoderStatus, counts] = await Promise.all([
      store.isWritable(),
      this.printerStatus(),
      encoder.status(),
      store.read(async (tx) => ({
        outbox: await tx.outbox.countPending(),
        spoiled: await tx.attempts.spoiledTotal(),
      })),
    ]);
    return {
      status: writable && printerStatus.state !== 'fault' ? 'ok' : 'degraded',
      version,
      database: { writable },
      devices: {
        printer: { driver: printer.kind, status: printerStatus },
        encoder: { driver: encoder.kind, status: encoderStatus },
        leds: { driver: leds.kind, pattern: leds.current() },
      },
      production: {
        pending: production.pending(),
        current: production.currentRequest(),
        spoiledCards: counts.spoiled,
      },
      outbox: { pending: counts.outbox },
      sync: this.deps.sync ? await this.deps.sync.status() : null,
    };
  }

  /**
   * Whether a walk-up request can be served now: the printer has no fault and blanks left,
   * and the encoder's reader is there. Asked before the kiosk takes a request.
   */
  async readiness(): Promise<DeviceReadiness> {
    const [printer, encoder] = await Promise.all([
      this.printerStatus(),
      this.deps.encoder.status(),
    ]);
    if (printer.state === 'fault') {
      return {
        ready: false,
        reason: `the card printer needs attention (${(printer.fault ?? 'fault').replace(/_/g, ' ')})`,
      };
    }
    if (printer.cardsInFeeder === 0)
      return { ready: false, reason: 'the card printer has no blank cards left' };
    if (printer.ribbonRemaining === 0)
      return { ready: false, reason: 'the card printer ribbon is used up' };
    if (!encoder.readerPresent)
      return { ready: false, reason: 'the card encoder is not connected' };
    return { ready: true, reason: null };
  }

  /**
   * Fault beats busy beats attention (a card waiting for its holder) beats offline (the
   * central Identity Manager unreachable for a while) beats ready. Offline ranks low on
   * purpose: the kiosk keeps working and keeps everything for the centre, so anything staff
   * can act on at the device comes first; /health and GET /api/sync say more.
   */
  async refreshLeds(): Promise<LedPattern> {
    const { leds, production, store } = this.deps;
    let pattern: LedPattern;
    if (this.lastPrinter.state === 'fault') pattern = 'fault';
    else if (production.pending() > 0) pattern = 'busy';
    else {
      const waiting = await store.read((tx) => tx.requests.count({ state: 'produced' }));
      pattern = waiting > 0 ? 'attention' : this.deps.sync?.isOffline() ? 'offline' : 'ready';
    }
    leds.show(pattern);
    return pattern;
  }
}
