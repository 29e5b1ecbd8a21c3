/**
 * The one way a card's life changes after production: load the card (with its hold and
 * links), ask the pure lifecycle transition function, then in one transaction save the new
 * status, the lifecycle history, the hold, a hash-chained audit event and an outbox event
 * (plus a linked new request for replace, renew or a temporary card). Certificate effects
 * follow the fail-closed rule of revocation: a hold or a revocation is made at the CA before
 * the change is saved (if the save then fails, a retry finds it done); a release is made
 * after the save, and start-up (`recover`) reconciles the CA with the saved statuses and ends
 * the holds of temporary cards that ended while the device was going down.
 *
 * Chip work (PIN unblock and change, renewal on the same chip) runs before the save through
 * a callback, so the record says what the chip did; see card-chip-service.ts.
 */
import { localDate } from '../core/scheduler/due-rule.js';
import { ConflictError, DomainError, NotFoundError } from '../core/errors.js';
import type { CardEvent, CardSnapshot, HoldKind } from '../core/card/card-guards.js';
import {
  cardEventsFor,
  type CardEventType,
  CARD_LIFECYCLE_STATES,
  type CardEffectName,
  type CardLifecycleState,
  type CardRevokeReason,
} from '../core/card/card-lifecycle.js';
import type {
  CardHoldRecord,
  CardLinkKind,
  CardTransitionRecord,
} from '../core/card/card-lifecycle-store.js';
import { transitionCard, type CardTransitionOutcome } from '../core/card/card-transition.js';
import type { Clock } from '../core/ports.js';
import type { CardRecord, RequestRecord } from '../core/records.js';
import { actorLabel, actorRoles, SYSTEM_ACTOR, type Actor } from '../core/roles.js';
import type { Store, StoreTx } from '../core/store-ports.js';
import type { CardType } from '../core/workflow/processes.js';
import { REVOCATION_PRIORITY, type PublicCard } from './card-service.js';
import type { DomainEvents } from './domain-events.js';
import type { CertificateRevocation, Logger, RevocationReason } from './ports.js';
import { withoutSecrets } from './request-service.js';
import type { DurableScheduler } from './scheduler/durable-scheduler.js';
import { newId, recordTransition, type WorkflowEngine } from './workflow-engine.js';

export interface LifecyclePolicy {
  /** IANA zone of the site: a card valid until D expires when D has passed there. */
  timeZone: string;
  /** Staff see (and may renew) cards expiring within this many days. */
  renewalWindowDays: number;
  /** Per card type: renew a Digital ID on its chip, or by a new card. */
  renewal: Record<CardType, 'same-chip' | 'new-card'>;
  /** The process a temporary card for a forgotten badge runs (a Physical ID, valid today). */
  temporaryCardProcess: string;
  /** How often the expiry job looks for cards past their validity. */
  expiryCheckMs: number;
}

export const DEFAULT_LIFECYCLE_POLICY: LifecyclePolicy = {
  timeZone: 'UTC',
  renewalWindowDays: 30,
  // Same-chip renewal needs the holder at the encoder with their PIN (card-renewal-service.ts);
  // a site opts in per card type.
  renewal: { employee: 'new-card', contractor: 'new-card', visitor: 'new-card' },
  temporaryCardProcess: 'CCProcEmployeeCardWithoutApproval',
  expiryCheckMs: 5 * 60_000,
};

/** RFC 5280 reason for each way a card's certificate ends. */
const REVOKE_CRL_REASON: Record<CardRevokeReason, RevocationReason> = {
  lost: 'keyCompromise',
  stolen: 'keyCompromise',
  compromised: 'keyCompromise',
  damaged: 'superseded',
};

const IN_USE: readonly CardLifecycleState[] = ['collected', 'active', 'suspended'];
const EXPIRY_BATCH = 200;
export const CARD_EXPIRY_JOB = 'card-expiry';

export interface CardLinkView {
  kind: CardLinkKind;
  direction: 'replaced-by' | 'replaces';
  requestId: string;
  cardId: string | null;
  cardNumber: string | null;
  reason: string | null;
  at: string;
}

