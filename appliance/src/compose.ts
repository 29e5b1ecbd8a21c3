/**
 * Wires an appliance from parts that are already chosen (store, drivers, renderer, CA): the
 * services, their effects and the HTTP app. main.ts chooses real or simulated parts and
 * calls this; the test builder does the same with simulators and a temporary database.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { PivEncoder } from '../../drivers/encoder/piv-encoder.js';
import type { StatusLeds } from '../../drivers/leds/status-leds.js';
import type { CardPrinter } from '../../drivers/printer/card-printer.js';
import type { Clock, RandomSource } from './core/ports.js';
import type { Store } from './core/store-ports.js';
import { ProcessCatalog } from './core/workflow/processes.js';
import { AesGcmSealer } from './crypto/aes-gcm-sealer.js';
import { deriveCardManagementKey } from './crypto/management-key.js';
import type { PasscodeHasher } from './crypto/passcode-hasher.js';
import type { DeviceConfig } from './config.js';
import { buildApp } from './http/build-app.js';
import type { AppServices } from './http/app-services.js';
import { AuditService } from './services/audit-service.js';
import { AuthService, DEFAULT_AUTH_POLICY } from './services/auth-service.js';
import { BatchService } from './services/batch-service.js';
import { CardService } from './services/card-service.js';
import { DeviceStatusService } from './services/device-status-service.js';
import { DomainEvents } from './services/domain-events.js';
import { PersonService } from './services/person-service.js';
import type {
  CardArtworkRenderer,
  CardCertificateIssuer,
  CardContentSigner,
  CertificateRevocation,
  Logger,
} from './services/ports.js';
import { ProductionService } from './services/production-service.js';
import { PrinterMaintenanceService } from './services/printer-maintenance-service.js';
import { RequestService } from './services/request-service.js';
import { WorkflowEngine } from './services/workflow-engine.js';
import type { SecretEscrow } from './core/secret-escrow.js';
import { CentralInbox, type CentralInvitationSink } from './services/sync/central-inbox.js';
import type { IdentityManagerClient } from './services/sync/identity-manager-client.js';
import { SyncService } from './services/sync/sync-service.js';
import { escrowPendingPuks } from './services/puk-escrow.js';
import { SYNC_DEFAULTS } from './config.js';
import { loadSiteIdentity } from './site-identity.js';
import { composeVisits, type VisitServices } from './visits-composition.js';
import type { MailSender, WebhookSender } from './services/notifications/notification-ports.js';
import { DurableScheduler } from './services/scheduler/durable-scheduler.js';
import { CardPinService, type PukReleaser } from './services/card-pin-service.js';
import { CardRenewalService } from './services/card-renewal-service.js';
import {
  CardLifecycleService,
  DEFAULT_LIFECYCLE_POLICY,
} from './services/card-lifecycle-service.js';
import { expireIdempotentSecrets, IdempotentStore } from './services/idempotent-write.js';

export interface ApplianceParts {
  config: DeviceConfig;
  store: Store;
  printer: CardPrinter;
  encoder: PivEncoder;
  leds: StatusLeds;
  renderer: CardArtworkRenderer;
  certificates: CardCertificateIssuer | null;
  /** The CA's content signer (CHUID, Security Object); null without a CA. */
  contentSigner?: CardContentSigner | null;
  /** Revocation and CRL of the same CA; null when there is none. */
  revocation: CertificateRevocation | null;
  deviceSecret: Uint8Array;
  /** The central Identity Manager; null or absent: no sync (not provisioned yet). */
  centralClient?: IdentityManagerClient | null;
  /** The centre's escrow key for PUKs; null or absent: the device keeps its own copy. */
  escrow?: SecretEscrow | null;
  clock: Clock;
  random: RandomSource;
  hasher: PasscodeHasher;
  log: Logger;
  version: string;
  /** The pino logger for HTTP request logs. */
  httpLogger?: FastifyBaseLogger;
  /** Host notification transports; absent: the ones config.notifications names. */
  notificationTransports?: { mail: MailSender | null; webhook: WebhookSender | null };
}

export interface Appliance {
  services: AppServices & {
    production: ProductionService;
    engine: WorkflowEngine;
    visiting: VisitServices;
  };
  app: FastifyInstance;
  /**
   * Time-driven work (expiry, retention, sign-out). main.ts starts it once the app listens
   * (start() catches up on whatever fell due while the device was off); close() stops it.
   */
  scheduler: DurableScheduler;
  /** First-start admin passcode (null if users exist), recovery after restart. */
  start(): Promise<{ firstAdminPasscode: string | null }>;
  close(): Promise<void>;
}

