/**
 * The transition function: given a process, a request, an event and an actor, either the
 * next state and the effects to carry out, or a TransitionRejectedError that says why not.
 * Pure and deterministic: the services persist the outcome and then run the effects.
 */
import { TransitionRejectedError } from '../errors.js';
import { actorRoles } from '../roles.js';
import type { ProcessDefinition } from './processes.js';
import { GUARDS, type GuardRejection, type RequestEvent, type RequestSnapshot } from './guards.js';
import type { Actor } from '../roles.js';
import {
  REQUEST_MACHINE,
  type EffectName,
  type RequestState,
  type StateTable,
} from './request-machine.js';

export interface TransitionOutcome {
  from: RequestState;
  next: RequestState;
  effects: readonly EffectName[];
}

export function transition(
  process: ProcessDefinition,
  request: RequestSnapshot,
  event: RequestEvent,
  actor: Actor,
  table: StateTable = REQUEST_MACHINE,
): TransitionOutcome {
  const candidates = table[request.state][event.type];
  if (!candidates || candidates.length === 0) {
    throw new TransitionRejectedError(
      'TRANSITION_NOT_ALLOWED',
      `"${event.type}" is not possible while the request is ${request.state.replace(/_/g, ' ')}`,
    );
  }
  const roles = actorRoles(actor);
  const permitted = candidates.filter((c) => c.roles.some((r) => roles.includes(r)));
  if (permitted.length === 0) {
    throw new TransitionRejectedError(
      'ROLE_NOT_ALLOWED',
      `"${event.type}" needs one of the roles: ${[...new Set(candidates.flatMap((c) => c.roles))].join(', ')}`,
    );
  }
  let firstRejection: GuardRejection | null = null;
  for (const candidate of permitted) {
    const rejection = firstFailingGuard(candidate.guards ?? [], { process, request, event, actor });
    if (rejection === null) {
      return { from: request.state, next: candidate.target, effects: candidate.effects ?? [] };
    }
    firstRejection ??= rejection;
  }
  // permitted is non-empty, so a rejection was recorded.
  const r = firstRejection as GuardRejection;
  throw new TransitionRejectedError(r.code, r.message);
}

function firstFailingGuard(
  guards: readonly (keyof typeof GUARDS)[],
  ctx: Parameters<(typeof GUARDS)[keyof typeof GUARDS]>[0],
): GuardRejection | null {
  for (const name of guards) {
    const rejection = GUARDS[name](ctx);
    if (rejection) return rejection;
  }
  return null;
}
