/**
 * The one way a request changes state: load the request and its process, ask the pure
 * transition function, then in one transaction save the new state, the transition history,
 * an audit event and an outbox event (plus whatever the use case writes alongside). Only
 * after the commit are the effects carried out and listeners told.
 */
import { randomUUID } from 'node:crypto';
import { NotFoundError } from '../core/errors.js';
import type { Clock } from '../core/ports.js';
import type { RequestRecord } from '../core/records.js';
import { actorLabel, type Actor } from '../core/roles.js';
import type { StoreTx, Store } from '../core/store-ports.js';
import type { ProcessCatalog, ProcessDefinition } from '../core/workflow/processes.js';
import type { RequestEvent } from '../core/workflow/guards.js';
import type { EffectName } from '../core/workflow/request-machine.js';
import { transition, type TransitionOutcome } from '../core/workflow/transition.js';
import { ConflictError } from '../core/errors.js';
import type { DomainEvents } from './domain-events.js';
import type { Logger } from './ports.js';

export type AfterCommitEffect = Extract<EffectName, 'generateCardObject' | 'enqueueProduction'>;

export interface ApplyOptions<T> {
  /**
   * Writes in the same transaction once the transition is allowed but before the state is
   * saved; may return the batch the request joins (which must exist before it is referenced).
   */
  before?: (
    tx: StoreTx,
    ctx: { request: RequestRecord; process: ProcessDefinition; at: string },
  ) => Promise<{ batchId?: string | null } | void>;
  /** Extra writes in the same transaction, after the state change (e.g. the card object). */
  within?: (
    tx: StoreTx,
    ctx: {
      request: RequestRecord;
      process: ProcessDefinition;
      outcome: TransitionOutcome;
      at: string;
    },
  ) => Promise<T>;
  /** Extra, non-secret facts for the audit and outbox events. */
  details?: Record<string, unknown>;
}

/**
 * Told of every saved transition inside its transaction, so records that follow a request
 * (a visit, a host notification) change in the same commit.
 */
export type TransitionListener = (
  tx: StoreTx,
  change: { request: RequestRecord; from: RequestRecord['state']; event: RequestEvent; at: string },
) => Promise<void>;

export interface ApplyResult<T> {
  request: RequestRecord;
  outcome: TransitionOutcome;
  extra: T;
}

export class WorkflowEngine {
  private readonly handlers = new Map<
    AfterCommitEffect,
    (requestId: string) => Promise<void> | void
  >();

  private readonly listeners: TransitionListener[] = [];

  constructor(
    private readonly store: Store,
    readonly catalog: ProcessCatalog,
    private readonly clock: Clock,
    private readonly events: DomainEvents,
    private readonly log: Logger,
  ) {}

  /** Register who carries out an after-commit effect. */
  onEffect(effect: AfterCommitEffect, handler: (requestId: string) => Promise<void> | void): void {
    this.handlers.set(effect, handler);
  }

  /** Register a listener that writes alongside every transition, in its transaction. */
  onTransition(listener: TransitionListener): void {
    this.listeners.push(listener);
  }

  process(name: string): ProcessDefinition {
    const p = this.catalog.get(name);
    if (!p) throw new NotFoundError('process', name);
    return p;
  }

  async apply<T = undefined>(
    requestId: string,
    event: RequestEvent,
    actor: Actor,
    options: ApplyOptions<T> = {},
  ): Promise<ApplyResult<T>> {
    const result = await this.store.transaction((tx) =>
      this.applyIn(tx, requestId, event, actor, options),
    );
    await this.afterCommit(result.request, result.outcome.effects);
    return result;
  }

