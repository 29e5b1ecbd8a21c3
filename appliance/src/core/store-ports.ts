/**
 * Store ports: what the services need from persistence, by role. The SQLite adapters in
 * store/ implement them. A transaction either writes everything it was given (state change,
 * audit event, outbox event) or nothing; when `transaction` resolves, the change is on disk.
 */
import type { NumberRange } from './card/card-number.js';
import type {
  AuditEventInput,
  AuditEventRecord,
  BatchRecord,
  BatchState,
  CardRecord,
  CardStatus,
  OutboxEventInput,
  OutboxEventRecord,
  PersonRecord,
  ProductionAttemptRecord,
  RequestRecord,
  SessionRecord,
  TransitionRecord,
  UserRecord,
} from './records.js';
import type { CardType } from './workflow/processes.js';
import type {
  BarredPersonRepository,
  InvitationRepository,
  NotificationRepository,
  RetentionRepository,
  VisitRepository,
} from './visit/visit-records.js';
import type { RequestState } from './workflow/request-machine.js';
import type { ScheduledJobRepository } from './scheduler/scheduled-job-store.js';
import type { CardLifecycleRepository } from './card/card-lifecycle-store.js';

export interface Page {
  limit: number;
  offset: number;
}

export interface PersonQuery extends Page {
  text?: string;
  kind?: CardType;
}

export interface RequestQuery extends Page {
  state?: RequestState;
  processName?: string;
  personId?: string;
  batchId?: string;
  channel?: string;
}

export interface CardQuery extends Page {
  status?: CardStatus;
  cardNumber?: string;
  requestId?: string;
}

export interface AuditQuery extends Page {
  objectType?: string;
  objectId?: string;
  actor?: string;
  action?: string;
}

/** Fields that change after a person is created (directory updates, the centre's id). */
export type PersonUpdatableField =
  'name' | 'company' | 'email' | 'validUntil' | 'centralId' | 'updatedAt';

export interface PersonRepository {
  insert(p: PersonRecord): Promise<void>;
  get(id: string): Promise<PersonRecord | null>;
  getByCentralId(centralId: string): Promise<PersonRecord | null>;
  update(id: string, changes: Partial<Pick<PersonRecord, PersonUpdatableField>>): Promise<void>;
  search(q: PersonQuery): Promise<PersonRecord[]>;
}

export interface RequestRepository {
  insert(r: RequestRecord): Promise<void>;
  get(id: string): Promise<RequestRecord | null>;
  getByStatusCodeHash(hash: string): Promise<RequestRecord | null>;
  /** Update state (and reason, batch) only if the state is still `expected`; false otherwise. */
  updateState(
    id: string,
    expected: RequestState,
    next: RequestState,
    changes: { stateReason: string | null; batchId?: string | null; updatedAt: string },
  ): Promise<boolean>;
  list(q: RequestQuery): Promise<RequestRecord[]>;
  count(q: Omit<RequestQuery, 'limit' | 'offset'>): Promise<number>;
  inStates(states: readonly RequestState[]): Promise<RequestRecord[]>;
  /** Replace a walk-up's status code (by its hash), e.g. when the first was never shown. */
  setStatusCodeHash(id: string, hash: string, updatedAt: string): Promise<void>;
  addTransition(t: TransitionRecord): Promise<void>;
  transitions(requestId: string): Promise<TransitionRecord[]>;
}

export interface CardRepository {
  insert(c: CardRecord): Promise<void>;
  get(id: string): Promise<CardRecord | null>;
  getByRequest(requestId: string): Promise<CardRecord | null>;
  /** The card whose chip carries this CHUID GUID (32 hex digits). */
  getByGuid(guid: string): Promise<CardRecord | null>;
  update(
    id: string,
    changes: Partial<Omit<CardRecord, 'id' | 'requestId' | 'cardNumber'>>,
  ): Promise<void>;
  list(q: CardQuery): Promise<CardRecord[]>;
  /** Cards whose PUK is not escrowed to the centre yet while the device still holds it. */
  withoutEscrow(limit: number): Promise<CardRecord[]>;
  /** Destroys PINs still kept for an answer of cards collected before `before`; how many. */
  destroyRevealedPins(before: string): Promise<number>;
}

export interface ProductionAttemptRepository {
  insert(a: ProductionAttemptRecord): Promise<void>;
  finish(
    id: string,
    outcome: 'succeeded' | 'failed',
    changes: { finishedAt: string; reason: string | null; spoiledCards: number; bytesSent: number },
  ): Promise<void>;
  forRequest(requestId: string): Promise<ProductionAttemptRecord[]>;
  running(): Promise<ProductionAttemptRecord[]>;
  /** The printer acknowledged that this attempt's blank left the feeder. */
  markCardFed(id: string, at: string): Promise<void>;
  spoiledTotal(): Promise<number>;
}

export interface BatchRepository {
  insert(b: BatchRecord): Promise<void>;
  get(id: string): Promise<BatchRecord | null>;
  getByName(name: string): Promise<BatchRecord | null>;
  setState(
    id: string,
    state: BatchState,
    at: { startedAt?: string; finishedAt?: string },
  ): Promise<void>;
  list(q: Page & { state?: BatchState }): Promise<BatchRecord[]>;
}

export interface NumberRangeRepository {
  /** Ranges in allocation order. */
  all(): Promise<NumberRange[]>;
  /** Add a range unless one with the same id exists; refuses overlaps. */
  ensure(range: { id: string; first: number; last: number }): Promise<void>;
  advance(id: string, next: number): Promise<void>;
}

