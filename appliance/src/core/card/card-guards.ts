/**
 * Guard implementations for the card lifecycle table. A guard looks at the card, the event
 * and the actor and either lets the transition through (null) or says why not. Dates are
 * calendar dates ('YYYY-MM-DD') in the device's time zone, handed in by the service, so the
 * guards never read a clock. Pure; depends on nothing outside core.
 */
import type { TransitionRejectionCode } from '../errors.js';
import type { Actor } from '../roles.js';
import { MAX_REASON_LENGTH } from '../workflow/guards.js';
import type { CardType, IdType } from '../workflow/processes.js';
import {
  CARD_REVOKE_REASONS,
  type CardEventType,
  type CardGuardName,
  type CardLifecycleState,
  type CardRevokeReason,
} from './card-lifecycle.js';

export type HoldKind = 'staff' | 'central' | 'temporary_card';

export interface CardSnapshot {
  id: string;
  status: CardLifecycleState;
  cardType: CardType;
  idType: IdType;
  /** Last valid day. */
  validUntil: string;
  /** Set when this card is a temporary card standing in for another. */
  temporaryForCardId: string | null;
  /** Why and by whom the card is on hold, while suspended. */
  hold: { kind: HoldKind; byUserId: string | null } | null;
  /** How the card type's profile renews this card. */
  renewal: 'same-chip' | 'new-card';
}

export interface CardEvent {
  type: CardEventType;
  reason?: string;
  revokeReason?: CardRevokeReason;
}

export interface CardGuardContext {
  card: CardSnapshot;
  event: CardEvent;
  actor: Actor;
  /** Today in the device's time zone, and the last day of the renewal window. */
  today: string;
  renewalWindowEnd: string;
}

export interface CardGuardRejection {
  code: TransitionRejectionCode;
  message: string;
}

type Guard = (ctx: CardGuardContext) => CardGuardRejection | null;

const mismatch = (message: string): CardGuardRejection => ({
  code: 'PROCESS_MISMATCH',
  message,
});

export const CARD_GUARDS: Readonly<Record<CardGuardName, Guard>> = {
  reasonGiven: ({ event }) => {
    const reason = event.reason?.trim() ?? '';
    if (reason.length === 0)
      return { code: 'REASON_REQUIRED', message: `"${event.type}" needs a reason` };
    if (reason.length > MAX_REASON_LENGTH)
      return {
        code: 'REASON_REQUIRED',
        message: `the reason is longer than ${MAX_REASON_LENGTH} characters`,
      };
    return null;
  },
  revocationReasonGiven: ({ event }) =>
    event.revokeReason && (CARD_REVOKE_REASONS as readonly string[]).includes(event.revokeReason)
      ? null
      : {
          code: 'REASON_REQUIRED',
          message: `"${event.type}" needs a reason: ${CARD_REVOKE_REASONS.join(', ')}`,
        },
  notSuspender: ({ card, actor }) =>
    actor.kind === 'staff' && card.hold?.byUserId === actor.userId
      ? {
          code: 'SEPARATION_OF_DUTIES',
          message: 'whoever suspended a card cannot resume it (separation of duties)',
        }
      : null,
  heldByStaffOrCentre: ({ card }) =>
    card.hold?.kind === 'temporary_card'
      ? mismatch(
          'this card is on hold while its holder has a temporary card; it resumes when the temporary card is returned or expires',
        )
      : null,
  heldForTemporaryCard: ({ card }) =>
    card.hold?.kind === 'temporary_card'
      ? null
      : mismatch('this card is not on hold for a temporary card'),
  employeeCard: ({ card }) =>
    card.cardType === 'employee'
      ? null
      : mismatch('only an employee card has a temporary stand-in'),
  temporaryCard: ({ card }) =>
    card.temporaryForCardId ? null : mismatch('this card is not a temporary card'),
  notTemporaryCard: ({ card, event }) =>
    card.temporaryForCardId
      ? mismatch(`a temporary card cannot be used for "${event.type}"; return it instead`)
      : null,
  validityPassed: ({ card, today }) =>
    card.validUntil < today ? null : mismatch(`the card is valid until ${card.validUntil}`),
  withinRenewalWindow: ({ card, today, renewalWindowEnd }) =>
    card.validUntil >= today && card.validUntil <= renewalWindowEnd
      ? null
      : mismatch(
          `the card is valid until ${card.validUntil}; renewal opens when it expires by ${renewalWindowEnd}`,
        ),
  renewsOnSameChip: ({ card }) =>
    card.idType === 'digital' && card.renewal === 'same-chip'
      ? null
      : mismatch('this card is renewed by a new card'),
  renewsByNewCard: ({ card }) =>
    card.idType === 'physical' || card.renewal === 'new-card'
      ? null
      : mismatch('this card is renewed on its chip'),
};
