/**
 * The relay to the central Identity Manager, offline-first: it drains the outbox in batches
 * whenever the centre answers, pulls what the centre decided, and keeps the device's
 * card-number ranges topped up.
 *
 * - Nothing lost: events stay in the outbox until the centre acknowledged them in a
 *   well-formed answer; only then are they marked sent, with the centre's ids, in one
 *   transaction. A crash between the centre's commit and ours resends them, and the centre
 *   answers a repeated idempotency key (the event id) with its first result, applying nothing.
 * - Order: the outbox hands out events in seq order per aggregate, revocations (priority 0)
 *   and the earlier events of their card first; the client stops at the first event it
 *   could not deliver, so a later event never overtakes an earlier one of its object.
 * - While the centre is away: exponential backoff with jitter between attempts; when the
 *   centre did not answer at all, a cheap probe runs every probe interval and ends the wait
 *   as soon as it answers. When idle, a new event starts a drain at once (nudge).
 */
import type { Clock } from '../../core/ports.js';
import type { Store } from '../../core/store-ports.js';
import { remainingNumbers } from '../../core/card/card-number.js';
import type { Logger } from '../ports.js';
import { newId } from '../workflow-engine.js';
import { backoffDelayMs, type BackoffPolicy } from './backoff.js';
import type { CentralInbox } from './central-inbox.js';
import {
  personKey,
  referencedPersonIds,
  SyncError,
  type DeliveryOutcome,
  type IdentityManagerClient,
} from './identity-manager-client.js';

export interface SyncOptions {
  /** Events per delivery (one SCIM Bulk request per phase). */
  batchSize: number;
  backoff: BackoffPolicy;
  /** How often to probe a centre that did not answer, between backoff attempts. */
  probeIntervalMs: number;
  /** How often to pull from the centre while connected. */
  pullIntervalMs: number;
  /** When idle, how often to look at the outbox even without a nudge (safety net). */
  idleCheckMs: number;
  /** Unreachable for this long: the LEDs show 'offline'. */
  offlineAfterMs: number;
  numberRanges: { lowWater: number; leaseSize: number };
}

export interface SyncStatus {
  enabled: boolean;
  client: string;
  /** The last exchange with the centre succeeded. */
  connected: boolean;
  /** Unreachable (or never reached) for longer than offlineAfterMs. */
  offline: boolean;
  pending: number;
  rejected: number;
  oldestPendingAgeMs: number | null;
  lastSuccessAt: string | null;
  lastAttemptAt: string | null;
  lastPullAt: string | null;
  lastError: { code: string; message: string; at: string } | null;
  consecutiveFailures: number;
  nextAttemptAt: string | null;
  delivered: number;
  duplicates: number;
}

const WATERMARK_KEY = 'pullWatermark';
const LEASE_KEY = 'numberRangeLeaseKey';

export class SyncService {
  private running: Promise<void> | null = null;
  private stopped = true;
  private wake: (() => void) | null = null;
  private connected = false;
  private disconnectedSince: Date;
  private lastSuccessAt: string | null = null;
  private lastAttemptAt: string | null = null;
  private lastPullAt: Date | null = null;
  private lastPullMonoMs: number | null = null;
  private lastError: SyncStatus['lastError'] = null;
  private failures = 0;
  private nextAttemptAt: Date | null = null;
  private delivered = 0;
  private duplicates = 0;
  private idleWaiters: Array<() => void> = [];
  private wasOffline = false;
  private idle = false;

  constructor(
    private readonly deps: {
      store: Store;
      client: IdentityManagerClient;
      inbox: CentralInbox;
      clock: Clock;
      log: Logger;
      options: SyncOptions;
      /** Uniform [0, 1) for jitter; tests may fix it. */
      random01?: () => number;
      /** Told when connectivity or the offline state changes (the LEDs). */
      onChange?: () => void;
    },
  ) {
    this.disconnectedSince = deps.clock.now();
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.running = this.loop().catch((err: unknown) => {
      this.deps.log.error({ err }, 'sync loop stopped unexpectedly');
    });
  }

  /** A new event is in the outbox: drain now if idle (never cuts a backoff short). */
  nudge(): void {
    if (this.idle) this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
    this.running = null;
  }

