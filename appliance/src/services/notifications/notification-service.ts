/**
 * Host notifications and invitation e-mails as a durable queue. A notification is queued in
 * the same transaction as the change it tells of (a visitor arrived, a card is ready), as a
 * record with the rendered message; delivery comes after the commit, one attempt at a time,
 * and each outcome moves the record through the notification table (queued → sent, or
 * retrying with exponential backoff → sent | failed). While the mail relay or the network is
 * away, nothing is lost: the queue is in the database and a restart carries on from it.
 */
import { NotFoundError } from '../../core/errors.js';
import type { Clock, RandomSource } from '../../core/ports.js';
import { actorLabel, SYSTEM_ACTOR, type Actor } from '../../core/roles.js';
import type { Store, StoreTx } from '../../core/store-ports.js';
import {
  NOTIFICATION_MACHINE,
  type NotificationEvent,
} from '../../core/notification/notification-machine.js';
import { transitionIn } from '../../core/state-machine/table-machine.js';
import type {
  NotificationQuery,
  NotificationRecord,
  NotificationTopic,
} from '../../core/visit/visit-records.js';
import { backoffDelayMs, type BackoffPolicy } from '../sync/backoff.js';
import type { Logger } from '../ports.js';
import { newId } from '../workflow-engine.js';
import { DeliveryError, type MailSender, type WebhookSender } from './notification-ports.js';
import {
  hostMessage,
  invitationMessage,
  notificationLanguage,
  webhookBody,
  type InvitationFacts,
  type VisitFacts,
} from './notification-messages.js';

export interface NotificationPolicy {
  /** Language for hosts who have none set. */
  defaultLanguage: string;
  meetingPoint: string;
  siteName: string;
  retry: BackoffPolicy & { maxAttempts: number };
  webhookUrl: string | null;
}

export const NOTIFICATION_RETRY_DEFAULTS = {
  initialMs: 30_000,
  maxMs: 30 * 60_000,
  maxAttempts: 12,
};

/** Attempts per delivery round; the rest wait for the next round. */
const ROUND_SIZE = 20;

