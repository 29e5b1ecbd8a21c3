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
import { AuthService } from './services/auth-service.js';
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
import { RequestService } from './services/request-service.js';
import { WorkflowEngine } from './services/workflow-engine.js';
import type { SecretEscrow } from './core/secret-escrow.js';
import { CentralInbox } from './services/sync/central-inbox.js';
import type { IdentityManagerClient } from './services/sync/identity-manager-client.js';
import { SyncService } from './services/sync/sync-service.js';
import { escrowPendingPuks } from './services/puk-escrow.js';
import { SYNC_DEFAULTS } from './config.js';

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
}

export interface Appliance {
  services: AppServices & { production: ProductionService; engine: WorkflowEngine };
  app: FastifyInstance;
  /** First-start admin passcode (null if users exist), recovery after restart. */
  start(): Promise<{ firstAdminPasscode: string | null }>;
  close(): Promise<void>;
}

export async function composeAppliance(parts: ApplianceParts): Promise<Appliance> {
  const { config, store, clock, random, log } = parts;
  const catalog = new ProcessCatalog(config.siteProcesses, config.enabledProcesses);
  for (const kind of ['visitor', 'contractor', 'employee'] as const) {
    const name = config.walkUp[kind];
    if (name && !catalog.get(name))
      throw new Error(`walk-up process ${name} for ${kind} is not defined`);
  }
  const events = new DomainEvents();
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
    keyAlgorithm: config.keyAlgorithm,
    pinRetries: config.pinRetries,
    pukRetries: config.pukRetries,
  });
  const cards = new CardService(store, clock, parts.revocation, events);
  const sync = parts.centralClient
    ? new SyncService({
        store,
        client: parts.centralClient,
        inbox: new CentralInbox({
          store,
          engine,
          cards,
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
    },
    log.child({ module: 'services.requests' }),
  );
  const services = {
    store,
    clock,
    catalog,
    engine,
    production,
    events,
    requests,
    auth: new AuthService(store, parts.hasher, random, clock),
    persons: new PersonService(store, clock),
    cards,
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
  };
  const walkUpKinds = (['visitor', 'contractor', 'employee'] as const).filter((k) => {
    const name = config.walkUp[k];
    return name !== undefined && catalog.isEnabled(name);
  });
  const app = await buildApp(services, {
    publicBaseUrl: config.http.publicBaseUrl ?? `http://${config.http.host}:${config.http.port}`,
    secureCookie: config.http.secureCookie,
    walkUpKinds,
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
    async start() {
      await store.transaction(async (tx) => {
        for (const range of config.numberRanges) await tx.numberRanges.ensure(range);
      });
      const firstAdminPasscode = await services.auth.ensureFirstAdmin();
      await requests.resumeCardGeneration();
      await production.recover();
      if (parts.escrow)
        await escrowPendingPuks({
          store,
          sealer,
          escrow: parts.escrow,
          clock,
          log: log.child({ module: 'services.escrow' }),
        });
      sync?.start();
      await services.status.refreshLeds();
      return { firstAdminPasscode };
    },
    async close() {
      await sync?.stop();
      await parts.centralClient?.close();
      await app.close();
      await production.whenIdle();
    },
  };
}
