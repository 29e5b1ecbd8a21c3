/**
 * The card request use cases of the seed workflow: a walk-up asks for a card, a registration
 * officer produces one for a person, an approver decides, staff choose single or mass
 * production, retry or cancel, and security staff hand the card over. Each use case is one
 * or more WorkflowEngine transitions; this module adds the records around them.
 */
import {
  ConflictError,
  DomainError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
} from '../core/errors.js';
import type { Clock, RandomSource } from '../core/ports.js';
import type {
  CardRecord,
  PersonRecord,
  Photo,
  ProductionAttemptRecord,
  RequestRecord,
  TransitionRecord,
} from '../core/records.js';
import { actorLabel, SYSTEM_ACTOR, type Actor } from '../core/roles.js';
import type { SecretSealer } from '../core/secret-sealer.js';
import type { RequestQuery, Store, StoreTx } from '../core/store-ports.js';
import type { CardType, ProcessDefinition } from '../core/workflow/processes.js';
import type { RequestState } from '../core/workflow/request-machine.js';
import {
  generateCardObject,
  pinContext,
  recordCardStatus,
  type CardObjectDeps,
} from './card-object-factory.js';
import type { CardArtworkRenderer, DeviceReadiness, Logger } from './ports.js';
import { checkHost, newPersonRecord, recordPersonCreated } from './person-service.js';
import { cardLayoutInput, type SiteBranding } from './card-layout-input.js';
import { newStatusCode, normalizeStatusCode, statusCodeHash } from './status-code.js';
import { newId, recordTransition, type WorkflowEngine } from './workflow-engine.js';
import { deferUntilAnswerStored, noteIdempotentResource } from './idempotent-write.js';

export interface WalkUpInput {
  kind: CardType;
  name: string;
  company?: string;
  email?: string;
  hostPersonId?: string;
  purpose?: string;
  validUntil?: string;
  photo?: Photo;
  /** The terms the walk-up accepted: the text's SHA-256 and its language. */
  terms?: { textSha256?: string; language?: string };
  /** Set by an invitation: its process instead of the kiosk's walk-up process. */
  processName?: string;
  /** The invitation being redeemed. */
  invitationId?: string;
}

/**
 * Writes that go with a walk-up's request in its first transaction (the visit, the terms,
 * the barred persons check). `hold: true` keeps a request of a process without approval in
 * `requested` for staff instead of submitting it.
 */
export type WalkUpHook = (
  tx: StoreTx,
  ctx: { person: PersonRecord; requestId: string; input: WalkUpInput; at: string },
) => Promise<{ hold: boolean }>;

export interface WalkUpPolicy {
  /** Which process a walk-up request of each kind runs; absent = not offered at this kiosk. */
  processForKind: Partial<Record<CardType, string>>;
}

export interface RequestDetails {
  request: RequestRecord;
  person: PersonRecord;
  process: ProcessDefinition;
  card: Omit<CardRecord, 'pinSealed' | 'pukSealed'> | null;
  /** The employee a visitor comes to see, for the approver; null without one. */
  host: { id: string; name: string } | null;
  transitions: TransitionRecord[];
  attempts: ProductionAttemptRecord[];
}

export interface WalkUpStatus {
  state: RequestState;
  processLabel: string;
  reason: string | null;
  holderName: string;
  updatedAt: string;
}

export class RequestService {
  constructor(
    private readonly store: Store,
    private readonly engine: WorkflowEngine,
    private readonly deps: CardObjectDeps & {
      walkUp: WalkUpPolicy;
      /** Asked before a walk-up request is taken: the kiosk must be able to serve it. */
      readiness: () => Promise<DeviceReadiness>;
      renderer: CardArtworkRenderer;
      siteName: string;
      siteBranding?: SiteBranding;
      sealer: SecretSealer;
      random: RandomSource;
      clock: Clock;
    },
    private readonly log: Logger,
    private readonly walkUpHooks: WalkUpHook[] = [],
  ) {
    engine.onEffect('generateCardObject', async (id) => {
      await this.generateCard(id);
    });
  }

