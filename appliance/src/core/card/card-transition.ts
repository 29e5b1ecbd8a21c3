/**
 * The card lifecycle's transition function, in the style of the request one: given a card,
 * an event, an actor and the day, either the next status and the effects to carry out, or a
 * TransitionRejectedError that says why not. Pure and deterministic.
 */
import { TransitionRejectedError } from '../errors.js';
import { actorRoles, type Actor } from '../roles.js';
import {
  CARD_GUARDS,
  type CardEvent,
  type CardGuardContext,
  type CardGuardRejection,
  type CardSnapshot,
} from './card-guards.js';
import {
  CARD_LIFECYCLE,
  type CardEffectName,
  type CardGuardName,
  type CardLifecycleState,
  type CardStateTable,
} from './card-lifecycle.js';

export interface CardTransitionOutcome {
  from: CardLifecycleState;
  next: CardLifecycleState;
  effects: readonly CardEffectName[];
}

export function transitionCard(
  card: CardSnapshot,
  event: CardEvent,
  actor: Actor,
  days: { today: string; renewalWindowEnd: string },
  table: CardStateTable = CARD_LIFECYCLE,
): CardTransitionOutcome {
  const candidates = table[card.status][event.type];
  if (!candidates || candidates.length === 0) {
    throw new TransitionRejectedError(
      'TRANSITION_NOT_ALLOWED',
      `"${event.type.replace(/_/g, ' ')}" is not possible while the card is ${card.status}`,
    );
  }
  const roles = actorRoles(actor);
  const permitted = candidates.filter((c) => c.roles.some((r) => roles.includes(r)));
  if (permitted.length === 0) {
    throw new TransitionRejectedError(
      'ROLE_NOT_ALLOWED',
      `"${event.type.replace(/_/g, ' ')}" needs one of the roles: ${[...new Set(candidates.flatMap((c) => c.roles))].join(', ')}`,
    );
  }
  const ctx: CardGuardContext = { card, event, actor, ...days };
  let firstRejection: CardGuardRejection | null = null;
  for (const candidate of permitted) {
    const rejection = firstFailingGuard(candidate.guards ?? [], ctx);
    if (rejection === null)
      return { from: card.status, next: candidate.target, effects: candidate.effects ?? [] };
    firstRejection ??= rejection;
  }
  const r = firstRejection as CardGuardRejection;
  throw new TransitionRejectedError(r.code, r.message);
}

function firstFailingGuard(
  guards: readonly CardGuardName[],
  ctx: CardGuardContext,
): CardGuardRejection | null {
  for (const name of guards) {
    const rejection = CARD_GUARDS[name](ctx);
    if (rejection) return rejection;
  }
  return null;
}