export interface CardLifecycleDetails {
  card: PublicCard;
  personId: string;
  holderName: string;
  processName: string;
  hold: CardHoldRecord | null;
  history: CardTransitionRecord[];
  links: CardLinkView[];
  /** What the asking actor's roles may send this card now, before guards (cardEventsFor). */
  actions: CardEventType[];
  /** How this card renews (Digital ID and the card type's profile). */
  renewal: 'same-chip' | 'new-card';
}

export interface ApplyCardOptions {
  /**
   * Chip work done before the save (PIN operations, renewal on the chip); what it returns is
   * recorded (never a secret) and may change the card (a new certificate).
   */
  chip?: (card: CardRecord) => Promise<{
    facts: Record<string, unknown>;
    changes?: Partial<Pick<CardRecord, 'certificateDer' | 'certificateSerial' | 'validUntil'>>;
    /** A certificate the change supersedes: revoked (superseded) once it is saved. */
    supersededSerial?: string | null;
  }>;
  /** Extra non-secret facts for audit and outbox. */
  details?: Record<string, unknown>;
  /** More to save in the same transaction (a renewal marks itself recorded). */
  inTransaction?: (tx: StoreTx, card: CardRecord) => Promise<void>;
}

export interface ApplyCardResult {
  card: PublicCard;
  outcome: CardTransitionOutcome;
  /** The request made for a new card (replace, renew by a new card, temporary card). */
  newRequestId: string | null;
}

export class CardLifecycleService {
  constructor(
    private readonly deps: {
      store: Store;
      engine: WorkflowEngine;
      clock: Clock;
      ca: CertificateRevocation | null;
      events: DomainEvents;
      log: Logger;
      policy: LifecyclePolicy;
    },
  ) {}

  /** Days the guards compare with: today at the site and the renewal window's last day. */
  days(): { today: string; renewalWindowEnd: string } {
    const now = this.deps.clock.now();
    const today = localDate(now, this.deps.policy.timeZone);
    const end = new Date(`${today}T00:00:00.000Z`);
    end.setUTCDate(end.getUTCDate() + this.deps.policy.renewalWindowDays);
    return { today, renewalWindowEnd: end.toISOString().slice(0, 10) };
  }

