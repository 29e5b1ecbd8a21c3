/**
 * Visits: a person, their host, a request and a card, from arrival to departure. Every
 * change goes through the visit table (core/visit/visit-machine.ts) and is saved in one
 * transaction with its history, audit and outbox events and any host notification it
 * queues; badge effects (return, revoke) run after the commit through the card service,
 * and start-up finishes any a crash interrupted. A visit follows its request: it is created
 * with the walk-up's request, goes on site when the card is collected, and is withdrawn
 * when the request is rejected or cancelled.
 */
import { ConflictError, DomainError, InvalidInputError, NotFoundError } from '../../core/errors.js';
import { DeviceError } from '../../../../drivers/errors.js';
import type { CardIdentity } from '../../../../drivers/encoder/piv-encoder.js';
import type { Clock } from '../../core/ports.js';
import type { RequestRecord } from '../../core/records.js';
import { actorLabel, SYSTEM_ACTOR, type Actor } from '../../core/roles.js';
import type { Page, Store, StoreTx } from '../../core/store-ports.js';
import { transitionIn } from '../../core/state-machine/table-machine.js';
import { lastClosingBefore, type ClosingTime } from '../../core/visit/closing-time.js';
import {
  VISIT_MACHINE,
  type VisitEffectName,
  type VisitEvent,
  type VisitState,
} from '../../core/visit/visit-machine.js';
import type {
  VisitQuery,
  VisitRecord,
  VisitTransitionRecord,
  VisitView,
} from '../../core/visit/visit-records.js';
import type { RequestEvent } from '../../core/workflow/guards.js';
import type { CardService } from '../card-service.js';
import type { DomainEvents } from '../domain-events.js';
import type { Logger } from '../ports.js';
import type { NotificationService } from '../notifications/notification-service.js';
import { newId } from '../workflow-engine.js';

export interface VisitPolicy {
  /** Visits still open at this time are ended; null: never automatically. */
  closing: ClosingTime | null;
  /** Tell the host when their visitor signs out. */
  notifyHostOnLeave: boolean;
}

/** The part of the encoder "I'm leaving" uses: which card is in the reader. */
export interface CardIdentityReader {
  readCardIdentity(): Promise<CardIdentity>;
}

export type AfterCommit = {
  effect: Extract<VisitEffectName, 'returnBadge' | 'revokeUnreturnedBadge'>;
  visitId: string;
};

