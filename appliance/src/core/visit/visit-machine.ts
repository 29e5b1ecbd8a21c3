/**
 * A visit's life as data (DESIGN.md §2, "After hand-over"): a visit ties a person, their host,
 * a request and a card. expected (invited) → arrived (request submitted at the kiosk) → on
 * site (card collected) → left (signed out, badge returned), or ended by staff, or ended at
 * the site's closing time; a visit whose request was rejected or cancelled, or whose
 * invitation was withdrawn, is withdrawn. Same shape as the request machine: per state the
 * events it accepts, per event the candidates in order with target, guards, effects, roles.
 * Pure; depends on nothing outside core.
 */
import type { Actor, Role } from '../roles.js';
import type { MachineDefinition, MachineTable } from '../state-machine/table-machine.js';

export const VISIT_STATES = [
  'expected',
  'arrived',
  'on_site',
  'left',
  'ended_by_staff',
  'ended_at_closing',
  'withdrawn',
] as const;
export type VisitState = (typeof VISIT_STATES)[number];

/** Visits that are not over: they count for "open at closing time". */
export const OPEN_VISIT_STATES: readonly VisitState[] = ['arrived', 'on_site'];
export const FINAL_VISIT_STATES: readonly VisitState[] = [
  'left',
  'ended_by_staff',
  'ended_at_closing',
  'withdrawn',
];

export const VISIT_EVENTS = [
  'arrive',
  'card_collected',
  'sign_out',
  'end',
  'close_day',
  'withdraw',
] as const;
export type VisitEventType = (typeof VISIT_EVENTS)[number];

export interface VisitEvent {
  type: VisitEventType;
  /** Staff ending a visit say whether they hold the badge. */
  badgeReturned?: boolean;
  reason?: string;
}

export type VisitGuardName = 'badgeInHand' | 'badgeNotInHand';

/**
 * - queueHostArrived / queueHostLeft: a notification to the host, queued in the same
 *   transaction as the visit's change (the queue is durable; delivery comes later).
 * - returnBadge: after commit, the card is marked returned and its certificate revoked
 *   (cessationOfOperation).
 * - revokeUnreturnedBadge: after commit, a badge that did not come back is revoked as lost,
 *   so a certificate on it no longer opens anything.
 */
export type VisitEffectName =
  'queueHostArrived' | 'queueHostLeft' | 'returnBadge' | 'revokeUnreturnedBadge';

export interface VisitGuardContext {
  event: VisitEvent;
  actor: Actor;
}

const DESK: readonly Role[] = ['security_staff', 'registration_officer'];

const END_BY_STAFF = [
  {
    target: 'ended_by_staff' as const,
    roles: DESK,
    guards: ['badgeInHand' as const],
    effects: ['returnBadge' as const],
  },
  {
    target: 'ended_by_staff' as const,
    roles: DESK,
    guards: ['badgeNotInHand' as const],
    effects: ['revokeUnreturnedBadge' as const],
  },
];

export const VISIT_TABLE: MachineTable<
  VisitState,
  VisitEventType,
  VisitGuardName,
  VisitEffectName
> = {
  expected: {
    arrive: [
      {
        target: 'arrived',
        roles: ['self_service', 'registration_officer'],
        effects: ['queueHostArrived'],
      },
    ],
    // Staff or the centre withdraw an invitation; the system does when its days are over.
    withdraw: [{ target: 'withdrawn', roles: [...DESK, 'central', 'system'] }],
  },
  arrived: {
    card_collected: [{ target: 'on_site', roles: ['system'] }],
    // The visit's request was rejected or cancelled before a card was handed over.
    withdraw: [{ target: 'withdrawn', roles: ['system'] }],
    end: [{ target: 'ended_by_staff', roles: DESK }],
    close_day: [{ target: 'ended_at_closing', roles: ['system'] }],
  },
  on_site: {
    sign_out: [
      {
        target: 'left',
        roles: ['self_service', 'security_staff'],
        effects: ['returnBadge', 'queueHostLeft'],
      },
    ],
    end: END_BY_STAFF,
    close_day: [
      { target: 'ended_at_closing', roles: ['system'], effects: ['revokeUnreturnedBadge'] },
    ],
  },
  left: {},
  ended_by_staff: {},
  ended_at_closing: {},
  withdrawn: {},
};

export const VISIT_MACHINE: MachineDefinition<
  VisitState,
  VisitEventType,
  VisitGuardName,
  VisitEffectName,
  VisitGuardContext
> = {
  noun: 'visit',
  states: VISIT_STATES,
  events: VISIT_EVENTS,
  initial: ['expected', 'arrived'],
  final: FINAL_VISIT_STATES,
  table: VISIT_TABLE,
  guards: {
    badgeInHand: ({ event }) =>
      event.badgeReturned === true
        ? null
        : { code: 'REASON_REQUIRED', message: 'say whether the badge was handed back' },
    badgeNotInHand: ({ event }) =>
      event.badgeReturned === false
        ? null
        : { code: 'REASON_REQUIRED', message: 'say whether the badge was handed back' },
  },
};

export function isOpenVisit(state: VisitState): boolean {
  return OPEN_VISIT_STATES.includes(state);
}