  /** Seed step 1 at the kiosk: a walk-up asks for a card without signing in. */
  async submitWalkUp(input: WalkUpInput): Promise<{ request: RequestRecord; statusCode: string }> {
    const processName = input.processName ?? this.deps.walkUp.processForKind[input.kind];
    if (!processName || !this.engine.catalog.isEnabled(processName)) {
      throw new InvalidInputError(
        `this kiosk does not take walk-up requests for ${input.kind} cards`,
      );
    }
    const process = this.engine.process(processName);
    const readiness = await this.deps.readiness();
    if (!readiness.ready) {
      throw new DomainError(
        'SERVICE_UNAVAILABLE',
        `the kiosk cannot make cards right now: ${readiness.reason}; please ask at the desk`,
      );
    }
    if (input.kind === 'contractor' && !input.validUntil) {
      throw new InvalidInputError('a contractor card needs an end date (validUntil)');
    }
    const statusCode = newStatusCode(this.deps.random);
    const requestId = newId();
    const actor: Actor = { kind: 'self_service', requestId };
    // Created and submitted in one transaction: a crash leaves either nothing or a submitted
    // request, never one stranded in `requested`. A walk-up held for staff (it matched the
    // barred persons list under a process without approval) stays in `requested` on purpose.
    const submitted = await this.store.transaction(async (tx) => {
      await checkHost(tx, input.hostPersonId ?? null);
      const person = newPersonRecord(input, this.deps.clock.now().toISOString());
      await tx.persons.insert(person);
      // The walk-up becomes a person the central Identity Manager must learn too.
      await recordPersonCreated(tx, person, actor, person.createdAt);
      await this.insertRequest(tx, requestId, process, person, actor, {
        purpose: input.purpose ?? null,
        statusCodeHash: statusCodeHash(normalizeStatusCode(statusCode) as string),
      });
      noteIdempotentResource(requestId);
      let held = false;
      for (const hook of this.walkUpHooks) {
        const r = await hook(tx, { person, requestId, input, at: person.createdAt });
        held ||= r.hold;
      }
      // Staff submit a held request (POST /api/visits/held/:requestId/release) or cancel it.
      if (held && !process.approval) return null;
      return this.engine.applyIn(tx, requestId, { type: 'submit' }, actor);
    });
    if (submitted) await this.engine.afterCommit(submitted.request, submitted.outcome.effects);
    return { request: await this.current(requestId), statusCode };
  }

  /**
   * The answer to a walk-up whose first answer a crash lost before it was sent: nobody has
   * seen its status code, so it gets a new one (only the hash is kept, the old code cannot be
   * shown again). Null when the request is not a walk-up's.
   */
  async reissueWalkUpStatusCode(
    requestId: string,
  ): Promise<{ request: RequestRecord; statusCode: string } | null> {
    const statusCode = newStatusCode(this.deps.random);
    const request = await this.store.transaction(async (tx) => {
      const request = await tx.requests.get(requestId);
      if (!request || request.statusCodeHash === null) return null;
      const at = this.deps.clock.now().toISOString();
      const hash = statusCodeHash(normalizeStatusCode(statusCode) as string);
      await tx.requests.setStatusCodeHash(requestId, hash, at);
      await tx.audit.append(
        {
          actor: 'system',
          action: 'request.status_code_reissued',
          objectType: 'request',
          objectId: requestId,
          details: { reason: 'the first answer was lost in a restart before it was sent' },
        },
        at,
      );
      return { ...request, statusCodeHash: hash, updatedAt: at };
    });
    return request ? { request, statusCode } : null;
  }

  /** Seed step 2: a registration officer starts "Produce card" for a person under a process. */
  async produceCard(
    actor: Actor,
    input: { personId: string; processName: string; purpose?: string },
  ): Promise<RequestRecord> {
    const process = this.engine.catalog.get(input.processName);
    if (!process) throw new InvalidInputError(`unknown process ${input.processName}`);
    if (!this.engine.catalog.isEnabled(process.name)) {
      throw new DomainError(
        'PROCESS_NOT_ENABLED',
        `process ${process.name} is not enabled on this device`,
      );
    }
    if (actor.kind !== 'staff' || !actor.roles.includes('registration_officer')) {
      throw new ForbiddenError('"Produce card" needs the registration_officer role');
    }
    const requestId = newId();
    const submitted = await this.store.transaction(async (tx) => {
      const person = await tx.persons.get(input.personId);
      if (!person) throw new NotFoundError('person', input.personId);
      if (person.kind !== process.cardType) {
        throw new InvalidInputError(
          `process ${process.name} makes ${process.cardType} cards, but this person is a ${person.kind}`,
        );
      }
      if (person.kind === 'contractor' && !person.validUntil) {
        throw new InvalidInputError(
          'a contractor needs an end date (validUntil) before a card can be made',
        );
      }
      await this.insertRequest(tx, requestId, process, person, actor, {
        purpose: input.purpose ?? null,
        statusCodeHash: null,
      });
      noteIdempotentResource(requestId);
      return this.engine.applyIn(tx, requestId, { type: 'submit' }, actor);
    });
    await this.engine.afterCommit(submitted.request, submitted.outcome.effects);
    return this.current(requestId);
  }