export interface UserRepository {
  insert(u: UserRecord): Promise<void>;
  get(id: string): Promise<UserRecord | null>;
  getByUsername(username: string): Promise<UserRecord | null>;
  update(
    id: string,
    changes: Partial<Omit<UserRecord, 'id' | 'username' | 'createdAt'>>,
  ): Promise<void>;
  list(): Promise<UserRecord[]>;
  count(): Promise<number>;
}

export interface SessionRepository {
  insert(s: SessionRecord): Promise<void>;
  get(tokenHash: string): Promise<SessionRecord | null>;
  delete(tokenHash: string): Promise<void>;
  deleteForUser(userId: string): Promise<void>;
}

export interface AuditLog {
  /** Append an event chained to the previous one by hash. */
  append(e: AuditEventInput, at: string): Promise<AuditEventRecord>;
  list(q: AuditQuery): Promise<AuditEventRecord[]>;
  /** Recompute the chain; returns the first broken sequence number, or null when intact. */
  verify(): Promise<{ ok: boolean; events: number; brokenAt: number | null }>;
}

export interface Outbox {
  add(e: OutboxEventInput, at: string): Promise<OutboxEventRecord>;
  pending(limit: number): Promise<OutboxEventRecord[]>;
  countPending(): Promise<number>;
  /**
   * The next events to deliver, at most `limit`: every event of an aggregate that has an
   * urgent (low priority value) event waiting comes first, in seq order, so a revocation
   * jumps the queue without overtaking the earlier events of its own card; then the rest in
   * seq order. Rejected events are skipped.
   */
  nextForDelivery(limit: number): Promise<OutboxEventRecord[]>;
  /** Mark events delivered (acknowledged by the centre). Already-marked ones are left as they are. */
  markSent(ids: readonly string[], at: string): Promise<void>;
  /** The centre refused this event for good: keep it, count it, stop resending it. */
  markRejected(id: string, reason: string, at: string): Promise<void>;
  /** Waiting events, rejected ones, and the oldest waiting event's creation time. */
  deliveryStats(): Promise<{ pending: number; rejected: number; oldestPendingAt: string | null }>;
  /** The centre's ids for the device's objects, by `${aggregateType}:${aggregateId}`. */
  centralIds(
    keys: readonly { aggregateType: string; aggregateId: string }[],
  ): Promise<Map<string, string>>;
  linkCentralId(
    aggregateType: string,
    aggregateId: string,
    centralId: string,
    at: string,
  ): Promise<void>;
  /** Small durable sync facts (pull watermark, a pending number-range lease key). */
  syncValue(key: string): Promise<string | null>;
  setSyncValue(key: string, value: string | null): Promise<void>;
}

/**
 * One Idempotency-Key's record. It is claimed (statusCode 0, no body yet) in the transaction
 * of the change it belongs to, and answered once the response exists. Secret fields of the
 * answer are kept only sealed, and only until the answer has been delivered once.
 */
export interface IdempotencyRecord {
  key: string;
  scope: string;
  fingerprint: string;
  /** 0 while the change is committed but its answer not yet stored. */
  statusCode: number;
  /** The answer's JSON without its secret fields ('' while unanswered). */
  body: string;
  createdAt: string;
  /** The secret fields of the answer, sealed, until it was delivered. */
  secretsSealed: string | null;
  /** When the answer with its secrets was delivered; a replay is refused after that. */
  secretsShownAt: string | null;
  /** What the change created, for rebuilding an answer a crash lost (e.g. a request id). */
  resourceId: string | null;
}

export interface IdempotencyRepository {
  get(scope: string, key: string): Promise<IdempotencyRecord | null>;
  /** Inserts a record (claimed or answered); fails if the key is already recorded. */
  put(r: IdempotencyRecord): Promise<void>;
  /** Stores the answer of a claimed record. */
  answer(
    scope: string,
    key: string,
    answer: { statusCode: number; body: string; secretsSealed: string | null },
  ): Promise<void>;
  /** The answer's secrets were delivered: drop their sealed copy. */
  secretsShown(scope: string, key: string, at: string): Promise<void>;
  /** Drops sealed secrets of records created before `before`; returns how many. */
  expireSecrets(before: string, at: string): Promise<number>;
}

/** Everything a transaction can touch. */
export interface StoreTx {
  persons: PersonRepository;
  requests: RequestRepository;
  cards: CardRepository;
  attempts: ProductionAttemptRepository;
  batches: BatchRepository;
  numberRanges: NumberRangeRepository;
  users: UserRepository;
  sessions: SessionRepository;
  audit: AuditLog;
  outbox: Outbox;
  idempotency: IdempotencyRepository;
  /** The durable scheduler's record of each job's last run. */
  scheduledJobs: ScheduledJobRepository;
  /** Card lifecycle after production: history, holds, links. */
  cardLifecycle: CardLifecycleRepository;
  visits: VisitRepository;
  notifications: NotificationRepository;
  invitations: InvitationRepository;
  barred: BarredPersonRepository;
  retention: RetentionRepository;
}

export interface Store {
  /** Run fn in one write transaction, serialised with every other use of the store. */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** Run reads that see only committed data, serialised with writes. */
  read<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** Whether the database accepts a write now (for /health). */
  isWritable(): Promise<boolean>;
  close(): Promise<void>;
}
