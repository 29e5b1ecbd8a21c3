/**
 * The port to the central Identity Manager. The relay and the inbox speak only this; the
 * SCIM 2.0 adapter (appliance/src/central/) is one implementation, and a vendor adapter
 * (for example an Identity Manager's process REST API) can be another without touching
 * the workflow.
 *
 * Contract: every call has a timeout and fails with a SyncError whose `transient` says
 * whether trying again later can help. `deliver` never reports an event as applied unless
 * the centre acknowledged it in a well-formed answer.
 */
import type { OutboxEventRecord } from '../../core/records.js';
import type { CardType } from '../../core/workflow/processes.js';

export interface DeliveryOutcome {
  eventId: string;
  /**
   * applied: the centre applied it now; duplicate: it had applied this idempotency key
   * before (the first result is returned); rejected: refused for good (a 4xx on that write).
   */
  status: 'applied' | 'duplicate' | 'rejected';
  /** The centre's id of the object, when the event created it. */
  centralId?: string;
  /** Why it was rejected (the centre's words; never a secret). */
  reason?: string;
}

export interface CentralPerson {
  centralId: string;
  /** The device's own person id, when the person was created at this device. */
  externalId: string | null;
  kind: CardType;
  name: string;
  company: string | null;
  email: string | null;
  validUntil: string | null;
  active: boolean;
}

export interface CentralDecision {
  /** The device's request id. */
  requestId: string;
  decision: 'approve' | 'reject';
  reason: string | null;
  by: string;
}

export interface CentralRevocation {
  /** The device's card id. */
  cardId: string;
  reason: string;
  by: string;
}

/** A suspension or resumption decided centrally; `at` identifies the decision. */
export interface CentralCardHold {
  /** The device's card id. */
  cardId: string;
  action: 'suspend' | 'resume';
  reason: string | null;
  by: string;
  at: string;
}

/** A visitor the centre expects at this device's site; `state` withdrawn calls it off. */
export interface CentralInvitation {
  centralId: string;
  name: string;
  company: string | null;
  email: string;
  /** The host's centre (User) id. */
  hostCentralId: string;
  firstDay: string;
  lastDay: string;
  processName: string | null;
  language: string | null;
  state: 'open' | 'withdrawn';
  by: string;
}

export interface CentralNumberRange {
  id: string;
  first: number;
  last: number;
}

export interface CentralChanges {
  persons: CentralPerson[];
  decisions: CentralDecision[];
  revocations: CentralRevocation[];
  /** Central suspensions and resumptions (absent from clients that do not know them). */
  holds?: CentralCardHold[];
  /** Invitations for this device's site (absent from clients that do not know them). */
  invitations?: CentralInvitation[];
  numberRanges: CentralNumberRange[];
  /** Opaque; pass back as `since` next time. Store it only after applying the changes. */
  watermark: string;
}

export interface IdentityManagerClient {
  /** What it talks to, for /health ("scim"). */
  readonly kind: string;
  /** A cheap request that succeeds when the centre answers. */
  probe(): Promise<void>;
  /**
   * Deliver events, in the given order per aggregate. `centralIds` holds the centre's ids of
   * objects created earlier, by `${aggregateType}:${aggregateId}`, including every person the
   * events refer to (holders, hosts) whose centre id the device knows. Returns outcomes for the
   * events the centre acknowledged, which may be fewer than given (the rest are to be sent
   * again); never an outcome for an event of an aggregate after one that was not acknowledged.
   */
  deliver(
    events: readonly OutboxEventRecord[],
    centralIds: ReadonlyMap<string, string>,
  ): Promise<DeliveryOutcome[]>;
  /** What changed at the centre since the watermark (null: everything). */
  pullChanges(since: string | null): Promise<CentralChanges>;
  /** Lease a new card-number range; the same key always returns the same range. */
  leaseNumberRange(key: string, size: number): Promise<CentralNumberRange>;
  close(): Promise<void>;
}

export type SyncErrorCode =
  | 'CENTRAL_UNREACHABLE'
  | 'CENTRAL_TIMEOUT'
  | 'CENTRAL_ERROR_STATUS'
  | 'CENTRAL_BAD_RESPONSE'
  | 'SYNC_NOT_CONFIGURED';

/** A failed exchange with the centre. The message never carries a secret or a payload. */
export class SyncError extends Error {
  override readonly name = 'SyncError';
  constructor(
    readonly code: SyncErrorCode,
    message: string,
    readonly transient: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Transport failures: the centre did not answer at all (worth probing for its return). */
  get unreachable(): boolean {
    return this.code === 'CENTRAL_UNREACHABLE' || this.code === 'CENTRAL_TIMEOUT';
  }
}

/** The person ids an event names besides its own aggregate: a card's holder, a request's person, a visitor's host. */
export function referencedPersonIds(e: OutboxEventRecord): string[] {
  const p = e.payload;
  return [p.personId, p.hostPersonId].filter((v): v is string => typeof v === 'string' && !!v);
}

/** The `centralIds` key of a person. */
export const personKey = (personId: string): string => `person:${personId}`;