  async apply(
    cardId: string,
    event: CardEvent,
    actor: Actor,
    options: ApplyCardOptions = {},
  ): Promise<ApplyCardResult> {
    const { store, ca } = this.deps;
    // Decide first on committed data, so the CA and the chip are touched only for an
    // allowed change; decided again inside the transaction that saves it.
    const first = await store.read((tx) => this.decide(tx, cardId, event, actor));
    const card = first.card;
    const at = this.deps.clock.now();
    const serial = card.certificateSerial;
    const effects = first.outcome.effects;
    const chip = options.chip ? await options.chip(card) : null;
    if (serial && (effects.includes('holdCertificate') || effects.includes('revokeCertificate'))) {
      if (!ca)
        throw new DomainError(
          'SERVICE_UNAVAILABLE',
          'no certificate authority is configured to change this card’s certificate',
        );
      if (effects.includes('revokeCertificate')) await ca.revoke(serial, crlReasonFor(event), at);
      else await ca.hold(serial, at);
    }
    const result = await store.transaction(async (tx) => {
      const { card: current, outcome } = await this.decide(tx, cardId, event, actor);
      if (current.status !== card.status)
        throw new ConflictError(`card ${card.cardNumber} changed meanwhile; try again`);
      const iso = at.toISOString();
      const label = actorLabel(actor);
      const reason = event.reason?.trim() || event.revokeReason || null;
      await tx.cards.update(cardId, {
        status: outcome.next,
        updatedAt: iso,
        ...(chip?.changes ?? {}),
        ...(outcome.effects.includes('revokeCertificate')
          ? {
              revocationReason:
                event.revokeReason ?? (event.type === 'return' ? 'returned' : event.type),
              pinSealed: null,
            }
          : {}),
      });
      await this.saveHold(tx, current, outcome, event, actor, iso);
      await options.inTransaction?.(tx, current);
      const newRequestId = await this.linkedRequest(
        tx,
        current,
        outcome.effects,
        event,
        actor,
        iso,
      );
      await tx.cardLifecycle.addTransition({
        cardId,
        fromStatus: outcome.from,
        toStatus: outcome.next,
        event: event.type,
        actor: label,
        reason,
        at: iso,
      });
      const hold = await tx.cardLifecycle.hold(cardId);
      const facts = {
        event: event.type,
        from: outcome.from,
        ...(reason ? { reason } : {}),
        ...(event.revokeReason ? { revokeReason: event.revokeReason } : {}),
        certificateSerial: current.certificateSerial,
        ...(outcome.effects.includes('revokeCertificate') && current.certificateSerial
          ? { crlReason: crlReasonFor(event) }
          : {}),
        ...(outcome.effects.includes('holdCertificate') && current.certificateSerial
          ? { crlReason: 'certificateHold' }
          : {}),
        ...(outcome.effects.includes('releaseHold') && current.certificateSerial
          ? { crlReason: 'removeFromCRL' }
          : {}),
        ...(newRequestId ? { newRequestId } : {}),
        ...(chip?.facts ?? {}),
        ...(options.details ?? {}),
      };
      await tx.audit.append(
        {
          actor: label,
          action: `card.${event.type}`,
          objectType: 'card',
          objectId: cardId,
          details: { cardNumber: current.cardNumber, to: outcome.next, ...facts },
        },
        iso,
      );
      const updated = (await tx.cards.get(cardId)) as CardRecord;
      await tx.outbox.add(
        {
          aggregateType: 'card',
          aggregateId: cardId,
          type: 'card.status_changed',
          payload: {
            cardId,
            cardNumber: current.cardNumber,
            requestId: current.requestId,
            status: outcome.next,
            at: iso,
            ...facts,
            hold: hold
              ? { active: true, kind: hold.kind, reason: hold.reason, since: hold.since }
              : { active: false },
            links: await this.linkFacts(tx, updated),
            ...(chip?.changes?.certificateDer
              ? { certificateDer: Buffer.from(chip.changes.certificateDer).toString('base64') }
              : {}),
            ...(chip?.changes?.certificateSerial
              ? { newCertificateSerial: chip.changes.certificateSerial }
              : {}),
          },
          // Anything that stops a card working travels first, like a revocation.
          ...(outcome.effects.some((e) => e === 'revokeCertificate' || e === 'holdCertificate')
            ? { priority: REVOCATION_PRIORITY }
            : {}),
        },
        iso,
      );
      return { card: updated, outcome, newRequestId };
    });
    await this.afterCommit(card, result.outcome.effects, result.newRequestId, actor, {
      supersededSerial: chip?.supersededSerial ?? null,
      at,
    });
    return {
      card: withoutSecrets(result.card),
      outcome: result.outcome,
      newRequestId: result.newRequestId,
    };
  }

  /**
   * Renew a card in its renewal window, as its card type's profile says: by a new card for
   * the same person through the same process (linked both ways; the old card stays valid
   * until it expires), or on the same chip.
   */
  async renew(
    cardId: string,
    actor: Actor,
    onChip?: Pick<ApplyCardOptions, 'chip' | 'inTransaction'>,
  ): Promise<ApplyCardResult> {
    return this.apply(cardId, { type: 'renew' }, actor, {
      ...onChip,
      chip: async (card) => {
        if (!this.renewsOnChip(card)) return { facts: {} };
        if (!onChip?.chip)
          throw new DomainError(
            'SERVICE_UNAVAILABLE',
            'renewal on the same chip needs the encoder and the certificate authority',
          );
        return onChip.chip(card);
      },
    });
  }

  /** Whether this card's renewal is the same-chip kind (Digital ID, profile `same-chip`). */
  renewsOnChip(card: Pick<CardRecord, 'idType' | 'cardType'>): boolean {
    return card.idType === 'digital' && this.deps.policy.renewal[card.cardType] === 'same-chip';
  }

  /** The card, hold, history and links, for the console's card view. */
  async details(cardId: string, asking?: Actor): Promise<CardLifecycleDetails> {
    return this.deps.store.read(async (tx) => {
      const card = await tx.cards.get(cardId);
      if (!card) throw new NotFoundError('card', cardId);
      const request = (await tx.requests.get(card.requestId)) as RequestRecord;
      const person = await tx.persons.get(request.personId);
      return {
        card: withoutSecrets(card),
        personId: request.personId,
        holderName: person?.name ?? '',
        processName: request.processName,
        hold: await tx.cardLifecycle.hold(cardId),
        history: await tx.cardLifecycle.transitions(cardId),
        links: await this.linkViews(tx, card),
        actions: asking ? cardEventsFor(card.status, actorRoles(asking)) : [],
        renewal: this.renewsOnChip(card) ? 'same-chip' : 'new-card',
      };
    });
  }