export class NotificationService {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      random: RandomSource;
      mail: MailSender | null;
      webhook: WebhookSender | null;
      policy: NotificationPolicy;
      log: Logger;
    },
  ) {}

  /** Whether a host can be told anything at all (a relay or a webhook is configured). */
  get enabled(): boolean {
    return this.deps.mail !== null || this.deps.webhook !== null;
  }

  /**
   * Queue the host's notifications about a visit, inside the caller's transaction: an
   * e-mail when the host has an address and a relay is configured, a webhook call when one
   * is configured. Returns the ids queued.
   */
  async queueForHost(
    tx: StoreTx,
    topic: Exclude<NotificationTopic, 'invitation'>,
    visit: { id: string; personId: string | null; hostPersonId: string | null },
    extra: { cardNumber?: string | null },
    at: string,
  ): Promise<string[]> {
    if (!this.enabled || !visit.hostPersonId || !visit.personId) return [];
    const visitor = await tx.persons.get(visit.personId);
    const host = await tx.persons.get(visit.hostPersonId);
    if (!visitor || !host) return [];
    const language = notificationLanguage(
      (await tx.visits.hostLanguage(host.id)) ?? this.deps.policy.defaultLanguage,
    );
    const facts: VisitFacts = {
      visitorName: visitor.name,
      company: visitor.company,
      hostName: host.name,
      siteName: this.deps.policy.siteName,
      meetingPoint: this.deps.policy.meetingPoint,
      cardNumber: extra.cardNumber ?? null,
    };
    const ids: string[] = [];
    if (this.deps.mail && host.email) {
      const id = newId();
      await this.insert(tx, {
        id,
        channel: 'email',
        topic,
        recipient: host.email,
        language,
        visitId: visit.id,
        invitationId: null,
        content: { kind: 'email', ...hostMessage(topic, language, facts) },
        at,
      });
      ids.push(id);
    }
    if (this.deps.webhook && this.deps.policy.webhookUrl) {
      const id = newId();
      await this.insert(tx, {
        id,
        channel: 'webhook',
        topic,
        recipient: this.deps.policy.webhookUrl,
        language,
        visitId: visit.id,
        invitationId: null,
        content: {
          kind: 'webhook',
          body: webhookBody(topic, language, facts, { visitId: visit.id, notificationId: id }, at),
        },
        at,
      });
      ids.push(id);
    }
    return ids;
  }

  /** Queue an invitation e-mail with its QR code (PNG) inside the caller's transaction. */
  async queueInvitation(
    tx: StoreTx,
    invitation: { id: string; email: string; language: string },
    facts: Omit<InvitationFacts, 'siteName' | 'meetingPoint'>,
    qrPng: Uint8Array,
    at: string,
  ): Promise<string | null> {
    if (!this.deps.mail) return null;
    const language = notificationLanguage(invitation.language);
    const id = newId();
    await this.insert(tx, {
      id,
      channel: 'email',
      topic: 'invitation',
      recipient: invitation.email,
      language,
      visitId: null,
      invitationId: invitation.id,
      content: {
        kind: 'email',
        ...invitationMessage(language, {
          ...facts,
          siteName: this.deps.policy.siteName,
          meetingPoint: this.deps.policy.meetingPoint,
        }),
        attachments: [
          {
            filename: 'invitation-qr.png',
            contentType: 'image/png',
            content: Buffer.from(qrPng).toString('base64'),
            cid: 'qr',
          },
        ],
      },
      at,
    });
    return id;
  }

  private async insert(
    tx: StoreTx,
    n: Pick<
      NotificationRecord,
      'id' | 'channel' | 'topic' | 'recipient' | 'language' | 'visitId' | 'invitationId' | 'content'
    > & { at: string },
  ): Promise<void> {
    const { at, ...rest } = n;
    await tx.notifications.insert({
      ...rest,
      state: 'queued',
      attempts: 0,
      nextAttemptAt: at,
      lastError: null,
      sentAt: null,
      createdAt: at,
      updatedAt: at,
    });
    // The audit names the channel and topic, never the address or the message.
    await tx.audit.append(
      {
        actor: 'system',
        action: 'notification.queued',
        objectType: 'notification',
        objectId: n.id,
        details: { channel: n.channel, topic: n.topic, visitId: n.visitId },
      },
      at,
    );
  }

  /**
   * One delivery round: every notification due now gets one attempt, and its outcome is
   * saved through the notification table. Returns how each ended up.
   */
  async deliverDue(): Promise<{ sent: number; retrying: number; failed: number }> {
    const now = this.deps.clock.now().toISOString();
    const due = await this.deps.store.read((tx) => tx.notifications.due(now, ROUND_SIZE));
    const tally = { sent: 0, retrying: 0, failed: 0 };
    for (const n of due) {
      const outcome = await this.attempt(n);
      tally[outcome]++;
    }
    return tally;
  }

  private async attempt(n: NotificationRecord): Promise<'sent' | 'retrying' | 'failed'> {
    let failure: DeliveryError | null = null;
    try {
      await this.send(n);
    } catch (err) {
      failure =
        err instanceof DeliveryError
          ? err
          : new DeliveryError('delivery failed unexpectedly', false, { cause: err });
      this.deps.log.warn(
        {
          notificationId: n.id,
          channel: n.channel,
          attempt: n.attempts + 1,
          error: failure.message,
        },
        'notification not delivered',
      );
    }
    const attempts = n.attempts + 1;
    const event: NotificationEvent = failure
      ? { type: 'attempt_failed', attempts, permanent: failure.permanent }
      : { type: 'delivered', attempts };
    return this.deps.store.transaction(async (tx) => {
      const current = await tx.notifications.get(n.id);
      // Erased or resent meanwhile: this attempt's outcome no longer applies.
      if (!current || current.state !== n.state || current.attempts !== n.attempts)
        return failure ? 'retrying' : 'sent';
      const outcome = transitionIn(NOTIFICATION_MACHINE, current.state, event.type, SYSTEM_ACTOR, {
        event,
        actor: SYSTEM_ACTOR,
        maxAttempts: this.deps.policy.retry.maxAttempts,
      });
      const now = this.deps.clock.now();
      const at = now.toISOString();
      const next = outcome.effects.includes('scheduleRetry')
        ? new Date(
            now.getTime() +
              backoffDelayMs(
                this.deps.policy.retry,
                attempts,
                this.deps.random.int(1_000_000) / 1_000_000,
              ),
          ).toISOString()
        : current.nextAttemptAt;
      await tx.notifications.update(n.id, {
        state: outcome.next,
        attempts,
        nextAttemptAt: next,
        lastError: failure ? failure.message : null,
        sentAt: outcome.next === 'sent' ? at : null,
        updatedAt: at,
      });
      if (outcome.next !== 'retrying' || attempts === 1) {
        await tx.audit.append(
          {
            actor: 'system',
            action: `notification.${outcome.next}`,
            objectType: 'notification',
            objectId: n.id,
            details: {
              channel: n.channel,
              topic: n.topic,
              attempts,
              ...(failure ? { error: failure.message } : {}),
            },
          },
          at,
        );
      }
      return outcome.next as 'sent' | 'retrying' | 'failed';
    });
  }

  private async send(n: NotificationRecord): Promise<void> {
    const c = n.content;
    if (c.kind === 'email') {
      if (!this.deps.mail) throw new DeliveryError('no mail relay is configured', false);
      await this.deps.mail.send({
        id: n.id,
        to: n.recipient,
        subject: c.subject,
        text: c.text,
        html: c.html,
        attachments: (c.attachments ?? []).map((a) => ({
          filename: a.filename,
          contentType: a.contentType,
          content: new Uint8Array(Buffer.from(a.content, 'base64')),
          ...(a.cid ? { cid: a.cid } : {}),
        })),
      });
      return;
    }
    if (c.kind === 'webhook') {
      if (!this.deps.webhook) throw new DeliveryError('no webhook is configured', false);
      await this.deps.webhook.post(n.recipient, c.body, n.id);
      return;
    }
    // Its content was erased on request before it could be sent.
    throw new DeliveryError('the message was erased', true);
  }

  /** Staff send a failed notification again (for instance after fixing the relay settings). */
  async resend(actor: Actor, id: string): Promise<NotificationRecord> {
    const updated = await this.deps.store.transaction(async (tx) => {
      const n = await tx.notifications.get(id);
      if (!n) throw new NotFoundError('notification', id);
      const outcome = transitionIn(NOTIFICATION_MACHINE, n.state, 'resend', actor, {
        event: { type: 'resend' },
        actor,
        maxAttempts: this.deps.policy.retry.maxAttempts,
      });
      const at = this.deps.clock.now().toISOString();
      await tx.notifications.update(id, {
        state: outcome.next,
        attempts: 0,
        nextAttemptAt: at,
        updatedAt: at,
      });
      await tx.audit.append(
        {
          actor: actorLabel(actor),
          action: 'notification.resend',
          objectType: 'notification',
          objectId: id,
          details: { channel: n.channel, topic: n.topic },
        },
        at,
      );
      return (await tx.notifications.get(id)) as NotificationRecord;
    });
    this.nudge();
    return updated;
  }

  list(q: NotificationQuery): Promise<NotificationRecord[]> {
    return this.deps.store.read((tx) => tx.notifications.list(q));
  }

  async get(id: string): Promise<NotificationRecord> {
    const n = await this.deps.store.read((tx) => tx.notifications.get(id));
    if (!n) throw new NotFoundError('notification', id);
    return n;
  }

  counts() {
    return this.deps.store.read((tx) => tx.notifications.counts());
  }

  /**
   * Deliver in the background: a round now, then again when the next notification is due
   * (at most a minute apart, so a change of clock or a new row is never missed for long).
   */
  start(): void {
    if (!this.enabled) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Something was queued: deliver at once rather than at the next timer. */
  nudge(): void {
    if (!this.stopped) this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    await this.deps.mail?.close();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.running) return this.schedule(1_000);
      this.running = this.round().finally(() => {
        this.running = null;
      });
    }, delayMs);
    this.timer.unref?.();
  }

  private async round(): Promise<void> {
    try {
      await this.deliverDue();
      const next = await this.deps.store.read((tx) => tx.notifications.nextDueAt());
      const wait = next ? Date.parse(next) - this.deps.clock.now().getTime() : 60_000;
      this.schedule(Math.min(Math.max(wait, 250), 60_000));
    } catch (err) {
      this.deps.log.error({ err }, 'notification delivery round failed');
      this.schedule(60_000);
    }
  }
}