  /** A request as it is now (for rebuilding an answer a crash lost); null if unknown. */
  find(requestId: string): Promise<RequestRecord | null> {
    return this.store.read((tx) => tx.requests.get(requestId));
  }

  /**
   * Staff release a walk-up that was held (it matched the barred persons list under a
   * process without approval): it is submitted as if by the officer, who has seen the match.
   */
  async submitHeld(actor: Actor, requestId: string): Promise<RequestRecord> {
    const request = await this.current(requestId);
    if (request.channel !== 'self-service')
      throw new ConflictError('only a held walk-up request is released this way');
    await this.engine.apply(requestId, { type: 'submit' }, actor);
    return this.current(requestId);
  }

  /** Approval is followed at once by card generation (seed step 4); returns the state after both. */
  async approve(actor: Actor, requestId: string): Promise<RequestRecord> {
    await this.engine.apply(requestId, { type: 'approve' }, actor);
    return this.current(requestId);
  }

  private async current(requestId: string): Promise<RequestRecord> {
    const r = await this.store.read((tx) => tx.requests.get(requestId));
    if (!r) throw new NotFoundError('request', requestId);
    return r;
  }

  reject(actor: Actor, requestId: string, reason: string): Promise<RequestRecord> {
    return this.engine.apply(requestId, { type: 'reject', reason }, actor).then((r) => r.request);
  }

  retry(actor: Actor, requestId: string): Promise<RequestRecord> {
    return this.engine.apply(requestId, { type: 'retry' }, actor).then((r) => r.request);
  }

  async cancel(actor: Actor, requestId: string, reason: string): Promise<RequestRecord> {
    const { request } = await this.engine.apply(requestId, { type: 'cancel', reason }, actor, {
      within: async (tx, { at }) => {
        const card = await tx.cards.getByRequest(requestId);
        // A cancelled card's number stays used; its PIN is destroyed since no one will collect it.
        if (card) {
          await tx.cards.update(card.id, { pinSealed: null });
          await recordCardStatus(tx, card, 'cancelled', actorLabel(actor), at);
        }
      },
    });
    return request;
  }

  /** Seed step 5: single production starts at once; mass production joins a named batch. */
  async chooseProduction(
    actor: Actor,
    requestId: string,
    choice: { mode: 'single' } | { mode: 'mass'; batchName: string },
  ): Promise<RequestRecord> {
    if (choice.mode === 'single') {
      return (await this.engine.apply(requestId, { type: 'choose_single' }, actor)).request;
    }
    const batchName = choice.batchName.trim();
    const { request } = await this.engine.apply(
      requestId,
      { type: 'choose_mass', batchName },
      actor,
      {
        before: async (tx, { at }) => {
          const existing = await tx.batches.getByName(batchName);
          if (existing) {
            if (existing.state !== 'open')
              throw new ConflictError(
                `batch "${batchName}" is ${existing.state} and takes no more cards`,
              );
            return { batchId: existing.id };
          }
          const id = newId();
          await tx.batches.insert({
            id,
            name: batchName,
            state: 'open',
            createdBy: actorLabel(actor),
            createdAt: at,
            startedAt: null,
            finishedAt: null,
          });
          await tx.audit.append(
            {
              actor: actorLabel(actor),
              action: 'batch.created',
              objectType: 'batch',
              objectId: id,
              details: { name: batchName },
            },
            at,
          );
          await tx.outbox.add(
            {
              aggregateType: 'batch',
              aggregateId: id,
              type: 'batch.created',
              payload: { batchId: id, name: batchName, at },
            },
            at,
          );
          return { batchId: id };
        },
        details: { batchName },
      },
    );
    return request;
  }

