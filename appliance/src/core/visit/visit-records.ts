/**
 * The records around visits: the visit and its history, host notifications, invitations,
 * the barred persons list and its matches, the terms a walk-up accepted, and the store
 * ports that keep them. Plain data shapes and interfaces; no behaviour.
 */
import type { Page } from '../store-ports.js';
import type { CardType } from '../workflow/processes.js';
import type { NotificationState } from '../notification/notification-machine.js';
import type { VisitEventType, VisitState } from './visit-machine.js';

export interface VisitRecord {
  id: string;
  /** Null while an invited visitor is expected. */
  personId: string | null;
  hostPersonId: string | null;
  requestId: string | null;
  invitationId: string | null;
  state: VisitState;
  stateReason: string | null;
  arrivedAt: string | null;
  onSiteAt: string | null;
  endedAt: string | null;
  badgeReturned: boolean | null;
  createdAt: string;
  updatedAt: string;
}

export interface VisitTransitionRecord {
  visitId: string;
  fromState: VisitState | null;
  toState: VisitState;
  event: VisitEventType | 'create';
  actor: string;
  reason: string | null;
  at: string;
}

/** A visit as staff lists show it: who, from where, whose guest, which badge. */
export interface VisitView extends VisitRecord {
  name: string;
  company: string | null;
  kind: CardType;
  hostName: string | null;
  cardId: string | null;
  cardNumber: string | null;
  cardStatus: string | null;
  cardValidUntil: string | null;
  hasPhoto: boolean;
}

export type NotificationChannel = 'email' | 'webhook';
export type NotificationTopic = 'visitor_arrived' | 'card_ready' | 'visitor_left' | 'invitation';

export type NotificationContent =
  | { kind: 'email'; subject: string; text: string; html: string; attachments?: EmailAttachment[] }
  | { kind: 'webhook'; body: Record<string, unknown> };

export interface EmailAttachment {
  filename: string;
  contentType: string;
  /** Base64. */
  content: string;
  /** Content-ID for an inline image. */
  cid?: string;
}

