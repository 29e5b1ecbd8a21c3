/**
 * The shapes the appliance's API sends, taken from its own schemas with `import type` so the
 * UI cannot drift from the server without a type error; the UI never imports its code.
 */
import type { Static } from '@sinclair/typebox';
import type {
  CardBody,
  PersonBody,
  RequestBody,
  UserBody,
} from '../../../appliance/src/http/schemas/common.js';
import type { HealthReport } from '../../../appliance/src/services/device-status-service.js';
import type { RequestState } from '../../../appliance/src/core/workflow/request-machine.js';
import type { StaffRole } from '../../../appliance/src/core/roles.js';
import type { CardStatus } from '../../../appliance/src/core/records.js';
import type { CardType, IdType } from '../../../appliance/src/core/workflow/processes.js';
import type { CardRevocationReason } from '../../../appliance/src/services/card-service.js';

export type { CardRevocationReason, CardStatus, HealthReport, RequestState, StaffRole };
export type Person = Static<typeof PersonBody>;
export type CardRequest = Static<typeof RequestBody> & { state: RequestState };
/** The schema sends these as strings; the store holds only the domain's values. */
export type Card = Static<typeof CardBody> & {
  status: CardStatus;
  cardType: CardType;
  idType: IdType;
};
export type User = Static<typeof UserBody> & { roles: StaffRole[] };
export type WalkUpKind = 'visitor' | 'contractor' | 'employee';

export interface SelfServiceOptions {
  kinds: WalkUpKind[];
  /** Whether the printer and encoder can serve a request now. */
  ready: boolean;
  notReadyReason: string | null;
  /** The site's identity from the device configuration. */
  site?: { name: string; accentColor: string | null; logoUrl: string | null };
}

export interface WalkUpStatus {
  state: RequestState;
  processLabel: string;
  reason: string | null;
  holderName: string;
  updatedAt: string;
}

export interface WalkUpSubmission {
  kind: WalkUpKind;
  name: string;
  company?: string;
  email?: string;
  hostPersonId?: string;
  purpose?: string;
  validUntil?: string;
  photo?: { mimeType: 'image/jpeg'; base64: string };
  acceptTerms: true;
  /** SHA-256 of the terms text shown (GET /api/self-service/terms), and its language. */
  termsVersion?: string;
  language?: string;
}

export interface WalkUpReceipt {
  statusCode: string;
  qrPayload: string;
  state: RequestState;
  processLabel: string;
}

export interface Host {
  id: string;
  name: string;
}

export interface ProcessInfo {
  name: string;
  label: string;
  idType: string;
  cardType: string;
  channel: string;
  approval: boolean;
  needsCertificate: boolean;
  enabled: boolean;
}

export interface RequestDetail {
  request: CardRequest;
  person: Person;
  process: { name: string; label: string; idType: string; cardType: string; approval: boolean };
  card: Card | null;
  /** The employee a visitor comes to see. */
  host: Host | null;
  transitions: Array<{
    fromState: string | null;
    toState: string;
    event: string;
    actor: string;
    reason: string | null;
    at: string;
  }>;
  attempts: Array<{
    attempt: number;
    outcome: string;
    reason: string | null;
    spoiledCards: number;
    startedAt: string;
    finishedAt: string | null;
  }>;
}

export interface Batch {
  id: string;
  name: string;
  state: 'open' | 'running' | 'completed';
  createdBy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface BatchReport {
  batch: Batch;
  members: Array<{
    requestId: string;
    holderName: string;
    cardNumber: string | null;
    state: RequestState;
    reason: string | null;
    attempts: number;
    spoiledCards: number;
  }>;
  totals: {
    members: number;
    produced: number;
    failed: number;
    cancelled: number;
    waiting: number;
    spoiledCards: number;
  };
}

export interface AuditEvent {
  seq: number;
  at: string;
  actor: string;
  action: string;
  objectType: string;
  objectId: string;
  details: Record<string, unknown>;
}

export interface Collected {
  request: CardRequest;
  cardNumber: string;
  holderName: string;
  pin: string;
}

export interface RequestChangedEvent {
  requestId: string;
  state: RequestState;
  processName: string;
  batchId: string | null;
}

/** `GET /api/cards/:id/lifecycle`: a card's hold, history, links and what the asker may do. */
export interface CardLifecycle {
  card: Card;
  /** same-chip: the card goes in the encoder and the holder types their PIN. */
  renewal?: 'same-chip' | 'new-card';
  holderName: string;
  personId: string;
  processName: string;
  hold: { kind: string; by: string; reason: string | null; since: string } | null;
  history: Array<{
    fromStatus: string;
    toStatus: string;
    event: string;
    actor: string;
    reason: string | null;
    at: string;
  }>;
  links: Array<{
    kind: string;
    direction: string;
    requestId: string;
    cardId: string | null;
    cardNumber: string | null;
    reason: string | null;
    at: string;
  }>;
  actions: CardLifecycleAction[];
}

export type CardLifecycleAction =
  | 'suspend'
  | 'resume'
  | 'forgotten_badge'
  | 'temporary_ended'
  | 'revoke'
  | 'replace'
  | 'return'
  | 'renew'
  | 'expire'
  | 'unblock_pin'
  | 'change_pin';

export type CardReplaceReason = 'lost' | 'stolen' | 'damaged' | 'compromised';

export interface PinOptions {
  source: 'device-copy' | 'central-release' | 'none';
  reason: string | null;
  pinLength: number;
}

export interface CardActionResult {
  card: Card;
  newRequestId: string | null;
}

/** An invitation found at the kiosk by its QR code or short code. */
export interface InvitationDetails {
  name: string;
  company: string | null;
  hostName: string | null;
  processLabel: string;
  kind: string;
  lastDay: string;
}

/** The site terms as the server generates them from its settings, with their version. */
export interface SiteTerms {
  language: string;
  text: string;
  /** SHA-256 of the text: what a request records as accepted. */
  version: string;
}

/** A visit as staff see it (GET /api/visits…). */
export interface Visit {
  id: string;
  state: string;
  stateReason: string | null;
  name: string;
  company: string | null;
  kind: string;
  hostName: string | null;
  cardNumber: string | null;
  cardStatus: string | null;
  badgeReturned: boolean | null;
  onSiteAt: string | null;
  endedAt: string | null;
}

export interface Invitation {
  id: string;
  name: string | null;
  company: string | null;
  email: string | null;
  firstDay: string;
  lastDay: string;
  state: string;
  processName: string;
}

/** A host notification or invitation e-mail in the queue (never its body). */
export interface HostNotification {
  id: string;
  channel: string;
  topic: string;
  recipient: string;
  state: string;
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
  createdAt: string;
}