export class VisitService {
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      cards: CardService;
      notifications: NotificationService;
      events?: DomainEvents;
      policy: VisitPolicy;
      log: Logger;
      /** The encoder's reader, for "I'm leaving" with a Digital ID put in it. */
      cardReader?: CardIdentityReader;
    },
  ) {}

  /** Walk-up hook: the visit starts, arrived, in the request's first transaction. */
  async openForWalkUp(
    tx: StoreTx,
    ctx: {
      personId: string;
      hostPersonId: string | null;
      requestId: string;
      invitationId?: string;
      at: string;
    },
  ): Promise<VisitRecord> {
    if (ctx.invitationId) {
      const expected = await tx.visits.getByInvitation(ctx.invitationId);
      if (expected) {
        await tx.visits.link(expected.id, {
          personId: ctx.personId,
          requestId: ctx.requestId,
          updatedAt: ctx.at,
        });
        await this.apply(
          tx,
          expected.id,
          { type: 'arrive' },
          { kind: 'self_service', requestId: ctx.requestId },
          ctx.at,
        );
        return (await tx.visits.get(expected.id)) as VisitRecord;
      }
    }
    const visit: VisitRecord = {
      id: newId(),
      personId: ctx.personId,
      hostPersonId: ctx.hostPersonId,
      requestId: ctx.requestId,
      invitationId: ctx.invitationId ?? null,
      state: 'arrived',
      stateReason: null,
      arrivedAt: ctx.at,
      onSiteAt: null,
      endedAt: null,
      badgeReturned: null,
      createdAt: ctx.at,
      updatedAt: ctx.at,
    };
    await tx.visits.insert(visit);
    await this.record(
      tx,
      visit,
      null,
      'create',
      { kind: 'self_service', requestId: ctx.requestId },
      null,
      ctx.at,
    );
    await this.deps.notifications.queueForHost(tx, 'visitor_arrived', visit, {}, ctx.at);
    return visit;
  }

  /** Workflow listener: the visit follows its request (card ready, collected, closed). */
  async followRequest(
    tx: StoreTx,
    change: {
      request: RequestRecord;
      from: RequestRecord['state'];
      event: RequestEvent;
      at: string;
    },
  ): Promise<void> {
    const visit = await tx.visits.getByRequest(change.request.id);
    if (!visit) return;
    const state = change.request.state;
    if (state === 'produced' && visit.state === 'arrived') {
      const card = await tx.cards.getByRequest(change.request.id);
      await this.deps.notifications.queueForHost(
        tx,
        'card_ready',
        visit,
        { cardNumber: card?.cardNumber ?? null },
        change.at,
      );
    } else if (state === 'collected' && visit.state === 'arrived') {
      await this.apply(tx, visit.id, { type: 'card_collected' }, SYSTEM_ACTOR, change.at);
    } else if ((state === 'rejected' || state === 'cancelled') && visit.state === 'arrived') {
      await this.apply(
        tx,
        visit.id,
        { type: 'withdraw', reason: `request ${state}` },
        SYSTEM_ACTOR,
        change.at,
      );
    }
  }

  /**
   * "I'm leaving" at the kiosk (self-service: QR on the badge or typed card number) or at the
   * desk (security staff): the visit ends, the badge counts as returned and its certificate
   * is revoked, and the host may be told.
   */
  async signOut(actor: Actor, cardNumber: string): Promise<VisitView> {
    const number = cardNumber.replace(/\s+/g, '');
    if (!/^\d{2,20}$/.test(number)) throw new InvalidInputError('a card number has digits only');
    const { visitId, effects } = await this.deps.store.transaction(async (tx) => {
      const visit = await tx.visits.onSiteByCardNumber(number);
      // One answer for "no such card" and "not on site": the kiosk reveals nothing more.
      if (!visit) throw new NotFoundError('visit on site with card', number);
      const at = this.deps.clock.now().toISOString();
      return {
        visitId: visit.id,
        effects: await this.apply(tx, visit.id, { type: 'sign_out' }, actor, at),
      };
    });
    await this.runAfterCommit(effects);
    return this.view(visitId);
  }

  /**
   * "I'm leaving" with the badge in the encoder's reader: a Digital ID's chip names the card
   * by its CHUID GUID (the one written at personalisation, kept on the card record). A badge
   * without a chip cannot be told from an empty reader; either way the kiosk asks for the QR
   * code or the number instead (CARD_NOT_READABLE).
   */
  async signOutByCardInReader(actor: Actor): Promise<VisitView> {
    const reader = this.deps.cardReader;
    if (!reader) throw new DomainError('SERVICE_UNAVAILABLE', 'this kiosk has no card reader');
    let guid: string;
    try {
      ({ guid } = await reader.readCardIdentity());
    } catch (err) {
      if (!(err instanceof DeviceError)) throw err;
      if (err.code === 'CARD_REMOVED')
        throw new DomainError(
          'CARD_NOT_READABLE',
          'no chip card in the reader: a badge without a chip cannot be read there',
        );
      if (err.code === 'CARD_NOT_SUPPORTED')
        throw new DomainError('CARD_NOT_READABLE', 'the card in the reader is not one of ours');
      throw new DomainError('SERVICE_UNAVAILABLE', `the card reader: ${err.message}`, {
        cause: err,
      });
    }
    const { visitId, effects } = await this.deps.store.transaction(async (tx) => {
      const visit = await tx.visits.onSiteByCardGuid(guid);
      // The same answer as a card number that is not on site.
      if (!visit) throw new NotFoundError('visit on site with card', 'in the reader');
      const at = this.deps.clock.now().toISOString();
      return {
        visitId: visit.id,
        effects: await this.apply(tx, visit.id, { type: 'sign_out' }, actor, at),
      };
    });
    await this.runAfterCommit(effects);
    return this.view(visitId);
  }

  /** Staff end a visit, saying whether they hold the badge. */
  async end(
    actor: Actor,
    visitId: string,
    input: { badgeReturned: boolean; reason?: string },
  ): Promise<VisitView> {
    const effects = await this.deps.store.transaction(async (tx) => {
      const at = this.deps.clock.now().toISOString();
      return this.apply(
        tx,
        visitId,
        {
          type: 'end',
          badgeReturned: input.badgeReturned,
          ...(input.reason ? { reason: input.reason } : {}),
        },
        actor,
        at,
      );
    });
    await this.runAfterCommit(effects);
    return this.view(visitId);
  }

  /**
   * The closing-time job: every visit still open that began before the last closing time
   * (at or before `now`) is ended. Run late, it ends what was open then, so a device that
   * was off at closing time catches up. Returns the visits it ended.
   */
  async closeDay(now: Date): Promise<string[]> {
    const { ended, effects } = await this.deps.store.transaction((tx) => this.closeDayIn(tx, now));
    await this.runAfterCommit(effects);
    return ended;
  }

  /** The closing-time job's work inside the scheduler's transaction; effects run after it. */
  async closeDayIn(
    tx: StoreTx,
    now: Date,
  ): Promise<{ ended: string[]; effects: readonly AfterCommit[] }> {
    const closing = this.deps.policy.closing;
    if (!closing) return { ended: [], effects: [] };
    const cutoff = lastClosingBefore(now, closing).toISOString();
    const open = await tx.visits.openSince(cutoff);
    const effects: AfterCommit[] = [];
    for (const v of open) {
      effects.push(
        ...(await this.apply(
          tx,
          v.id,
          { type: 'close_day', reason: `open at closing time ${closing.time}` },
          SYSTEM_ACTOR,
          now.toISOString(),
        )),
      );
    }
    return { ended: open.map((v) => v.id), effects };
  }

  /** After a restart: return or revoke the badges of visits that ended just before a crash. */
  async recover(): Promise<number> {
    const pending = await this.deps.store.read((tx) => tx.visits.endedWithUsableCard());
    const effects: AfterCommit[] = [];
    for (const v of pending) {
      effects.push({
        visitId: v.id,
        effect: v.badgeReturned ? 'returnBadge' : 'revokeUnreturnedBadge',
      });
    }
    await this.runAfterCommit(effects);
    return effects.length;
  }

  /** The visitor's photo, for the on-site list; null when there is none (or it was deleted). */
  async photo(visitId: string): Promise<{ mimeType: string; data: Uint8Array } | null> {
    return this.deps.store.read(async (tx) => {
      const v = await tx.visits.get(visitId);
      if (!v) throw new NotFoundError('visit', visitId);
      const p = v.personId ? await tx.persons.get(v.personId) : null;
      return p?.photo ?? null;
    });
  }

  /** The language a host's notifications are written in. */
  async setHostLanguage(actor: Actor, personId: string, language: string): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      const p = await tx.persons.get(personId);
      if (!p) throw new NotFoundError('person', personId);
      if (p.kind !== 'employee') throw new InvalidInputError('only an employee hosts visitors');
      await tx.visits.setHostLanguage(personId, language);
      const at = this.deps.clock.now().toISOString();
      await tx.audit.append(
        {
          actor: actorLabel(actor),
          action: 'person.language_set',
          objectType: 'person',
          objectId: personId,
          details: { language },
        },
        at,
      );
    });
  }

  onSite(): Promise<VisitView[]> {
    return this.deps.store.read((tx) => tx.visits.onSite(this.deps.clock.now().toISOString()));
  }

  list(q: VisitQuery): Promise<VisitView[]> {
    return this.deps.store.read((tx) => tx.visits.list(q));
  }

  unreturnedBadges(q: Page): Promise<VisitView[]> {
    return this.deps.store.read((tx) => tx.visits.unreturnedBadges(q));
  }

  async view(id: string): Promise<VisitView> {
    const v = await this.deps.store.read((tx) => tx.visits.view(id));
    if (!v) throw new NotFoundError('visit', id);
    return v;
  }

  async details(id: string): Promise<{ visit: VisitView; transitions: VisitTransitionRecord[] }> {
    return this.deps.store.read(async (tx) => {
      const visit = await tx.visits.view(id);
      if (!visit) throw new NotFoundError('visit', id);
      return { visit, transitions: await tx.visits.transitions(id) };
    });
  }

  /** The one transition path: table, state, history, audit, outbox, in-transaction effects. */
  async apply(
    tx: StoreTx,
    visitId: string,
    event: VisitEvent,
    actor: Actor,
    at: string,
  ): Promise<AfterCommit[]> {
    const visit = await tx.visits.get(visitId);
    if (!visit) throw new NotFoundError('visit', visitId);
    const outcome = transitionIn(VISIT_MACHINE, visit.state, event.type, actor, { event, actor });
    const reason = event.reason?.trim() || null;
    const stamps: Partial<
      Pick<VisitRecord, 'arrivedAt' | 'onSiteAt' | 'endedAt' | 'badgeReturned'>
    > = {};
    if (outcome.next === 'arrived') stamps.arrivedAt = at;
    if (outcome.next === 'on_site') stamps.onSiteAt = at;
    if (VISIT_MACHINE.final.includes(outcome.next)) stamps.endedAt = at;
    if (outcome.effects.includes('returnBadge')) stamps.badgeReturned = true;
    if (outcome.effects.includes('revokeUnreturnedBadge')) stamps.badgeReturned = false;
    const changed = await tx.visits.updateState(visit.id, visit.state, outcome.next, {
      stateReason: reason,
      ...stamps,
      updatedAt: at,
    });
    if (!changed) throw new ConflictError(`visit ${visit.id} changed meanwhile; try again`);
    const updated: VisitRecord = {
      ...visit,
      ...stamps,
      state: outcome.next,
      stateReason: reason,
      updatedAt: at,
    };
    await this.record(tx, updated, visit.state, event.type, actor, reason, at, {
      ...(event.badgeReturned !== undefined ? { badgeReturned: event.badgeReturned } : {}),
    });
    const after: AfterCommit[] = [];
    for (const effect of outcome.effects) {
      if (effect === 'queueHostArrived')
        await this.deps.notifications.queueForHost(tx, 'visitor_arrived', updated, {}, at);
      else if (effect === 'queueHostLeft') {
        if (this.deps.policy.notifyHostOnLeave)
          await this.deps.notifications.queueForHost(tx, 'visitor_left', updated, {}, at);
      } else after.push({ effect, visitId: visit.id });
    }
    return after;
  }

  private async record(
    tx: StoreTx,
    visit: VisitRecord,
    from: VisitState | null,
    event: VisitTransitionRecord['event'],
    actor: Actor,
    reason: string | null,
    at: string,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    const label = actorLabel(actor);
    await tx.visits.addTransition({
      visitId: visit.id,
      fromState: from,
      toState: visit.state,
      event,
      actor: label,
      reason,
      at,
    });
    const facts = {
      visitId: visit.id,
      requestId: visit.requestId,
      invitationId: visit.invitationId,
      hostPersonId: visit.hostPersonId,
      from,
      to: visit.state,
      event,
      ...(reason ? { reason } : {}),
      ...details,
    };
    await tx.audit.append(
      {
        actor: label,
        action: `visit.${event}`,
        objectType: 'visit',
        objectId: visit.id,
        details: facts,
      },
      at,
    );
    // The centre keeps the visit in the visitor's history (an expected visitor has none yet).
    if (visit.personId)
      await tx.outbox.add(
        {
          aggregateType: 'person',
          aggregateId: visit.personId,
          type: 'visit.state_changed',
          payload: { personId: visit.personId, actor: label, at, ...facts },
        },
        at,
      );
  }

  async runAfterCommit(effects: readonly AfterCommit[]): Promise<void> {
    if (effects.length > 0) this.deps.events?.emit('device.changed');
    this.deps.notifications.nudge();
    for (const { effect, visitId } of effects) {
      try {
        const cardId = await this.deps.store.read(async (tx) => {
          const v = await tx.visits.get(visitId);
          return v?.requestId ? ((await tx.cards.getByRequest(v.requestId))?.id ?? null) : null;
        });
        if (!cardId) continue;
        const card = await this.deps.cards.get(cardId);
        if (!['produced', 'collected', 'active', 'suspended'].includes(card.status)) continue;
        await this.deps.cards.revoke(
          SYSTEM_ACTOR,
          cardId,
          effect === 'returnBadge' ? 'returned' : 'lost',
          effect === 'returnBadge'
            ? `visit ${visitId} ended, badge returned`
            : `visit ${visitId} ended without the badge`,
        );
      } catch (err) {
        this.deps.log.error(
          { err, visitId, effect },
          'badge effect failed; it is retried at the next start',
        );
      }
    }
  }
}