export async function composeAppliance(parts: ApplianceParts): Promise<Appliance> {
  const { config, clock, random, log } = parts;
  // Every service writes through this: a keyed request's first write also records its key.
  const store = new IdempotentStore(parts.store);
  const catalog = new ProcessCatalog(config.siteProcesses, config.enabledProcesses);
  for (const kind of ['visitor', 'contractor', 'employee'] as const) {
    const name = config.walkUp[kind];
    if (name && !catalog.get(name))
      throw new Error(`walk-up process ${name} for ${kind} is not defined`);
  }
  const events = new DomainEvents();
  const site = loadSiteIdentity(config);
  const siteBranding = { logo: site.logo, accentColor: site.accentColor };
  const scheduler = new DurableScheduler({
    store,
    clock,
    log: log.child({ module: 'services.scheduler' }),
  });
  const sealer = new AesGcmSealer(parts.deviceSecret, 'card-secrets');
  const engine = new WorkflowEngine(
    store,
    catalog,
    clock,
    events,
    log.child({ module: 'services.workflow' }),
  );
  const production = new ProductionService({
    store,
    engine,
    printer: parts.printer,
    encoder: parts.encoder,
    renderer: parts.renderer,
    certificates: parts.certificates,
    contentSigner: parts.contentSigner ?? null,
    sealer,
    clock,
    events,
    log: log.child({ module: 'services.production' }),
    managementKeyFor: (cardNumber) => deriveCardManagementKey(parts.deviceSecret, cardNumber),
    siteName: config.siteName,
    siteBranding,
    keyAlgorithm: config.keyAlgorithm,
    pinRetries: config.pinRetries,
    pukRetries: config.pukRetries,
  });
  const lifecycle = new CardLifecycleService({
    store,
    engine,
    clock,
    ca: parts.revocation,
    events,
    log: log.child({ module: 'services.lifecycle' }),
    policy: {
      ...DEFAULT_LIFECYCLE_POLICY,
      ...config.lifecycle,
      timeZone: config.timeZone ?? DEFAULT_LIFECYCLE_POLICY.timeZone,
      renewal: { ...DEFAULT_LIFECYCLE_POLICY.renewal, ...config.lifecycle?.renewal },
    },
  });
  lifecycle.registerJobs(scheduler);
  const cards = new CardService(store, clock, parts.revocation, events, lifecycle);
  const centralClient = parts.centralClient as
    (IdentityManagerClient & Partial<PukReleaser>) | null | undefined;
  const pins = new CardPinService({
    store,
    lifecycle,
    encoder: parts.encoder,
    sealer,
    releaser:
      centralClient && typeof centralClient.releasePuk === 'function'
        ? (centralClient as PukReleaser)
        : null,
    pinLength: config.pinLength,
  });
  const renewals = new CardRenewalService({
    store,
    lifecycle,
    encoder: parts.encoder,
    certificates: parts.certificates,
    contentSigner: parts.contentSigner ?? null,
    ca: parts.revocation,
    managementKeyFor: (cardNumber) => deriveCardManagementKey(parts.deviceSecret, cardNumber),
    keyAlgorithm: config.keyAlgorithm,
    validity: config.validity,
    clock,
    log: log.child({ module: 'services.renewals' }),
  });
  const sync = parts.centralClient
    ? new SyncService({
        store,
        client: parts.centralClient,
        inbox: new CentralInbox({
          store,
          engine,
          cards,
          lifecycle,
          // Bound late: the invitation service is made with the request service below.
          invitations: (): CentralInvitationSink | null => services.visiting.invitations,
          clock,
          log: log.child({ module: 'services.sync.inbox' }),
        }),
        clock,
        log: log.child({ module: 'services.sync' }),
        options: {
          batchSize: config.sync.batchSize ?? SYNC_DEFAULTS.batchSize,
          backoff: config.sync.backoff ?? SYNC_DEFAULTS.backoff,
          probeIntervalMs: config.sync.probeIntervalMs ?? SYNC_DEFAULTS.probeIntervalMs,
          pullIntervalMs: config.sync.pullIntervalMs ?? SYNC_DEFAULTS.pullIntervalMs,
          idleCheckMs: config.sync.idleCheckMs ?? SYNC_DEFAULTS.idleCheckMs,
          offlineAfterMs: config.sync.offlineAfterMs ?? SYNC_DEFAULTS.offlineAfterMs,
          numberRanges: config.sync.numberRanges ?? SYNC_DEFAULTS.numberRanges,
        },
        onChange: () => events.emit('device.changed'),
      })
    : null;
  const status = new DeviceStatusService({
    store,
    printer: parts.printer,
    encoder: parts.encoder,
    leds: parts.leds,
    production,
    events,
    log: log.child({ module: 'services.status' }),
    version: parts.version,
    sync,
  });
  const visiting = composeVisits({
    config,
    store,
    clock,
    random,
    catalog,
    engine,
    cards,
    events,
    scheduler,
    log,
    cardReader: parts.encoder,
    ...(parts.notificationTransports ? { transports: parts.notificationTransports } : {}),
  });
  const requests = new RequestService(
    store,
    engine,
    {
      random,
      sealer,
      escrow: parts.escrow ?? null,
      clock,
      policy: {
        pinLength: config.pinLength,
        cardNumberBaseDigits: config.cardNumberBaseDigits,
        validity: config.validity,
      },
      walkUp: { processForKind: config.walkUp },
      readiness: () => status.readiness(),
      renderer: parts.renderer,
      siteName: config.siteName,
      siteBranding,
    },
    log.child({ module: 'services.requests' }),
    [visiting.walkUpHook],
  );
  const services = {
    store,
    clock,
    answerSealer: new AesGcmSealer(parts.deviceSecret, 'idempotent-answers'),
    catalog,
    engine,
    production,
    events,
    requests,
    auth: new AuthService(store, parts.hasher, random, clock, DEFAULT_AUTH_POLICY, events),
    persons: new PersonService(store, clock),
    cards,
    lifecycle,
    pins,
    renewals,
    sync,
    batches: new BatchService(
      store,
      engine,
      clock,
      events,
      log.child({ module: 'services.batches' }),
    ),
    audit: new AuditService(store),
    status,
    printerMaintenance: new PrinterMaintenanceService({
      store,
      printer: parts.printer,
      production,
      clock,
      events,
      log: log.child({ module: 'services.printer' }),
    }),
    visiting: visiting.withRequests(requests),
  };
  const walkUpKinds = (['visitor', 'contractor', 'employee'] as const).filter((k) => {
    const name = config.walkUp[k];
    return name !== undefined && catalog.isEnabled(name);
  });
  const app = await buildApp(services, {
    publicBaseUrl: config.http.publicBaseUrl ?? `http://${config.http.host}:${config.http.port}`,
    secureCookie: config.http.secureCookie,
    walkUpKinds,
    site,
    rateLimits: config.rateLimits,
    ...(parts.httpLogger ? { loggerInstance: parts.httpLogger } : {}),
  });

  if (sync) {
    // A committed change means a new outbox event: an idle relay sends it at once.
    events.on('request.changed', () => sync.nudge());
    events.on('device.changed', () => sync.nudge());
  }

  return {
    services,
    app,
    scheduler,
    async start() {
      await store.transaction(async (tx) => {
        for (const range of config.numberRanges) await tx.numberRanges.ensure(range);
      });
      const firstAdminPasscode = await services.auth.ensureFirstAdmin();
      // Finish or undo whatever a crash interrupted, in workflow order.
      await expireIdempotentSecrets(store, clock.now());
      // Production first: it fails what was being produced at the stop, before anything
      // released below can start producing.
      await production.recover();
      await requests.resumeRequested();
      await requests.resumeCardGeneration();
      await services.batches.recover();
      await lifecycle.recover();
      await renewals.recover();
      if (parts.escrow)
        await escrowPendingPuks({
          store,
          sealer,
          escrow: parts.escrow,
          clock,
          log: log.child({ module: 'services.escrow' }),
        });
      await services.visiting.visits.recover();
      sync?.start();
      await services.status.refreshLeds();
      return { firstAdminPasscode };
    },
    async close() {
      await scheduler.stop();
      await services.visiting.notifications.stop();
      await sync?.stop();
      await parts.centralClient?.close();
      await app.close();
      // Only the card in the printer is finished; the queue waits on disk for the next start.
      await production.stop();
    },
  };
}