  /**
   * Step 8: security staff hand the produced card to its holder. The PIN is opened, destroyed
   * on the device in the same transaction, and returned once, for the holder's eyes only.
   */
  async collect(
    actor: Actor,
    requestId: string,
  ): Promise<{ request: RequestRecord; card: CardRecord; pin: string }> {
    const { request, extra } = await this.engine.apply(requestId, { type: 'collect' }, actor, {
      within: async (tx, { at }) => {
        const card = await tx.cards.getByRequest(requestId);
        if (card && card.status !== 'produced') {
          throw new ConflictError(`this card is ${card.status} and cannot be handed over`);
        }
        if (!card || !card.pinSealed)
          throw new ConflictError('this card has no PIN left to reveal');
        const pin = this.deps.sealer.open(card.pinSealed, pinContext(card.id));
        // With an Idempotency-Key the PIN is destroyed in the transaction that stores the
        // answer carrying it, so a crash in between cannot lose a PIN nobody saw.
        const cardId = card.id;
        const deferred = deferUntilAnswerStored((answerTx) =>
          answerTx.cards.update(cardId, { pinSealed: null }),
        );
        await tx.cards.update(
          card.id,
          deferred ? { pinRevealedAt: at } : { pinSealed: null, pinRevealedAt: at },
        );
        await recordCardStatus(tx, card, 'collected', actorLabel(actor), at, { pinRevealed: true });
        return {
          card: { ...card, pinSealed: null, pinRevealedAt: at, status: 'collected' as const },
          pin,
        };
      },
    });
    return { request, card: extra.card, pin: extra.pin };
  }

  /**
   * The collection answer again, for a keyed collection whose answer a crash lost before it
   * was stored (so before the PIN left the device): the card is collected and its PIN still
   * sealed. The PIN is destroyed when this answer is stored. Null once the PIN is gone.
   */
  async collectAnswerAgain(
    requestId: string,
  ): Promise<{ request: RequestRecord; card: CardRecord; pin: string } | null> {
    const found = await this.store.read(async (tx) => ({
      request: await tx.requests.get(requestId),
      card: await tx.cards.getByRequest(requestId),
    }));
    const { request, card } = found;
    if (!request || request.state !== 'collected' || !card?.pinSealed) return null;
    const pin = this.deps.sealer.open(card.pinSealed, pinContext(card.id));
    const cardId = card.id;
    const deferred = deferUntilAnswerStored((tx) => tx.cards.update(cardId, { pinSealed: null }));
    if (!deferred) {
      await this.store.transaction((tx) => tx.cards.update(cardId, { pinSealed: null }));
    }
    return { request, card: { ...card, pinSealed: null }, pin };
  }

  /** Step 4, run as the system right after approval (or submit, without approval). */
  async generateCard(requestId: string): Promise<CardRecord> {
    const { extra } = await this.engine.apply(requestId, { type: 'generate_card' }, SYSTEM_ACTOR, {
      within: (tx, { request, process, at }) =>
        generateCardObject(tx, request, process, at, this.deps),
    });
    return extra;
  }

  async get(requestId: string): Promise<RequestDetails> {
    return this.store.read(async (tx) => {
      const request = await tx.requests.get(requestId);
      if (!request) throw new NotFoundError('request', requestId);
      const person = await tx.persons.get(request.personId);
      if (!person) throw new NotFoundError('person', request.personId);
      const card = await tx.cards.getByRequest(requestId);
      const host = person.hostPersonId ? await tx.persons.get(person.hostPersonId) : null;
      return {
        request,
        person,
        process: this.engine.process(request.processName),
        card: card ? withoutSecrets(card) : null,
        host: host ? { id: host.id, name: host.name } : null,
        transitions: await tx.requests.transitions(requestId),
        attempts: await tx.attempts.forRequest(requestId),
      };
    });
  }