  /**
   * The transition inside a transaction the caller owns (so that one use case can create a
   * request and submit it, or mark a batch running and release its members, atomically).
   * The caller must run `afterCommit` with the result once its transaction committed.
   */
  async applyIn<T = undefined>(
    tx: StoreTx,
    requestId: string,
    event: RequestEvent,
    actor: Actor,
    options: ApplyOptions<T> = {},
  ): Promise<ApplyResult<T>> {
    const request = await tx.requests.get(requestId);
    if (!request) throw new NotFoundError('request', requestId);
    const process = this.process(request.processName);
    const outcome = transition(
      process,
      { id: request.id, state: request.state, requestedByUserId: request.requestedByUserId },
      event,
      actor,
    );
    const at = this.clock.now().toISOString();
    const reason = event.reason?.trim() || null;
    const prepared = options.before
      ? await options.before(tx, { request, process, at })
      : undefined;
    const batchId = prepared ? prepared.batchId : undefined;
    const changed = await tx.requests.updateState(request.id, request.state, outcome.next, {
      stateReason: reason,
      updatedAt: at,
      ...(batchId !== undefined ? { batchId } : {}),
    });
    // The store serialises transactions, so the state read above is still current; this
    // guards against a future second writer.
    if (!changed) throw new ConflictError(`request ${request.id} changed meanwhile; try again`);
    const updated: RequestRecord = {
      ...request,
      state: outcome.next,
      stateReason: reason,
      updatedAt: at,
      ...(batchId !== undefined ? { batchId } : {}),
    };
    await recordTransition(
      tx,
      updated,
      outcome.from,
      event.type,
      actor,
      reason,
      at,
      options.details ?? {},
    );
    const extra = options.within
      ? await options.within(tx, { request: updated, process, outcome, at })
      : (undefined as T);
    for (const listener of this.listeners)
      await listener(tx, { request: updated, from: outcome.from, event, at });
    return { request: updated, outcome, extra };
  }

  /**
   * Tell listeners and run the after-commit effects of a saved transition. A handler's
   * failure is logged, not thrown: the transition itself is already durable.
   */
  async afterCommit(request: RequestRecord, effects: readonly EffectName[]): Promise<void> {
    this.events.emit('request.changed', {
      requestId: request.id,
      state: request.state,
      processName: request.processName,
      batchId: request.batchId,
    });
    for (const effect of effects) {
      if (effect !== 'generateCardObject' && effect !== 'enqueueProduction') continue;
      const handler = this.handlers.get(effect);
      if (!handler) {
        this.log.error({ effect, requestId: request.id }, 'no handler for workflow effect');
        continue;
      }
      try {
        await handler(request.id);
      } catch (err) {
        this.log.error(
          { err, effect, requestId: request.id },
          'workflow effect failed; it is retried at the next start',
        );
      }
    }
  }
}

/** History row, audit event and outbox event for one state change (also used on creation). */
export async function recordTransition(
  tx: StoreTx,
  request: RequestRecord,
  from: RequestRecord['state'] | null,
  event: RequestEvent['type'] | 'create',
  actor: Actor,
  reason: string | null,
  at: string,
  details: Record<string, unknown>,
): Promise<void> {
  const label = actorLabel(actor);
  await tx.requests.addTransition({
    requestId: request.id,
    fromState: from,
    toState: request.state,
    event,
    actor: label,
    reason,
    at,
  });
  await tx.audit.append(
    {
      actor: label,
      action: `request.${event}`,
      objectType: 'request',
      objectId: request.id,
      details: {
        from,
        to: request.state,
        process: request.processName,
        ...(reason ? { reason } : {}),
        ...details,
      },
    },
    at,
  );
  await tx.outbox.add(
    {
      aggregateType: 'request',
      aggregateId: request.id,
      type: 'request.state_changed',
      payload: {
        requestId: request.id,
        personId: request.personId,
        processName: request.processName,
        channel: request.channel,
        from,
        to: request.state,
        event,
        actor: label,
        reason,
        batchId: request.batchId,
        at,
        ...details,
      },
    },
    at,
  );
}

export function newId(): string {
  return randomUUID();
}
