/**
 * Wires the visit features into an appliance (called by compose.ts): host notifications with
 * the configured relay and webhook, visits following their requests, the barred persons
 * check, the site terms, invitations, retention, and their scheduled jobs. Kept apart from
 * compose.ts so that file only gains a few lines.
 */
import type { DeviceConfig } from './config.js';
import type { Clock, RandomSource } from './core/ports.js';
import { RETENTION_DEFAULTS, type RetentionPolicy } from './core/retention/retention-policy.js';
import type { Store } from './core/store-ports.js';
import type { ProcessCatalog } from './core/workflow/processes.js';
import { HttpWebhookSender } from './notify/http-webhook-sender.js';
import { SmtpMailSender } from './notify/smtp-mail-sender.js';
import type { CardService } from './services/card-service.js';
import type { DomainEvents } from './services/domain-events.js';
import type { MailSender, WebhookSender } from './services/notifications/notification-ports.js';
import {
  NOTIFICATION_RETRY_DEFAULTS,
  NotificationService,
} from './services/notifications/notification-service.js';
import type { Logger } from './services/ports.js';
import type { RequestService, WalkUpHook } from './services/request-service.js';
import { RetentionService } from './services/retention/retention-service.js';
import type { DurableScheduler } from './services/scheduler/durable-scheduler.js';
import { BarredPersonService } from './services/visits/barred-person-service.js';
import { InvitationService } from './services/visits/invitation-service.js';
import { SiteTerms } from './services/visits/site-terms.js';
import { VisitService, type CardIdentityReader } from './services/visits/visit-service.js';
import type { WorkflowEngine } from './services/workflow-engine.js';

export interface VisitServices {
  notifications: NotificationService;
  visits: VisitService;
  barred: BarredPersonService;
  terms: SiteTerms;
  retention: RetentionService;
  invitations: InvitationService;
  siteName: string;
}

export const RETENTION_JOB = 'retention';
export const CLOSING_JOB = 'visits.closing-time';
export const INVITATION_EXPIRY_JOB = 'invitations.expiry';
const RETENTION_EVERY_MS = 60 * 60_000;

export function retentionPolicy(config: DeviceConfig): RetentionPolicy {
  const r = config.retention ?? {};
  const pick = (v: number | null | undefined, d: number | null) => (v === undefined ? d : v);
  return {
    visitorDetails: pick(r.visitorDetailsDays, RETENTION_DEFAULTS.visitorDetails),
    photos: pick(r.photosDays, RETENTION_DEFAULTS.photos),
    requests: pick(r.requestsDays, RETENTION_DEFAULTS.requests),
    audit: pick(r.auditDays, RETENTION_DEFAULTS.audit),
  };
}

/** The mail relay and webhook the configuration names (tests may pass their own). */
export function notificationTransports(
  config: DeviceConfig,
  clock: Clock,
): { mail: MailSender | null; webhook: WebhookSender | null } {
  const n = config.notifications;
  return {
    mail: n?.email ? new SmtpMailSender(n.email) : null,
    webhook: n?.webhook ? new HttpWebhookSender(n.webhook, clock) : null,
  };
}