  /** Cards in use that expire within the renewal window (or `days` days), soonest first. */
  async expiring(days?: number): Promise<(PublicCard & { holderName: string })[]> {
    const { today, renewalWindowEnd } = this.days();
    let until = renewalWindowEnd;
    if (days !== undefined) {
      const end = new Date(`${today}T00:00:00.000Z`);
      end.setUTCDate(end.getUTCDate() + days);
      until = end.toISOString().slice(0, 10);
    }
    return this.deps.store.read(async (tx) => {
      const cards = await tx.cardLifecycle.expiringBetween(today, until, 500);
      const out = [];
      for (const c of cards) {
        const request = await tx.requests.get(c.requestId);
        const person = request ? await tx.persons.get(request.personId) : null;
        out.push({ ...withoutSecrets(c), holderName: person?.name ?? '' });
      }
      return out;
    });
  }

  /**
   * The expiry job: every card past its last valid day becomes `expired` (its own transition,
   * audit and outbox event), in the scheduler's transaction; a temporary card that expires
   * gives its holder their own card back once that is saved.
   */
  registerJobs(scheduler: DurableScheduler): void {
    scheduler.register({
      name: CARD_EXPIRY_JOB,
      due: { kind: 'interval', everyMs: this.deps.policy.expiryCheckMs },
      run: async (tx, window) => {
        const today = localDate(window.now, this.deps.policy.timeZone);
        const days = { today, renewalWindowEnd: today };
        const iso = window.now.toISOString();
        const ended: string[] = [];
        let expired = 0;
        for (;;) {
          const due = await tx.cardLifecycle.pastValidity(today, EXPIRY_BATCH);
          if (due.length === 0) break;
          for (const card of due) {
            const snapshot = await this.snapshot(tx, card);
            const outcome = transitionCard(snapshot, { type: 'expire' }, SYSTEM_ACTOR, days);
            await tx.cards.update(card.id, { status: outcome.next, updatedAt: iso });
            await tx.cardLifecycle.addTransition({
              cardId: card.id,
              fromStatus: outcome.from,
              toStatus: outcome.next,
              event: 'expire',
              actor: 'system',
              reason: `valid until ${card.validUntil}`,
              at: iso,
            });
            const facts = { event: 'expire', from: outcome.from, validUntil: card.validUntil };
            await tx.audit.append(
              {
                actor: 'system',
                action: 'card.expire',
                objectType: 'card',
                objectId: card.id,
                details: { cardNumber: card.cardNumber, to: 'expired', ...facts },
              },
              iso,
            );
            await tx.outbox.add(
              {
                aggregateType: 'card',
                aggregateId: card.id,
                type: 'card.status_changed',
                payload: {
                  cardId: card.id,
                  cardNumber: card.cardNumber,
                  requestId: card.requestId,
                  status: 'expired',
                  at: iso,
                  ...facts,
                },
              },
              iso,
            );
            if (outcome.effects.includes('resumeOwnCard') && snapshot.temporaryForCardId)
              ended.push(snapshot.temporaryForCardId);
            expired++;
          }
        }
        return {
          summary: { expired, ownCardsToResume: ended.length },
          afterCommit: async () => {
            for (const own of ended) await this.resumeOwnCard(own);
            if (expired > 0) this.deps.events.emit('device.changed');
          },
        };
      },
    });
  }

  /**
   * At start: make the CA agree with the saved statuses (a crash between a save and its
   * certificate effect), and give back the own cards of temporary cards that ended.
   */
  async recover(): Promise<{ certificates: number; resumed: number }> {
    const { store, ca } = this.deps;
    let certificates = 0;
    if (ca) {
      const withCert = await store.read(async (tx) => {
        const out: CardRecord[] = [];
        for (const status of ['suspended', 'active'] as const)
          out.push(...(await tx.cards.list({ status, limit: 10_000, offset: 0 })));
        return out.filter((c) => c.certificateSerial);
      });
      const at = this.deps.clock.now();
      for (const c of withCert) {
        if (c.status === 'suspended') await ca.hold(c.certificateSerial as string, at);
        else await ca.releaseHold(c.certificateSerial as string, at);
        certificates++;
      }
    }
    let resumed = 0;
    const holds = await store.read((tx) => tx.cardLifecycle.heldFor('temporary_card'));
    for (const h of holds) {
      const temporaryEnded = await store.read(async (tx) => {
        for (const link of await tx.cardLifecycle.linksFrom(h.cardId)) {
          if (link.kind !== 'temporary') continue;
          const request = await tx.requests.get(link.requestId);
          const temp = await tx.cards.getByRequest(link.requestId);
          const open = temp
            ? !['returned', 'expired', 'revoked', 'cancelled'].includes(temp.status)
            : request !== null && !['rejected', 'cancelled'].includes(request.state);
          if (open) return false;
        }
        return true;
      });
      if (temporaryEnded) {
        await this.resumeOwnCard(h.cardId);
        resumed++;
      }
    }
    return { certificates, resumed };
  }

