/**
 * The store port of the card lifecycle: a card's history of lifecycle changes, why it is on
 * hold, its links to the cards made for the same person after it (replacement, renewal,
 * temporary card), PUK releases, and the queries the scheduler and the renewal list need.
 * The SQLite adapter is store/sqlite-card-lifecycle-repository.ts (migration 0017).
 */
import type { CardRecord } from '../records.js';
import type { HoldKind } from './card-guards.js';
import type { CardEventType, CardLifecycleState } from './card-lifecycle.js';

export interface CardHoldRecord {
  cardId: string;
  kind: HoldKind;
  /** Staff user who placed it (null: the centre or the appliance). */
  byUserId: string | null;
  by: string;
  reason: string | null;
  since: string;
}

export type CardLinkKind = 'replacement' | 'renewal' | 'temporary';

/** The card `cardId` was followed by the request `requestId` (whose card is the new one). */
export interface CardLinkRecord {
  cardId: string;
  requestId: string;
  kind: CardLinkKind;
  reason: string | null;
  createdAt: string;
}

export interface CardTransitionRecord {
  cardId: string;
  fromStatus: CardLifecycleState;
  toStatus: CardLifecycleState;
  event: CardEventType;
  actor: string;
  reason: string | null;
  at: string;
}

/** A same-chip renewal in flight (migration 0040, card-renewal-service.ts). */
export interface CardRenewalRecord {
  cardId: string;
  /** 'issued': the CA issued `newSerial`, the card may or may not hold it; 'recorded': saved. */
  stage: 'issued' | 'recorded';
  newSerial: string;
  oldSerial: string | null;
  at: string;
}

export interface CardLifecycleRepository {
  setRenewal(r: CardRenewalRecord): Promise<void>;
  renewal(cardId: string): Promise<CardRenewalRecord | null>;
  renewals(): Promise<CardRenewalRecord[]>;
  clearRenewal(cardId: string): Promise<void>;
  hold(cardId: string): Promise<CardHoldRecord | null>;
  setHold(h: CardHoldRecord): Promise<void>;
  clearHold(cardId: string): Promise<void>;
  addTransition(t: CardTransitionRecord): Promise<void>;
  transitions(cardId: string): Promise<CardTransitionRecord[]>;
  addLink(l: CardLinkRecord): Promise<void>;
  /** Links from this card to the requests made after it. */
  linksFrom(cardId: string): Promise<CardLinkRecord[]>;
  /** The link that made this request, if it follows a card. */
  linkToRequest(requestId: string): Promise<CardLinkRecord | null>;
  /** Cards not ended (produced, collected, active, suspended) whose last valid day is before `today`. */
  pastValidity(today: string, limit: number): Promise<CardRecord[]>;
  /** Cards in use (collected, active, suspended) valid until a day in [from, until], soonest first. */
  expiringBetween(from: string, until: string, limit: number): Promise<CardRecord[]>;
  /** Suspended cards held for a temporary card (for recovery at start). */
  heldFor(kind: HoldKind): Promise<CardHoldRecord[]>;
}
