/**
 * The records the workflow keeps: persons, card requests, card objects, production attempts,
 * batches, staff users and sessions, audit and outbox events. Plain data shapes shared by
 * core, services and store; no behaviour.
 */
import type { StaffRole } from './roles.js';
import type { CardType, Channel, IdType } from './workflow/processes.js';
import type { RequestEventType, RequestState } from './workflow/request-machine.js';

export interface Photo {
  mimeType: 'image/jpeg' | 'image/png';
  data: Uint8Array;
}

export interface PersonRecord {
  id: string;
  kind: CardType;
  name: string;
  company: string | null;
  email: string | null;
  /** Visitors: the employee they visit. */
  hostPersonId: string | null;
  /** Visitors and contractors: end of their stay or engagement. */
  validUntil: string | null;
  photo: Photo | null;
  /** Id in the central Identity Manager, once synced. */
  centralId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface RequestRecord {
  id: string;
  processName: string;
  personId: string;
  channel: Channel;
  state: RequestState;
  /** Why the request is in its state (rejection, failure or cancellation reason). */
  stateReason: string | null;
  requestedByUserId: string | null;
  requestedBy: string;
  /** SHA-256 of the walk-up status code; the code itself is never stored. */
  statusCodeHash: string | null;
  batchId: string | null;
  purpose: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface TransitionRecord {
  requestId: string;
  fromState: RequestState | null;
  toState: RequestState;
  event: RequestEventType | 'create';
  actor: string;
  reason: string | null;
  at: string;
}

/** Life of a card object (DESIGN.md §2); this workflow moves it up to collected. */
export const CARD_STATUSES = [
  'generated',
  'produced',
  'collected',
  'active',
  'suspended',
  'revoked',
  'returned',
  'expired',
  'cancelled',
] as const;
export type CardStatus = (typeof CARD_STATUSES)[number];

export interface CardRecord {
  id: string;
  requestId: string;
  cardNumber: string;
  cardType: CardType;
  idType: IdType;
  status: CardStatus;
  /** PIN sealed with the device key until it is revealed at collection, then null. */
  pinSealed: string | null;
  /**
   * PUK sealed with the device key, for writing it to the chip; never revealed. Emptied ('')
   * once the card can no longer be produced and the escrowed copy exists (see pukEscrow).
   */
  pukSealed: string;
  /** PUK sealed to the central Identity Manager's public key: the device cannot open it. */
  pukEscrow?: string | null;
  /** CHUID GUID, 32 hex digits. */
  guid: string;
  validFrom: string;
  validUntil: string;
  chipSerial: string | null;
  certificateDer: Uint8Array | null;
  /** Serial (lowercase hex) of the Digital ID certificate, for revocation. */
  certificateSerial: string | null;
  /** Why the card was revoked or returned. */
  revocationReason: string | null;
  /**
   * Key attestation checked before the CA certified the card key (Digital ID):
   * verified | not_supported | unverified | not_checked; null before production or for
   * Physical ID.
   */
  attestation?: string | null;
  /** The attestation check in plain words (root, serial, firmware, or why not). */
  attestationDetail?: string | null;
  /** Algorithm of the per-card management key on the chip ('3DES', 'AES-192', …). */
  managementKeyAlgorithm?: string | null;
  pinRevealedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export type AttemptOutcome = 'running' | 'succeeded' | 'failed';

export interface ProductionAttemptRecord {
  id: string;
  requestId: string;
  cardId: string;
  attempt: number;
  batchId: string | null;
  startedAt: string;
  finishedAt: string | null;
  outcome: AttemptOutcome;
  reason: string | null;
  /** Blank cards taken from the feeder and spoiled by this attempt. */
  spoiledCards: number;
  bytesSent: number;
  printer: string;
  encoder: string;
  /** When the printer acknowledged feeding this attempt's blank; null: none was fed yet. */
  cardFedAt?: string | null;
}

export type BatchState = 'open' | 'running' | 'completed';

export interface BatchRecord {
  id: string;
  name: string;
  state: BatchState;
  createdBy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface UserRecord {
  id: string;
  username: string;
  displayName: string;
  roles: StaffRole[];
  passcodeHash: string;
  mustChangePasscode: boolean;
  failedAttempts: number;
  lockedUntil: string | null;
  disabled: boolean;
  createdAt: string;
}

export interface SessionRecord {
  tokenHash: string;
  userId: string;
  createdAt: string;
  expiresAt: string;
  lastSeenAt: string;
}

export interface AuditEventInput {
  actor: string;
  action: string;
  objectType:
    | 'request'
    | 'card'
    | 'person'
    | 'batch'
    | 'user'
    | 'device'
    | 'visit'
    | 'notification'
    | 'invitation'
    | 'barred_person'
    | 'retention';
  objectId: string;
  /** Never a secret: PINs, PUKs, passcodes and keys stay out of the audit trail. */
  details: Record<string, unknown>;
}

export interface AuditEventRecord extends AuditEventInput {
  seq: number;
  at: string;
  prevHash: string;
  hash: string;
}

export interface OutboxEventInput {
  aggregateType: 'request' | 'card' | 'person' | 'batch';
  aggregateId: string;
  type: string;
  payload: Record<string, unknown>;
  /** Lower sends first (revocations use 0); default 10. */
  priority?: number;
}

export interface OutboxEventRecord extends Required<OutboxEventInput> {
  /** Unique id, the idempotency key of the write to the central Identity Manager. */
  id: string;
  seq: number;
  createdAt: string;
  sentAt: string | null;
}
