/** The already-built services that buildApp exposes over HTTP. */
import type { FastifyBaseLogger } from 'fastify';
import type { AuditService } from '../services/audit-service.js';
import type { AuthService } from '../services/auth-service.js';
import type { BatchService } from '../services/batch-service.js';
import type { DeviceStatusService } from '../services/device-status-service.js';
import type { PrinterMaintenanceService } from '../services/printer-maintenance-service.js';
import type { DomainEvents } from '../services/domain-events.js';
import type { PersonService } from '../services/person-service.js';
import type { RequestService } from '../services/request-service.js';
import type { CardService } from '../services/card-service.js';
import type { CardLifecycleService } from '../services/card-lifecycle-service.js';
import type { CardPinService } from '../services/card-pin-service.js';
import type { CardRenewalService } from '../services/card-renewal-service.js';
import type { SyncService } from '../services/sync/sync-service.js';
import type { ProcessCatalog } from '../core/workflow/processes.js';
import type { Store } from '../core/store-ports.js';
import type { Clock } from '../core/ports.js';
import type { SiteIdentity } from '../site-identity.js';
import type { SecretSealer } from '../core/secret-sealer.js';
import type { VisitServices } from '../visits-composition.js';

export interface AppServices {
  store: Pick<Store, 'transaction' | 'read'>;
  clock: Clock;
  /** Seals the secret fields of stored Idempotency-Key answers until they are delivered. */
  answerSealer: SecretSealer;
  catalog: ProcessCatalog;
  auth: AuthService;
  persons: PersonService;
  requests: RequestService;
  cards: CardService;
  /** Suspend, resume, replace, renew, temporary card, PIN operations, expiry. */
  lifecycle: CardLifecycleService;
  /** PIN unblock (PUK from the device copy or released by the centre) and PIN change. */
  pins: CardPinService;
  /** Renewal as the card type's profile says: a new card, or on the chip in the encoder. */
  renewals: CardRenewalService;
  batches: BatchService;
  audit: AuditService;
  status: DeviceStatusService;
  /** Printer state and cleaning for the production administrator. */
  printerMaintenance?: PrinterMaintenanceService;
  /** The relay to the central Identity Manager; null until provisioned. */
  sync?: SyncService | null;
  events: DomainEvents;
  /** Visits, host notifications, invitations, barred persons, terms, retention. */
  visiting?: VisitServices;
}

export interface AppOptions {
  /** Base URL the kiosk's QR codes point to, e.g. http://127.0.0.1:8080 */
  publicBaseUrl: string;
  secureCookie: boolean;
  /** Walk-up kinds this kiosk offers, for the self-service screens. */
  walkUpKinds: string[];
  /** The site's name, accent colour and logo for the walk-up screens. */
  site?: SiteIdentity;
  /** The appliance's pino logger; none in tests that do not look at logs. */
  loggerInstance?: FastifyBaseLogger;
  rateLimits?: { signInPerMinute: number; walkUpPerMinute: number; statusLookupsPerMinute: number };
}