  private async resumeOwnCard(cardId: string): Promise<void> {
    try {
      await this.apply(cardId, { type: 'temporary_ended' }, SYSTEM_ACTOR);
    } catch (err) {
      // Already resumed, revoked or expired meanwhile: nothing to give back.
      if (!(err instanceof DomainError)) throw err;
      this.deps.log.info({ cardId, code: err.code }, 'own card not resumed');
    }
  }

  private async decide(
    tx: StoreTx,
    cardId: string,
    event: CardEvent,
    actor: Actor,
  ): Promise<{ card: CardRecord; outcome: CardTransitionOutcome }> {
    const card = await tx.cards.get(cardId);
    if (!card) throw new NotFoundError('card', cardId);
    const outcome = transitionCard(await this.snapshot(tx, card), event, actor, this.days());
    return { card, outcome };
  }

  private async snapshot(tx: StoreTx, card: CardRecord): Promise<CardSnapshot> {
    if (!(CARD_LIFECYCLE_STATES as readonly string[]).includes(card.status))
      throw new ConflictError(`card ${card.cardNumber} has an unknown status ${card.status}`);
    const hold = await tx.cardLifecycle.hold(card.id);
    const link = await tx.cardLifecycle.linkToRequest(card.requestId);
    return {
      id: card.id,
      status: card.status,
      cardType: card.cardType,
      idType: card.idType,
      validUntil: card.validUntil,
      temporaryForCardId: link?.kind === 'temporary' ? link.cardId : null,
      hold: hold ? { kind: hold.kind, byUserId: hold.byUserId } : null,
      renewal: this.deps.policy.renewal[card.cardType],
    };
  }

  private async saveHold(
    tx: StoreTx,
    card: CardRecord,
    outcome: CardTransitionOutcome,
    event: CardEvent,
    actor: Actor,
    at: string,
  ): Promise<void> {
    if (outcome.next !== 'suspended') {
      if (outcome.from === 'suspended') await tx.cardLifecycle.clearHold(card.id);
      return;
    }
    if (outcome.from === 'suspended') return;
    const kind: HoldKind =
      event.type === 'forgotten_badge'
        ? 'temporary_card'
        : actor.kind === 'central'
          ? 'central'
          : 'staff';
    await tx.cardLifecycle.setHold({
      cardId: card.id,
      kind,
      byUserId: actor.kind === 'staff' ? actor.userId : null,
      by: actorLabel(actor),
      reason: event.reason?.trim() || (kind === 'temporary_card' ? 'forgotten badge' : null),
      since: at,
    });
  }

