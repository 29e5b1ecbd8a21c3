/**
 * Generated from the visit and notification tables: every state × event × role is accepted
 * iff the table (with an independent reading of each guard) allows it; every state is
 * reachable from an initial one; every non-final state has a way out; final states accept
 * nothing. The same checks the request machine's tests make, over the shared table shape.
 */
import { describe, expect, it } from 'vitest';
import { TransitionRejectedError } from '../../../../appliance/src/core/errors.js';
import { ALL_ROLES, type Actor, type Role } from '../../../../appliance/src/core/roles.js';
import {
  reachableStates,
  transitionIn,
  type MachineDefinition,
} from '../../../../appliance/src/core/state-machine/table-machine.js';
import {
  VISIT_MACHINE,
  type VisitEvent,
  type VisitGuardName,
} from '../../../../appliance/src/core/visit/visit-machine.js';
import {
  NOTIFICATION_MACHINE,
  type NotificationEvent,
  type NotificationGuardName,
} from '../../../../appliance/src/core/notification/notification-machine.js';

function actorFor(role: Role): Actor {
  if (role === 'system') return { kind: 'system' };
  if (role === 'self_service') return { kind: 'self_service', requestId: 'r-1' };
  if (role === 'central') return { kind: 'central', by: 'idm' };
  return { kind: 'staff', userId: `u-${role}`, username: role, roles: [role] };
}

/** What the visit guards mean, restated from the table's comments. */
function visitGuardHolds(g: VisitGuardName, e: VisitEvent): boolean {
  return g === 'badgeInHand' ? e.badgeReturned === true : e.badgeReturned === false;
}

const MAX_ATTEMPTS = 3;
function notificationGuardHolds(g: NotificationGuardName, e: NotificationEvent): boolean {
  const left = !e.permanent && (e.attempts ?? 0) < MAX_ATTEMPTS;
  return g === 'attemptsLeft' ? left : !left;
}

function generatedSuite<S extends string, E extends string, G extends string, F extends string, C>(
  title: string,
  machine: MachineDefinition<S, E, G, F, C>,
  variants: { label: string; event: (type: E) => unknown }[],
  ctxFor: (event: unknown, actor: Actor) => C,
  holds: (g: G, event: unknown) => boolean,
) {
  describe(title, () => {
    for (const state of machine.states) {
      for (const type of machine.events) {
        for (const role of ALL_ROLES) {
          for (const variant of variants) {
            const event = variant.event(type);
            const actor = actorFor(role);
            const candidates = machine.table[state][type] ?? [];
            const expected = candidates.find(
              (c) => c.roles.includes(role) && (c.guards ?? []).every((g) => holds(g, event)),
            );
            it(`${state} × ${type} × ${role} (${variant.label}) → ${expected ? expected.target : 'rejected'}`, () => {
              const run = () => transitionIn(machine, state, type, actor, ctxFor(event, actor));
              if (expected) {
                const outcome = run();
                expect(outcome.next).toBe(expected.target);
                expect(outcome.effects).toEqual(expected.effects ?? []);
              } else {
                expect(run).toThrow(TransitionRejectedError);
              }
            });
          }
        }
      }
    }

    it('reaches every state from an initial one', () => {
      expect([...reachableStates(machine)].sort()).toEqual([...machine.states].sort());
    });

    it('gives every non-final state a way out and final states none', () => {
      for (const state of machine.states) {
        const events = Object.keys(machine.table[state]);
        if (machine.final.includes(state)) expect(events, state).toEqual([]);
        else expect(events.length, state).toBeGreaterThan(0);
      }
    });
  });
}

generatedSuite(
  'visit table',
  VISIT_MACHINE,
  [
    { label: 'badge in hand', event: (type) => ({ type, badgeReturned: true }) },
    { label: 'badge not back', event: (type) => ({ type, badgeReturned: false }) },
    { label: 'nothing said', event: (type) => ({ type }) },
  ],
  (event, actor) => ({ event: event as VisitEvent, actor }),
  (g, e) => visitGuardHolds(g, e as VisitEvent),
);

generatedSuite(
  'notification table',
  NOTIFICATION_MACHINE,
  [
    { label: 'first attempt', event: (type) => ({ type, attempts: 1 }) },
    { label: 'last attempt', event: (type) => ({ type, attempts: MAX_ATTEMPTS }) },
    { label: 'refused for good', event: (type) => ({ type, attempts: 1, permanent: true }) },
  ],
  (event, actor) => ({ event: event as NotificationEvent, actor, maxAttempts: MAX_ATTEMPTS }),
  (g, e) => notificationGuardHolds(g, e as NotificationEvent),
);
