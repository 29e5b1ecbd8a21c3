/**
 * Guard implementations for the request state table. A guard looks at the process, the
 * request, the event and the actor and either lets the transition through (null) or says
 * why not, with the rejection code the caller will see. Pure; depends on nothing outside core.
 */
import type { TransitionRejectionCode } from '../errors.js';
import type { Actor } from '../roles.js';
import type { ProcessDefinition } from './processes.js';
import type { GuardName, RequestEventType, RequestState } from './request-machine.js';

export interface RequestSnapshot {
  id: string;
  state: RequestState;
  /** The staff user who requested the card; null for a walk-up (self-service) request. */
  requestedByUserId: string | null;
}

export interface RequestEvent {
  type: RequestEventType;
  reason?: string;
  batchName?: string;
}

export interface GuardContext {
  process: ProcessDefinition;
  request: RequestSnapshot;
  event: RequestEvent;
  actor: Actor;
}

export interface GuardRejection {
  code: TransitionRejectionCode;
  message: string;
}

type Guard = (ctx: GuardContext) => GuardRejection | null;

export const MAX_REASON_LENGTH = 500;

export const GUARDS: Readonly<Record<GuardName, Guard>> = {
  processRequiresApproval: ({ process, event }) =>
    process.approval
      ? null
      : {
          code: 'PROCESS_MISMATCH',
          message: `process ${process.name} has no approval step, so "${event.type}" does not apply`,
        },
  processHasNoApproval: ({ process }) =>
    process.approval
      ? { code: 'PROCESS_MISMATCH', message: `process ${process.name} needs approval` }
      : null,
  notRequester: ({ actor, request, event }) =>
    actor.kind === 'staff' &&
    request.requestedByUserId !== null &&
    actor.userId === request.requestedByUserId
      ? {
          code: 'SEPARATION_OF_DUTIES',
          message:
            event.type === 'reject'
              ? 'whoever requested a card cannot reject it (separation of duties); cancel it instead'
              : `whoever requested a card cannot ${event.type} it (separation of duties)`,
        }
      : null,
  reasonGiven: ({ event }) => {
    const reason = event.reason?.trim() ?? '';
    if (reason.length === 0)
      return { code: 'REASON_REQUIRED', message: `"${event.type}" needs a reason` };
    if (reason.length > MAX_REASON_LENGTH) {
      return {
        code: 'REASON_REQUIRED',
        message: `the reason is longer than ${MAX_REASON_LENGTH} characters`,
      };
    }
    return null;
  },
  ownRequest: ({ actor, request }) =>
    actor.kind === 'self_service' && actor.requestId === request.id
      ? null
      : { code: 'ROLE_NOT_ALLOWED', message: 'a walk-up user may act only on their own request' },
  batchGiven: ({ event }) =>
    event.batchName && event.batchName.trim().length > 0
      ? null
      : { code: 'REASON_REQUIRED', message: 'mass production needs a batch name' },
};