  /** Replace, renew by a new card, temporary card: a new request for the same person, linked. */
  private async linkedRequest(
    tx: StoreTx,
    card: CardRecord,
    effects: readonly CardEffectName[],
    event: CardEvent,
    actor: Actor,
    at: string,
  ): Promise<string | null> {
    const kind: CardLinkKind | null = effects.includes('requestReplacement')
      ? 'replacement'
      : effects.includes('requestRenewalCard')
        ? 'renewal'
        : effects.includes('requestTemporaryCard')
          ? 'temporary'
          : null;
    if (!kind) return null;
    const old = (await tx.requests.get(card.requestId)) as RequestRecord;
    const processName =
      kind === 'temporary' ? this.deps.policy.temporaryCardProcess : old.processName;
    const process = this.deps.engine.process(processName);
    if (!this.deps.engine.catalog.isEnabled(process.name))
      throw new DomainError(
        'PROCESS_NOT_ENABLED',
        `process ${process.name} is not enabled on this device`,
      );
    const id = newId();
    // The holder asks for a temporary card; a replacement or renewal is "Produce card" by staff.
    const requester: Actor = kind === 'temporary' ? { kind: 'self_service', requestId: id } : actor;
    const request: RequestRecord = {
      id,
      processName: process.name,
      personId: old.personId,
      channel: requester.kind === 'self_service' ? 'self-service' : process.channel,
      state: 'requested',
      stateReason: null,
      requestedByUserId: requester.kind === 'staff' ? requester.userId : null,
      requestedBy: actorLabel(requester),
      statusCodeHash: null,
      batchId: null,
      purpose: `${kind} of card ${card.cardNumber}`,
      createdAt: at,
      updatedAt: at,
    };
    await tx.requests.insert(request);
    await tx.cardLifecycle.addLink({
      cardId: card.id,
      requestId: id,
      kind,
      reason: event.reason?.trim() || event.revokeReason || null,
      createdAt: at,
    });
    await recordTransition(tx, request, null, 'create', requester, null, at, {
      personId: old.personId,
      cardType: process.cardType,
      idType: process.idType,
      follows: { cardId: card.id, cardNumber: card.cardNumber, kind },
    });
    return id;
  }

  private async afterCommit(
    card: CardRecord,
    effects: readonly CardEffectName[],
    newRequestId: string | null,
    actor: Actor,
    extra: { supersededSerial: string | null; at: Date },
  ): Promise<void> {
    const { ca, log } = this.deps;
    try {
      if (effects.includes('releaseHold') && card.certificateSerial && ca)
        await ca.releaseHold(card.certificateSerial, extra.at);
      if (extra.supersededSerial && ca)
        await ca.revoke(extra.supersededSerial, 'superseded', extra.at);
    } catch (err) {
      log.error(
        { err, cardId: card.id },
        'certificate effect failed; it is redone at the next start',
      );
    }
    if (newRequestId) {
      const requester: Actor = effects.includes('requestTemporaryCard')
        ? { kind: 'self_service', requestId: newRequestId }
        : actor;
      try {
        await this.deps.engine.apply(newRequestId, { type: 'submit' }, requester);
      } catch (err) {
        log.error({ err, requestId: newRequestId }, 'the linked request could not be submitted');
      }
    }
    if (effects.includes('resumeOwnCard')) {
      const link = await this.deps.store.read((tx) =>
        tx.cardLifecycle.linkToRequest(card.requestId),
      );
      if (link?.kind === 'temporary') await this.resumeOwnCard(link.cardId);
    }
    this.deps.events.emit('device.changed');
  }

  private async linkViews(tx: StoreTx, card: CardRecord): Promise<CardLinkView[]> {
    const views: CardLinkView[] = [];
    for (const l of await tx.cardLifecycle.linksFrom(card.id)) {
      const next = await tx.cards.getByRequest(l.requestId);
      views.push({
        kind: l.kind,
        direction: 'replaced-by',
        requestId: l.requestId,
        cardId: next?.id ?? null,
        cardNumber: next?.cardNumber ?? null,
        reason: l.reason,
        at: l.createdAt,
      });
    }
    const back = await tx.cardLifecycle.linkToRequest(card.requestId);
    if (back) {
      const prev = await tx.cards.get(back.cardId);
      views.push({
        kind: back.kind,
        direction: 'replaces',
        requestId: prev?.requestId ?? '',
        cardId: back.cardId,
        cardNumber: prev?.cardNumber ?? null,
        reason: back.reason,
        at: back.createdAt,
      });
    }
    return views;
  }

  private async linkFacts(tx: StoreTx, card: CardRecord): Promise<Record<string, unknown>[]> {
    return (await this.linkViews(tx, card)).map((l) => ({
      kind: l.kind,
      direction: l.direction,
      cardId: l.cardId,
      requestId: l.requestId,
    }));
  }

  /** Whether a card status is one a holder still carries. */
  static inUse(status: string): boolean {
    return (IN_USE as readonly string[]).includes(status);
  }
}

function crlReasonFor(event: CardEvent): RevocationReason {
  if (event.type === 'return') return 'cessationOfOperation';
  return event.revokeReason ? REVOKE_CRL_REASON[event.revokeReason] : 'unspecified';
}