  /** The card's layout as it will be printed, for staff to check before production. */
  async preview(requestId: string, side: 'front' | 'back'): Promise<Uint8Array> {
    const { person, card } = await this.get(requestId);
    if (!card)
      throw new ConflictError('this request has no card object yet; it gets one once approved');
    try {
      return await this.deps.renderer.preview(
        cardLayoutInput(person, card, this.deps.siteName, this.deps.siteBranding),
        side,
      );
    } catch (err) {
      // The layout says what it cannot draw (e.g. the back of a one-sided visitor badge).
      if ((err as { code?: unknown }).code === 'CARD_LAYOUT_INVALID')
        throw new InvalidInputError((err as Error).message);
      throw err;
    }
  }

  list(query: RequestQuery): Promise<{ items: RequestRecord[]; total: number }> {
    return this.store.read(async (tx) => {
      const { limit: _l, offset: _o, ...filter } = query;
      return { items: await tx.requests.list(query), total: await tx.requests.count(filter) };
    });
  }

  /** What a walk-up may see of its own request, found by its status code. */
  async walkUpStatus(code: string): Promise<{ requestId: string; status: WalkUpStatus }> {
    const normalized = normalizeStatusCode(code);
    if (!normalized)
      throw new InvalidInputError('a status code has 8 letters and digits, like K7M4-Q2X9');
    return this.store.read(async (tx) => {
      const request = await tx.requests.getByStatusCodeHash(statusCodeHash(normalized));
      if (!request) throw new NotFoundError('request with status code', code.toUpperCase());
      const person = await tx.persons.get(request.personId);
      const showReason =
        request.state === 'rejected' ||
        request.state === 'production_failed' ||
        request.state === 'cancelled';
      return {
        requestId: request.id,
        status: {
          state: request.state,
          processLabel: this.engine.process(request.processName).label,
          reason: showReason ? request.stateReason : null,
          holderName: person?.name ?? '',
          updatedAt: request.updatedAt,
        },
      };
    });
  }

  /**
   * After a restart: a request left in `requested` (created by a version that created and
   * submitted in two transactions) is submitted now, as its creator meant.
   */
  async resumeRequested(): Promise<number> {
    const stranded = await this.store.read(async (tx) => {
      const all = await tx.requests.inStates(['requested']);
      // Walk-ups held for staff because they matched the barred persons list wait on purpose.
      const held = await tx.barred.requestsWithMatches(all.map((r) => r.id));
      return all.filter((r) => !held.has(r.id));
    });
    for (const r of stranded) {
      // Submitted on behalf of whoever created it, as the one transaction now does.
      const actor: Actor =
        r.requestedByUserId === null
          ? { kind: 'self_service', requestId: r.id }
          : {
              kind: 'staff',
              userId: r.requestedByUserId,
              username: r.requestedBy.replace(/^staff:/, ''),
              roles: ['registration_officer'],
            };
      try {
        await this.engine.apply(r.id, { type: 'submit' }, actor);
      } catch (err) {
        this.log.error({ err, requestId: r.id }, 'a stranded request could not be submitted');
      }
    }
    return stranded.length;
  }

  /** After a restart: finish what a crash interrupted between two transitions. */
  async resumeCardGeneration(): Promise<number> {
    const approved = await this.store.read((tx) => tx.requests.inStates(['approved']));
    for (const r of approved) await this.generateCard(r.id);
    return approved.length;
  }

  private async insertRequest(
    tx: StoreTx,
    id: string,
    process: ProcessDefinition,
    person: PersonRecord,
    actor: Actor,
    extra: { purpose: string | null; statusCodeHash: string | null },
  ): Promise<void> {
    const at = this.deps.clock.now().toISOString();
    const request: RequestRecord = {
      id,
      processName: process.name,
      personId: person.id,
      channel: actor.kind === 'self_service' ? 'self-service' : process.channel,
      state: 'requested',
      stateReason: null,
      requestedByUserId: actor.kind === 'staff' ? actor.userId : null,
      requestedBy: actorLabel(actor),
      statusCodeHash: extra.statusCodeHash,
      batchId: null,
      purpose: extra.purpose,
      createdAt: at,
      updatedAt: at,
    };
    await tx.requests.insert(request);
    await recordTransition(tx, request, null, 'create', actor, null, at, {
      personId: person.id,
      cardType: process.cardType,
      idType: process.idType,
    });
  }
}

export function withoutSecrets(card: CardRecord): Omit<CardRecord, 'pinSealed' | 'pukSealed'> {
  const { pinSealed: _pin, pukSealed: _puk, ...rest } = card;
  return rest;
}
