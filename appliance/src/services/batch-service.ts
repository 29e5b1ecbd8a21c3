/**
 * Mass production (seed step 5): requests collected into a named batch are produced later as
 * one run. Running a batch releases every member to the production queue; the batch is
 * complete when no member is still waiting or in production, and it reports each card's
 * outcome.
 */
import { ConflictError, NotFoundError } from '../core/errors.js';
import type { Clock } from '../core/ports.js';
import type { BatchRecord, BatchState } from '../core/records.js';
import { actorLabel, SYSTEM_ACTOR, type Actor } from '../core/roles.js';
import type { Page, Store } from '../core/store-ports.js';
import type { RequestState } from '../core/workflow/request-machine.js';
import type { DomainEvents } from './domain-events.js';
import type { Logger } from './ports.js';
import type { WorkflowEngine } from './workflow-engine.js';

const UNFINISHED: readonly RequestState[] = ['batched', 'queued', 'producing'];
const MAX_BATCH_MEMBERS = 10_000;

export interface BatchMemberOutcome {
  requestId: string;
  holderName: string;
  cardNumber: string | null;
  state: RequestState;
  reason: string | null;
  attempts: number;
  spoiledCards: number;
}

export interface BatchReport {
  batch: BatchRecord;
  members: BatchMemberOutcome[];
  totals: {
    members: number;
    produced: number;
    failed: number;
    cancelled: number;
    waiting: number;
    spoiledCards: number;
  };
}

export class BatchService {
  constructor(
    private readonly store: Store,
    private readonly engine: WorkflowEngine,
    private readonly clock: Clock,
    events: DomainEvents,
    private readonly log: Logger,
  ) {
    events.on('request.changed', (e) => {
      if (e.batchId && !UNFINISHED.includes(e.state)) {
        this.completeIfDone(e.batchId).catch((err: unknown) =>
          this.log.error({ err, batchId: e.batchId }, 'batch completion check failed'),
        );
      }
    });
  }

  list(q: Page & { state?: BatchState }): Promise<BatchRecord[]> {
    return this.store.read((tx) => tx.batches.list(q));
  }

  async report(batchId: string): Promise<BatchReport> {
    return this.store.read(async (tx) => {
      const batch = await tx.batches.get(batchId);
      if (!batch) throw new NotFoundError('batch', batchId);
      const requests = await tx.requests.list({ batchId, limit: MAX_BATCH_MEMBERS, offset: 0 });
      const members: BatchMemberOutcome[] = [];
      for (const r of requests) {
        const person = await tx.persons.get(r.personId);
        const card = await tx.cards.getByRequest(r.id);
        const attempts = await tx.attempts.forRequest(r.id);
        members.push({
          requestId: r.id,
          holderName: person?.name ?? '',
          cardNumber: card?.cardNumber ?? null,
          state: r.state,
          reason: r.stateReason,
          attempts: attempts.length,
          spoiledCards: attempts.reduce((n, a) => n + a.spoiledCards, 0),
        });
      }
      const count = (states: RequestState[]) =>
        members.filter((m) => states.includes(m.state)).length;
      return {
        batch,
        members,
        totals: {
          members: members.length,
          produced: count(['produced', 'collected']),
          failed: count(['production_failed']),
          cancelled: count(['cancelled']),
          waiting: count([...UNFINISHED]),
          spoiledCards: members.reduce((n, m) => n + m.spoiledCards, 0),
        },
      };
    });
  }

  /**
   * Produce the whole batch as one run. The batch is marked running and every waiting member
   * released in one transaction, so a crash never leaves a running batch with members held
   * back. Returns once every member is queued.
   */
  async run(actor: Actor, batchId: string): Promise<BatchRecord> {
    const released = await this.store.transaction(async (tx) => {
      const batch = await tx.batches.get(batchId);
      if (!batch) throw new NotFoundError('batch', batchId);
      if (batch.state !== 'open')
        throw new ConflictError(`batch "${batch.name}" is already ${batch.state}`);
      const waiting = (
        await tx.requests.list({ batchId, limit: MAX_BATCH_MEMBERS, offset: 0 })
      ).filter((r) => r.state === 'batched');
      if (waiting.length === 0)
        throw new ConflictError(`batch "${batch.name}" has no cards waiting to be produced`);
      const at = this.clock.now().toISOString();
      await tx.batches.setState(batchId, 'running', { startedAt: at });
      await tx.audit.append(
        {
          actor: actorLabel(actor),
          action: 'batch.started',
          objectType: 'batch',
          objectId: batchId,
          details: { name: batch.name, members: waiting.length },
        },
        at,
      );
      await tx.outbox.add(
        {
          aggregateType: 'batch',
          aggregateId: batchId,
          type: 'batch.started',
          payload: { batchId, name: batch.name, members: waiting.length, at },
        },
        at,
      );
      // A member the actor may not release refuses the whole run, changing nothing.
      const results = [];
      for (const r of waiting)
        results.push(await this.engine.applyIn(tx, r.id, { type: 'release_batch' }, actor));
      return results;
    });
    for (const r of released) await this.engine.afterCommit(r.request, r.outcome.effects);
    const batch = await this.store.read((tx) => tx.batches.get(batchId));
    return batch as BatchRecord;
  }

  /**
   * After a restart: a running batch whose members were not all released (a run made by a
   * version that released them one transaction each) releases them now, as the system; a
   * running batch with nothing left to do is completed.
   */
  async recover(): Promise<{ released: number; completed: number }> {
    const running = await this.store.read((tx) =>
      tx.batches.list({ state: 'running', limit: MAX_BATCH_MEMBERS, offset: 0 }),
    );
    let released = 0;
    for (const batch of running) {
      const held = await this.store.read(async (tx) =>
        (await tx.requests.list({ batchId: batch.id, limit: MAX_BATCH_MEMBERS, offset: 0 })).filter(
          (r) => r.state === 'batched',
        ),
      );
      for (const r of held) {
        try {
          await this.engine.apply(r.id, { type: 'release_batch' }, SYSTEM_ACTOR);
          released += 1;
        } catch (err) {
          this.log.error({ err, requestId: r.id }, 'a held batch member could not be released');
        }
      }
    }
    let completed = 0;
    for (const batch of running) {
      if (await this.completeIfDone(batch.id)) completed += 1;
    }
    return { released, completed };
  }

  private async completeIfDone(batchId: string): Promise<boolean> {
    return this.store.transaction(async (tx) => {
      const batch = await tx.batches.get(batchId);
      if (!batch || batch.state !== 'running') return false;
      const members = await tx.requests.list({ batchId, limit: MAX_BATCH_MEMBERS, offset: 0 });
      if (members.some((m) => UNFINISHED.includes(m.state))) return false;
      const at = this.clock.now().toISOString();
      const produced = members.filter(
        (m) => m.state === 'produced' || m.state === 'collected',
      ).length;
      const failed = members.filter((m) => m.state === 'production_failed').length;
      await tx.batches.setState(batchId, 'completed', { finishedAt: at });
      await tx.audit.append(
        {
          actor: 'system',
          action: 'batch.completed',
          objectType: 'batch',
          objectId: batchId,
          details: { produced, failed },
        },
        at,
      );
      await tx.outbox.add(
        {
          aggregateType: 'batch',
          aggregateId: batchId,
          type: 'batch.completed',
          payload: { batchId, produced, failed, at },
        },
        at,
      );
      return true;
    });
  }
}
