/**
 * The card request state machine as data (DESIGN.md §2): for each state, the events it
 * accepts, and for each event the candidate transitions in order, each with its target,
 * named guards, named effects and the roles allowed to send it. The first candidate whose
 * role list includes the actor and whose guards pass is taken. Guard implementations live in
 * guards.ts; effects are carried out by the services after the transition is saved.
 * Pure data; depends on nothing.
 */
import type { Role } from '../roles.js';

export const REQUEST_STATES = [
  'requested',
  'awaiting_approval',
  'approved',
  'rejected',
  'card_generated',
  'batched',
  'queued',
  'producing',
  'produced',
  'production_failed',
  'collected',
  'cancelled',
] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

export const FINAL_STATES: readonly RequestState[] = ['rejected', 'collected', 'cancelled'];

export const REQUEST_EVENTS = [
  'submit',
  'approve',
  'reject',
  'generate_card',
  'choose_single',
  'choose_mass',
  'release_batch',
  'start_production',
  'production_succeeded',
  'production_failed',
  'retry',
  'cancel',
  'collect',
] as const;
export type RequestEventType = (typeof REQUEST_EVENTS)[number];

export type GuardName =
  | 'processRequiresApproval'
  | 'processHasNoApproval'
  | 'notRequester'
  | 'reasonGiven'
  | 'ownRequest'
  | 'batchGiven';

/**
 * Effects the service carries out after the transition is durable.
 * - generateCardObject: send generate_card as the system (seed step 4).
 * - enqueueProduction: hand the request to the production queue.
 * - revealPin: the PIN is returned once to the holder and destroyed (in the same transaction).
 * - addToBatch: record the request as a member of the named batch.
 */
export type EffectName = 'generateCardObject' | 'enqueueProduction' | 'addToBatch' | 'revealPin';

export interface TransitionSpec {
  target: RequestState;
  roles: readonly Role[];
  guards?: readonly GuardName[];
  effects?: readonly EffectName[];
}

export type StateTable = Readonly<
  Record<RequestState, Readonly<Partial<Record<RequestEventType, readonly TransitionSpec[]>>>>
>;

const OFFICER_OR_PRODUCTION: readonly Role[] = ['registration_officer', 'card_production_admin'];

/** Cancelling before production: staff who run production, with a reason. */
const CANCEL_BY_STAFF: TransitionSpec = {
  target: 'cancelled',
  roles: OFFICER_OR_PRODUCTION,
  guards: ['reasonGiven'],
};

export const REQUEST_MACHINE: StateTable = {
  requested: {
    submit: [
      {
        target: 'awaiting_approval',
        roles: ['self_service', 'registration_officer'],
        guards: ['processRequiresApproval'],
      },
      {
        target: 'approved',
        roles: ['self_service', 'registration_officer'],
        guards: ['processHasNoApproval'],
        effects: ['generateCardObject'],
      },
    ],
    cancel: [
      CANCEL_BY_STAFF,
      { target: 'cancelled', roles: ['self_service'], guards: ['ownRequest'] },
    ],
  },
  awaiting_approval: {
    // An approver at the kiosk, or one in the central Identity Manager (learned by sync).
    approve: [
      {
        target: 'approved',
        roles: ['approver', 'central'],
        guards: ['processRequiresApproval', 'notRequester'],
        effects: ['generateCardObject'],
      },
    ],
    // Rejecting is the approver's decision, so separation of duties holds for it as for
    // approval; a requester who changed their mind withdraws the request with `cancel`.
    reject: [
      {
        target: 'rejected',
        roles: ['approver', 'central'],
        guards: ['processRequiresApproval', 'notRequester', 'reasonGiven'],
      },
    ],
    cancel: [
      CANCEL_BY_STAFF,
      { target: 'cancelled', roles: ['self_service'], guards: ['ownRequest'] },
    ],
  },
  approved: {
    generate_card: [{ target: 'card_generated', roles: ['system'] }],
    cancel: [CANCEL_BY_STAFF],
  },
  rejected: {},
  card_generated: {
    choose_single: [
      { target: 'queued', roles: OFFICER_OR_PRODUCTION, effects: ['enqueueProduction'] },
    ],
    choose_mass: [
      {
        target: 'batched',
        roles: OFFICER_OR_PRODUCTION,
        guards: ['batchGiven'],
        effects: ['addToBatch'],
      },
    ],
    cancel: [CANCEL_BY_STAFF],
  },
  batched: {
    release_batch: [
      {
        target: 'queued',
        roles: ['card_production_admin', 'registration_officer', 'system'],
        effects: ['enqueueProduction'],
      },
    ],
    cancel: [CANCEL_BY_STAFF],
  },
  queued: {
    start_production: [{ target: 'producing', roles: ['system'] }],
    cancel: [CANCEL_BY_STAFF],
  },
  producing: {
    production_succeeded: [{ target: 'produced', roles: ['system'] }],
    production_failed: [
      { target: 'production_failed', roles: ['system'], guards: ['reasonGiven'] },
    ],
  },
  production_failed: {
    retry: [{ target: 'queued', roles: OFFICER_OR_PRODUCTION, effects: ['enqueueProduction'] }],
    cancel: [CANCEL_BY_STAFF],
  },
  produced: {
    collect: [{ target: 'collected', roles: ['security_staff'], effects: ['revealPin'] }],
  },
  collected: {},
  cancelled: {},
};

export function isRequestState(value: string): value is RequestState {
  return (REQUEST_STATES as readonly string[]).includes(value);
}

export function isRequestEvent(value: string): value is RequestEventType {
  return (REQUEST_EVENTS as readonly string[]).includes(value);
}