export interface NotificationRecord {
  id: string;
  channel: NotificationChannel;
  topic: NotificationTopic;
  /** An e-mail address or the webhook URL. */
  recipient: string;
  language: string;
  visitId: string | null;
  invitationId: string | null;
  content: NotificationContent;
  state: NotificationState;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  sentAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export type InvitationState = 'open' | 'used' | 'withdrawn' | 'expired';

export interface InvitationRecord {
  id: string;
  codeHash: string;
  name: string | null;
  company: string | null;
  email: string | null;
  hostPersonId: string | null;
  processName: string;
  firstDay: string;
  lastDay: string;
  state: InvitationState;
  createdBy: string;
  centralId: string | null;
  requestId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface BarredPersonRecord {
  id: string;
  name: string;
  company: string | null;
  dateOfBirth: string | null;
  reason: string;
  createdBy: string;
  createdAt: string;
}

export interface BarredMatchRecord {
  requestId: string;
  barredPersonId: string;
  matchedOn: string[];
  at: string;
}

export interface TermsAcceptanceRecord {
  requestId: string;
  textSha256: string;
  language: string;
  acceptedAt: string;
}

export interface VisitQuery extends Page {
  state?: VisitState;
}

export interface VisitRepository {
  insert(v: VisitRecord): Promise<void>;
  get(id: string): Promise<VisitRecord | null>;
  getByRequest(requestId: string): Promise<VisitRecord | null>;
  getByInvitation(invitationId: string): Promise<VisitRecord | null>;
  forPerson(personId: string): Promise<VisitRecord[]>;
  /** An expected visit learns its person and request when the visitor arrives. */
  link(
    id: string,
    changes: { personId: string; requestId: string; updatedAt: string },
  ): Promise<void>;
  /** Update only if the state is still `expected`; false otherwise. */
  updateState(
    id: string,
    expected: VisitState,
    next: VisitState,
    changes: Partial<
      Pick<VisitRecord, 'stateReason' | 'arrivedAt' | 'onSiteAt' | 'endedAt' | 'badgeReturned'>
    > & {
      updatedAt: string;
    },
  ): Promise<boolean>;
  addTransition(t: VisitTransitionRecord): Promise<void>;
  transitions(visitId: string): Promise<VisitTransitionRecord[]>;
  list(q: VisitQuery): Promise<VisitView[]>;
  view(id: string): Promise<VisitView | null>;
  /** Visits on site whose card is collected (or active), not returned, valid at `nowIso`. */
  onSite(nowIso: string): Promise<VisitView[]>;
  /** Open visits (arrived, on site) that began before `iso`. */
  openSince(iso: string): Promise<VisitRecord[]>;
  /** The on-site visit whose card has this number. */
  onSiteByCardNumber(cardNumber: string): Promise<VisitRecord | null>;
  /** The same, by the card's CHUID GUID (a Digital ID read in the encoder's reader). */
  onSiteByCardGuid(guid: string): Promise<VisitRecord | null>;
  /** Ended visits whose badge never came back (its card is not returned). */
  unreturnedBadges(q: Page): Promise<VisitView[]>;
  /** Ended visits whose badge should be returned or revoked but is still usable. */
  endedWithUsableCard(): Promise<VisitRecord[]>;
  recordTerms(t: TermsAcceptanceRecord): Promise<void>;
  terms(requestId: string): Promise<TermsAcceptanceRecord | null>;
  hostLanguage(personId: string): Promise<string | null>;
  setHostLanguage(personId: string, language: string): Promise<void>;
}

export interface NotificationQuery extends Page {
  state?: NotificationState;
  visitId?: string;
}

export interface NotificationRepository {
  insert(n: NotificationRecord): Promise<void>;
  get(id: string): Promise<NotificationRecord | null>;
  /** Queued or retrying notifications due at `nowIso`, oldest first. */
  due(nowIso: string, limit: number): Promise<NotificationRecord[]>;
  /** The earliest next attempt of a queued or retrying notification. */
  nextDueAt(): Promise<string | null>;
  update(
    id: string,
    changes: Partial<
      Pick<NotificationRecord, 'state' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'sentAt'>
    > & { updatedAt: string },
  ): Promise<void>;
  list(q: NotificationQuery): Promise<NotificationRecord[]>;
  counts(): Promise<Record<NotificationState, number>>;
}

export interface InvitationRepository {
  insert(i: InvitationRecord): Promise<void>;
  get(id: string): Promise<InvitationRecord | null>;
  getByCodeHash(hash: string): Promise<InvitationRecord | null>;
  getByCentralId(centralId: string): Promise<InvitationRecord | null>;
  update(
    id: string,
    changes: Partial<
      Pick<InvitationRecord, 'state' | 'requestId' | 'name' | 'company' | 'email'>
    > & {
      updatedAt: string;
    },
  ): Promise<void>;
  list(q: Page & { state?: InvitationState }): Promise<InvitationRecord[]>;
  /** Open invitations whose last day is before `today` (YYYY-MM-DD): due to expire. */
  openEndedBefore(today: string): Promise<InvitationRecord[]>;
}

export interface BarredPersonRepository {
  insert(b: BarredPersonRecord, nameKey: string): Promise<void>;
  get(id: string): Promise<BarredPersonRecord | null>;
  delete(id: string): Promise<boolean>;
  /** Entries whose name key equals `nameKey`. */
  byNameKey(nameKey: string): Promise<BarredPersonRecord[]>;
  list(): Promise<BarredPersonRecord[]>;
  addMatch(m: BarredMatchRecord): Promise<void>;
  matches(requestId: string): Promise<(BarredMatchRecord & { barred: BarredPersonRecord })[]>;
  /** Requests with a match, for the approvals view. */
  requestsWithMatches(requestIds: readonly string[]): Promise<Set<string>>;
}

/** Deletion by age, for the retention job; every method returns how many it removed. */
export interface RetentionRepository {
  /** Visitors and contractors, not erased, with nothing open, and no activity since `cutoff`. */
  idlePersons(cutoffIso: string, limit: number): Promise<string[]>;
  /** Same persons as idlePersons, erased or not, that still have a photo. */
  idlePersonsWithPhoto(cutoffIso: string, limit: number): Promise<string[]>;
  /** Finished requests (and their card, attempts, history, visit) untouched since `cutoff`. */
  finishedRequests(cutoffIso: string, limit: number): Promise<string[]>;
  erasePerson(personId: string, at: string): Promise<void>;
  deletePhoto(personId: string, at: string): Promise<void>;
  deleteRequest(requestId: string): Promise<void>;
  /** Delete audit events before `cutoff`, keeping the chain verifiable from the first left. */
  deleteAuditBefore(cutoffIso: string): Promise<number>;
}
