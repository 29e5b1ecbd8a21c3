/**
 * Generated from the card lifecycle table: every status × event × role × kind of card is
 * accepted iff the table (read here with an independent restatement of each guard) allows
 * it; every status is reachable from `produced`; every non-final in-use status has a way out;
 * the README's diagram is the table's.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TransitionRejectedError } from '../../../../appliance/src/core/errors.js';
import { ALL_ROLES, type Actor, type Role } from '../../../../appliance/src/core/roles.js';
import {
  CARD_EVENTS,
  CARD_FINAL_STATES,
  CARD_LIFECYCLE,
  CARD_LIFECYCLE_STATES,
  type CardEventType,
  type CardGuardName,
  type CardLifecycleState,
} from '../../../../appliance/src/core/card/card-lifecycle.js';
import type {
  CardEvent,
  CardSnapshot,
  HoldKind,
} from '../../../../appliance/src/core/card/card-guards.js';
import { transitionCard } from '../../../../appliance/src/core/card/card-transition.js';
import { renderCardLifecycleDiagram } from '../../../../appliance/src/core/card/card-lifecycle-diagram.js';

const TODAY = '2031-06-15';
const WINDOW_END = '2031-07-15';
const DAYS = { today: TODAY, renewalWindowEnd: WINDOW_END };
const SUSPENDER = 'user-suspender';

function actorFor(role: Role, userId = `user-${role}`): Actor {
  if (role === 'system') return { kind: 'system' };
  if (role === 'self_service') return { kind: 'self_service', requestId: null };
  if (role === 'central') return { kind: 'central', by: 'central-admin' };
  return { kind: 'staff', userId, username: role, roles: [role] };
}

/** What each guard means, restated from the issue and DESIGN.md rather than imported. */
function guardHolds(g: CardGuardName, card: CardSnapshot, ev: CardEvent, actor: Actor): boolean {
  switch (g) {
    case 'reasonGiven':
      return (ev.reason ?? '').trim().length > 0;
    case 'revocationReasonGiven':
      return ['lost', 'stolen', 'damaged', 'compromised'].includes(ev.revokeReason ?? '');
    case 'notSuspender':
      return !(actor.kind === 'staff' && card.hold?.byUserId === actor.userId);
    case 'heldByStaffOrCentre':
      return card.hold?.kind !== 'temporary_card';
    case 'heldForTemporaryCard':
      return card.hold?.kind === 'temporary_card';
    case 'employeeCard':
      return card.cardType === 'employee';
    case 'temporaryCard':
      return card.temporaryForCardId !== null;
    case 'notTemporaryCard':
      return card.temporaryForCardId === null;
    case 'validityPassed':
      return card.validUntil < TODAY;
    case 'withinRenewalWindow':
      return card.validUntil >= TODAY && card.validUntil <= WINDOW_END;
    case 'renewsOnSameChip':
      return card.idType === 'digital' && card.renewal === 'same-chip';
    case 'renewsByNewCard':
      return !(card.idType === 'digital' && card.renewal === 'same-chip');
  }
}

function expected(card: CardSnapshot, ev: CardEvent, actor: Actor, role: Role) {
  for (const c of CARD_LIFECYCLE[card.status][ev.type] ?? []) {
    if (!c.roles.includes(role)) continue;
    if ((c.guards ?? []).every((g) => guardHolds(g, card, ev, actor))) return c.target;
  }
  return null;
}

function attempt(card: CardSnapshot, ev: CardEvent, actor: Actor) {
  try {
    return transitionCard(card, ev, actor, DAYS).next;
  } catch (err) {
    if (!(err instanceof TransitionRejectedError)) throw err;
    return null;
  }
}

/** Cards of every kind that matters to a guard. */
function* cards(status: CardLifecycleState): Generator<CardSnapshot> {
  const holds: CardSnapshot['hold'][] =
    status === 'suspended'
      ? (['staff', 'central', 'temporary_card'] as HoldKind[]).map((kind) => ({
          kind,
          byUserId: kind === 'staff' ? SUSPENDER : null,
        }))
      : [null];
  for (const cardType of ['employee', 'visitor'] as const)
    for (const idType of ['physical', 'digital'] as const)
      for (const renewal of ['same-chip', 'new-card'] as const)
        for (const temporaryForCardId of [null, 'own-card'])
          for (const validUntil of ['2031-06-14', '2031-07-01', '2035-01-01'])
            for (const hold of holds)
              yield {
                id: 'card-1',
                status,
                cardType,
                idType,
                renewal,
                temporaryForCardId,
                validUntil,
                hold,
              };
}