/** Part one, before the request service exists: what the walk-up hook needs. */
export function composeVisits(parts: {
  config: DeviceConfig;
  store: Store;
  clock: Clock;
  random: RandomSource;
  catalog: ProcessCatalog;
  engine: WorkflowEngine;
  cards: CardService;
  events: DomainEvents;
  scheduler: DurableScheduler;
  log: Logger;
  transports?: { mail: MailSender | null; webhook: WebhookSender | null };
  /** The encoder, whose reader identifies a Digital ID for "I'm leaving". */
  cardReader?: CardIdentityReader;
}): {
  services: Omit<VisitServices, 'invitations'>;
  walkUpHook: WalkUpHook;
  withRequests(requests: RequestService): VisitServices;
} {
  const { config, store, clock, log } = parts;
  const timeZone = config.timeZone ?? 'UTC';
  const transports = parts.transports ?? notificationTransports(config, clock);
  const notifications = new NotificationService({
    store,
    clock,
    random: parts.random,
    mail: transports.mail,
    webhook: transports.webhook,
    policy: {
      defaultLanguage: config.notifications?.language ?? 'en',
      meetingPoint: config.notifications?.meetingPoint ?? 'the reception desk',
      siteName: config.siteName,
      retry: config.notifications?.retry ?? NOTIFICATION_RETRY_DEFAULTS,
      webhookUrl: config.notifications?.webhook?.url ?? null,
    },
    log: log.child({ module: 'services.notifications' }),
  });
  const closingTime = config.visits?.closingTime;
  const visits = new VisitService({
    store,
    clock,
    cards: parts.cards,
    notifications,
    events: parts.events,
    policy: {
      closing: closingTime ? { time: closingTime, timeZone } : null,
      notifyHostOnLeave: config.visits?.notifyHostOnLeave ?? false,
    },
    log: log.child({ module: 'services.visits' }),
    ...(parts.cardReader ? { cardReader: parts.cardReader } : {}),
  });
  parts.engine.onTransition((tx, change) => visits.followRequest(tx, change));
  const barred = new BarredPersonService(store, clock);
  const policy = retentionPolicy(config);
  const terms = new SiteTerms(policy, config.siteName, config.notifications?.language ?? 'en');
  const retention = new RetentionService({ store, clock, policy });
  let invitations: InvitationService | null = null;

  const walkUpHook: WalkUpHook = async (tx, { person, requestId, input, at }) => {
    await terms.record(tx, requestId, input.terms, at);
    if (input.invitationId) {
      if (!invitations) throw new Error('invitations are not wired');
      await invitations.markUsed(tx, input.invitationId, requestId, at);
    }
    const matches = await barred.screen(tx, {
      requestId,
      name: person.name,
      company: person.company,
      at,
    });
    if (person.kind !== 'employee') {
      await visits.openForWalkUp(tx, {
        personId: person.id,
        hostPersonId: person.hostPersonId,
        requestId,
        ...(input.invitationId ? { invitationId: input.invitationId } : {}),
        at,
      });
    }
    return { hold: matches.length > 0 };
  };

  parts.scheduler.register({
    name: RETENTION_JOB,
    due: { kind: 'interval', everyMs: RETENTION_EVERY_MS },
    run: async (tx, { now }) => ({ summary: await retention.run(tx, now) }),
  });
  if (closingTime) {
    parts.scheduler.register({
      name: CLOSING_JOB,
      due: { kind: 'daily', at: closingTime, timeZone },
      run: async (tx, { now }) => {
        const { ended, effects } = await visits.closeDayIn(tx, now);
        return {
          summary: { ended: ended.length },
          afterCommit: () => visits.runAfterCommit(effects),
        };
      },
    });
  }

  // Invitations whose last day has passed: a little after midnight, site time; a device that
  // was off catches up at start (the job covers everything due by its run).
  parts.scheduler.register({
    name: INVITATION_EXPIRY_JOB,
    due: { kind: 'daily', at: '00:05', timeZone },
    run: async (tx, { now }) => {
      if (!invitations) throw new Error('invitations are not wired');
      return { summary: { expired: await invitations.expireIn(tx, now) } };
    },
  });

  const services = { notifications, visits, barred, terms, retention, siteName: config.siteName };
  return {
    services,
    walkUpHook,
    withRequests(requests) {
      invitations = new InvitationService({
        store,
        clock,
        random: parts.random,
        catalog: parts.catalog,
        engine: parts.engine,
        requests,
        notifications,
        visits,
        policy: {
          defaultProcess: config.invitations?.defaultProcess ?? config.walkUp.visitor ?? null,
          countAsApproval: config.invitations?.countAsApproval ?? false,
          timeZone,
        },
      });
      return { ...services, invitations };
    },
  };
}