  /** Resolves once the outbox is empty and the last round succeeded (tests, bench). */
  whenDrained(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.wake?.();
    });
  }

  isOffline(): boolean {
    const since = this.connected ? null : this.disconnectedSince;
    return (
      since !== null &&
      this.deps.clock.now().getTime() - since.getTime() >= this.deps.options.offlineAfterMs
    );
  }

  async status(): Promise<SyncStatus> {
    const stats = await this.deps.store.read((tx) => tx.outbox.deliveryStats());
    const now = this.deps.clock.now().getTime();
    return {
      enabled: true,
      client: this.deps.client.kind,
      connected: this.connected,
      offline: this.isOffline(),
      pending: stats.pending,
      rejected: stats.rejected,
      oldestPendingAgeMs: stats.oldestPendingAt
        ? Math.max(0, now - new Date(stats.oldestPendingAt).getTime())
        : null,
      lastSuccessAt: this.lastSuccessAt,
      lastAttemptAt: this.lastAttemptAt,
      lastPullAt: this.lastPullAt?.toISOString() ?? null,
      lastError: this.lastError,
      consecutiveFailures: this.failures,
      nextAttemptAt: this.nextAttemptAt?.toISOString() ?? null,
      delivered: this.delivered,
      duplicates: this.duplicates,
    };
  }

  /** One full round: pull if due, deliver every waiting event, top up number ranges. */
  async runOnce(): Promise<void> {
    await this.pullIfDue();
    // Stop between batches when the service is stopping; what was acknowledged is recorded.
    while (await this.deliverBatch()) if (this.stopped && this.running) break;
    await this.topUpNumberRanges();
  }

  private async loop(): Promise<void> {
    let lastFailure: SyncError | null = null;
    while (!this.stopped) {
      if (lastFailure) {
        // Wait out the backoff; a centre that did not answer at all is probed meanwhile.
        const delay = backoffDelayMs(
          this.deps.options.backoff,
          this.failures,
          (this.deps.random01 ?? Math.random)(),
        );
        this.nextAttemptAt = new Date(this.deps.clock.now().getTime() + delay);
        await this.waitOrProbe(delay, lastFailure.unreachable);
        this.nextAttemptAt = null;
        if (this.stopped) break;
      }
      try {
        this.lastAttemptAt = this.deps.clock.now().toISOString();
        await this.runOnce();
        this.succeeded();
        lastFailure = null;
      } catch (err) {
        lastFailure = this.failed(err);
        continue;
      }
      const pending = await this.deps.store.read((tx) => tx.outbox.deliveryStats());
      if (pending.pending > 0) continue;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
      this.idle = true;
      await this.sleep(Math.min(this.deps.options.idleCheckMs, this.deps.options.pullIntervalMs));
      this.idle = false;
    }
  }

  private async deliverBatch(): Promise<boolean> {
    const { store, client, options } = this.deps;
    const events = await store.read((tx) => tx.outbox.nextForDelivery(options.batchSize));
    if (events.length === 0) return false;
    const ids = await store.read(async (tx) => {
      const found = await tx.outbox.centralIds(events);
      // People the events name (holders, hosts): directory imports carry the centre's id on
      // the person; the others are linked once their create was acknowledged.
      for (const personId of new Set(events.flatMap(referencedPersonIds))) {
        const key = personKey(personId);
        if (found.has(key)) continue;
        const linked = await tx.outbox.centralIds([
          { aggregateType: 'person', aggregateId: personId },
        ]);
        const centralId = linked.get(key) ?? (await tx.persons.get(personId))?.centralId;
        if (centralId) found.set(key, centralId);
      }
      return found;
    });
    const outcomes = await client.deliver(events, ids);
    // The centre answered but took none of it (a transient error on the first operation):
    // a failure like any other, so the backoff applies instead of an immediate resend.
    if (outcomes.length === 0)
      throw new SyncError(
        'CENTRAL_ERROR_STATUS',
        'the centre applied none of the batch; trying again later',
        true,
      );
    const known = new Map(events.map((e) => [e.id, e]));
    await this.record(outcomes, known);
    // Fewer acknowledged than sent: the centre stopped at a rejection or a transient error on
    // one operation; the rest goes in the next batch, right away, since progress was made.
    return true;
  }

  private async record(
    outcomes: readonly DeliveryOutcome[],
    events: ReadonlyMap<string, { aggregateType: string; aggregateId: string }>,
  ): Promise<void> {
    const at = this.deps.clock.now().toISOString();
    await this.deps.store.transaction(async (tx) => {
      const sent: string[] = [];
      for (const o of outcomes) {
        const event = events.get(o.eventId);
        if (!event) continue;
        if (o.status === 'rejected') {
          await tx.outbox.markRejected(o.eventId, o.reason ?? 'rejected by the centre', at);
          continue;
        }
        sent.push(o.eventId);
        if (o.centralId) {
          await tx.outbox.linkCentralId(event.aggregateType, event.aggregateId, o.centralId, at);
          if (event.aggregateType === 'person')
            await tx.persons.update(event.aggregateId, { centralId: o.centralId });
        }
      }
      await tx.outbox.markSent(sent, at);
    });
    for (const o of outcomes) {
      if (o.status === 'applied') this.delivered++;
      else if (o.status === 'duplicate') this.duplicates++;
      else
        this.deps.log.warn(
          { eventId: o.eventId, reason: o.reason },
          'event rejected by the centre',
        );
    }
  }

  private async pullIfDue(): Promise<void> {
    // Scheduling runs on the monotonic clock; the injected clock only dates what is stored.
    if (
      this.lastPullMonoMs !== null &&
      this.connected &&
      performance.now() - this.lastPullMonoMs < this.deps.options.pullIntervalMs
    )
      return;
    await this.pull();
  }

  /** Pull changes from the centre and apply them; the watermark is stored afterwards. */
  async pull(): Promise<void> {
    const { store, client, inbox } = this.deps;
    const since = await store.read((tx) => tx.outbox.syncValue(WATERMARK_KEY));
    const changes = await client.pullChanges(since);
    const report = await inbox.apply(changes);
    await store.transaction((tx) => tx.outbox.setSyncValue(WATERMARK_KEY, changes.watermark));
    this.lastPullAt = this.deps.clock.now();
    this.lastPullMonoMs = performance.now();
    if (
      report.personsAdded +
      report.decisionsApplied +
      report.revocationsApplied +
      report.rangesAdded
    )
      this.deps.log.info(report, 'applied changes from the centre');
  }

  private async topUpNumberRanges(): Promise<void> {
    const { store, client, options, clock } = this.deps;
    const remaining = remainingNumbers(await store.read((tx) => tx.numberRanges.all()));
    if (remaining >= options.numberRanges.lowWater) return;
    // The lease key is stored before asking, so a crash or a lost answer asks again with the
    // same key and the centre hands out the same range, not a second one.
    let key = await store.read((tx) => tx.outbox.syncValue(LEASE_KEY));
    if (!key) {
      key = newId();
      const k = key;
      await store.transaction((tx) => tx.outbox.setSyncValue(LEASE_KEY, k));
    }
    const range = await client.leaseNumberRange(key, options.numberRanges.leaseSize);
    await store.transaction(async (tx) => {
      const known = (await tx.numberRanges.all()).some((r) => r.id === range.id);
      if (!known) {
        await tx.numberRanges.ensure(range);
        await tx.audit.append(
          {
            actor: 'central',
            action: 'number_range.leased',
            objectType: 'device',
            objectId: `number-range:${range.id}`,
            details: { first: range.first, last: range.last, remainingBefore: remaining },
          },
          clock.now().toISOString(),
        );
      }
      await tx.outbox.setSyncValue(LEASE_KEY, null);
    });
    this.deps.log.info(
      { range: range.id, first: range.first, last: range.last },
      'leased a card-number range',
    );
  }

  private succeeded(): void {
    const changed = !this.connected || this.wasOffline;
    this.connected = true;
    this.failures = 0;
    this.lastSuccessAt = this.deps.clock.now().toISOString();
    this.wasOffline = false;
    if (changed) {
      this.deps.log.info('connected to the central Identity Manager');
      this.deps.onChange?.();
    }
  }

  private failed(err: unknown): SyncError {
    const error =
      err instanceof SyncError
        ? err
        : new SyncError('CENTRAL_BAD_RESPONSE', 'sync round failed unexpectedly', true, {
            cause: err,
          });
    if (!(err instanceof SyncError)) this.deps.log.error({ err }, 'sync round failed unexpectedly');
    this.failures++;
    this.lastError = {
      code: error.code,
      message: error.message,
      at: this.deps.clock.now().toISOString(),
    };
    if (this.connected) {
      this.connected = false;
      this.disconnectedSince = this.deps.clock.now();
      this.deps.log.warn(
        { code: error.code, message: error.message },
        'lost the central Identity Manager',
      );
    }
    this.wasOffline = this.isOffline();
    this.deps.onChange?.();
    return error;
  }

  /** Sleep `ms`, or less: a nudge wakes it; a successful probe wakes it when probing. */
  private async waitOrProbe(ms: number, probe: boolean): Promise<void> {
    const until = Date.now() + ms;
    while (!this.stopped) {
      const left = until - Date.now();
      if (left <= 0) return;
      if (!probe) {
        await this.sleep(left);
        return;
      }
      await this.sleep(Math.min(left, this.deps.options.probeIntervalMs));
      if (this.stopped || Date.now() >= until) return;
      try {
        await this.deps.client.probe();
        this.deps.log.info('the central Identity Manager answers again');
        return;
      } catch {
        // Still away; an offline LED may be due now.
        if (!this.wasOffline && this.isOffline()) {
          this.wasOffline = true;
          this.deps.onChange?.();
        }
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }
}