const eventVariants = (type: CardEventType): CardEvent[] => [
  { type },
  { type, reason: 'found in the car park', revokeReason: 'lost' },
  { type, reason: '  ', revokeReason: 'damaged' },
];

describe('card lifecycle, generated from the table', () => {
  it('accepts exactly what the table allows, for every status × event × role × card', () => {
    const mismatches: string[] = [];
    let checked = 0;
    let accepted = 0;
    for (const status of CARD_LIFECYCLE_STATES)
      for (const card of cards(status))
        for (const type of CARD_EVENTS)
          for (const ev of eventVariants(type))
            for (const role of ALL_ROLES)
              for (const userId of status === 'suspended'
                ? [`user-${role}`, SUSPENDER]
                : [`user-${role}`]) {
                const actor = actorFor(role, userId);
                const want = expected(card, ev, actor, role);
                const got = attempt(card, ev, actor);
                checked++;
                if (want) accepted++;
                if (got !== want)
                  mismatches.push(
                    `${status} ${JSON.stringify(card)} ${type} by ${role}/${userId}: got ${got}, table says ${want}`,
                  );
              }
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(checked).toBeGreaterThan(50_000);
    expect(accepted).toBeGreaterThan(1000);
  });

  it('reaches every status but the request-owned ones from produced', () => {
    const seen = new Set<CardLifecycleState>(['produced', 'collected']);
    let grew = true;
    while (grew) {
      grew = false;
      for (const s of [...seen])
        for (const candidates of Object.values(CARD_LIFECYCLE[s]))
          for (const c of candidates ?? [])
            if (!seen.has(c.target)) {
              seen.add(c.target);
              grew = true;
            }
    }
    expect([...seen].sort()).toEqual(
      CARD_LIFECYCLE_STATES.filter((s) => s !== 'generated' && s !== 'cancelled').sort(),
    );
  });

  it('gives every in-use status a way out, and final statuses none', () => {
    for (const s of CARD_LIFECYCLE_STATES) {
      const exits = Object.values(CARD_LIFECYCLE[s])
        .flat()
        .filter((c) => c && c.target !== s);
      if (CARD_FINAL_STATES.includes(s) || s === 'generated') expect(exits).toEqual([]);
      else expect(exits.length).toBeGreaterThan(0);
    }
  });

  it('refuses a resume by whoever suspended the card, and accepts one by a colleague', () => {
    const card: CardSnapshot = {
      id: 'c',
      status: 'suspended',
      cardType: 'employee',
      idType: 'digital',
      renewal: 'same-chip',
      temporaryForCardId: null,
      validUntil: '2035-01-01',
      hold: { kind: 'staff', byUserId: 'u1' },
    };
    const ev: CardEvent = { type: 'resume', reason: 'found it' };
    expect(() =>
      transitionCard(
        card,
        ev,
        { kind: 'staff', userId: 'u1', username: 'a', roles: ['security_staff'] },
        DAYS,
      ),
    ).toThrowError(expect.objectContaining({ code: 'SEPARATION_OF_DUTIES' }));
    expect(
      transitionCard(
        card,
        ev,
        { kind: 'staff', userId: 'u2', username: 'b', roles: ['security_staff'] },
        DAYS,
      ),
    ).toEqual({ from: 'suspended', next: 'active', effects: ['releaseHold'] });
  });

  it('never lets a person expire a card: only the scheduler does', () => {
    for (const s of CARD_LIFECYCLE_STATES)
      for (const c of CARD_LIFECYCLE[s].expire ?? []) expect(c.roles).toEqual(['system']);
  });

  it('in the README matches the table (run npm run diagram after changing it)', () => {
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
    const block =
      /<!-- card-lifecycle-diagram:start -->\s*```mermaid\n([\s\S]*?)\n```\s*<!-- card-lifecycle-diagram:end -->/.exec(
        readme,
      );
    expect(block?.[1]).toBe(renderCardLifecycleDiagram());
  });
});
