/**
 * Generated from the state table: every process × state × event × role is accepted iff the
 * table (read here with an independent reading of each guard's meaning) allows it; every
 * state is reachable; every non-final state has a way out.
 */
import { describe, expect, it } from 'vitest';
import { TransitionRejectedError } from '../../../../appliance/src/core/errors.js';
import { ALL_ROLES, type Actor, type Role } from '../../../../appliance/src/core/roles.js';
import {
  BUILT_IN_PROCESSES,
  type ProcessDefinition,
} from '../../../../appliance/src/core/workflow/processes.js';
import {
  FINAL_STATES,
  REQUEST_EVENTS,
  REQUEST_MACHINE,
  REQUEST_STATES,
  type GuardName,
  type RequestEventType,
  type RequestState,
} from '../../../../appliance/src/core/workflow/request-machine.js';
import { transition } from '../../../../appliance/src/core/workflow/transition.js';
import type {
  RequestEvent,
  RequestSnapshot,
} from '../../../../appliance/src/core/workflow/guards.js';

const REQUEST_ID = 'req-1';
const REQUESTER_ID = 'user-requester';

function actorFor(role: Role): Actor {
  if (role === 'system') return { kind: 'system' };
  if (role === 'self_service') return { kind: 'self_service', requestId: REQUEST_ID };
  if (role === 'central') return { kind: 'central', by: 'central-approver' };
  return { kind: 'staff', userId: `user-${role}`, username: role, roles: [role] };
}

/** What each guard means, restated from DESIGN.md rather than imported. */
function guardHolds(
  g: GuardName,
  p: ProcessDefinition,
  req: RequestSnapshot,
  ev: RequestEvent,
  actor: Actor,
): boolean {
  switch (g) {
    case 'processRequiresApproval':
      return p.approval;
    case 'processHasNoApproval':
      return !p.approval;
    case 'notRequester':
      return !(actor.kind === 'staff' && actor.userId === req.requestedByUserId);
    case 'reasonGiven':
      return (ev.reason ?? '').trim().length > 0;
    case 'ownRequest':
      return actor.kind === 'self_service' && actor.requestId === req.id;
    case 'batchGiven':
      return (ev.batchName ?? '').trim().length > 0;
  }
}

function expected(
  p: ProcessDefinition,
  req: RequestSnapshot,
  ev: RequestEvent,
  role: Role,
): RequestState | null {
  const actor = actorFor(role);
  for (const c of REQUEST_MACHINE[req.state][ev.type] ?? []) {
    if (!c.roles.includes(role)) continue;
    if ((c.guards ?? []).every((g) => guardHolds(g, p, req, ev, actor))) return c.target;
  }
  return null;
}

function attempt(
  p: ProcessDefinition,
  req: RequestSnapshot,
  ev: RequestEvent,
  role: Role,
): RequestState | null {
  try {
    return transition(p, req, ev, actorFor(role)).next;
  } catch (err) {
    if (!(err instanceof TransitionRejectedError)) throw err;
    return null;
  }
}

describe('request state machine, generated from the table', () => {
  const eventVariants = (type: RequestEventType): RequestEvent[] => [
    { type },
    { type, reason: 'lost badge', batchName: 'Monday run' },
    { type, reason: '   ' },
  ];

  it('accepts exactly what the table allows, for every process × state × event × role', () => {
    let accepted = 0;
    let checked = 0;
    const mismatches: string[] = [];
    for (const p of BUILT_IN_PROCESSES) {
      for (const state of REQUEST_STATES) {
        for (const requestedByUserId of [REQUESTER_ID, 'user-approver', null]) {
          const req: RequestSnapshot = { id: REQUEST_ID, state, requestedByUserId };
          for (const type of REQUEST_EVENTS) {
            for (const ev of eventVariants(type)) {
              for (const role of ALL_ROLES) {
                const want = expected(p, req, ev, role);
                const got = attempt(p, req, ev, role);
                if (got !== want)
                  mismatches.push(
                    `${p.name} ${state} ${type}(${ev.reason ?? ''}) by ${role}, requested by ${requestedByUserId}: got ${got}, table says ${want}`,
                  );
                checked++;
                if (want) accepted++;
              }
            }
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBe(16 * 12 * 3 * 13 * 3 * ALL_ROLES.length);
    expect(accepted).toBeGreaterThan(0);
  });

  it('refuses an approval by whoever requested the card', () => {
    const p = BUILT_IN_PROCESSES.find((x) => x.approval)!;
    const officerApprover: Actor = {
      kind: 'staff',
      userId: 'u1',
      username: 'both',
      roles: ['registration_officer', 'approver'],
    };
    const req: RequestSnapshot = {
      id: REQUEST_ID,
      state: 'awaiting_approval',
      requestedByUserId: 'u1',
    };
    expect(() => transition(p, req, { type: 'approve' }, officerApprover)).toThrowError(
      expect.objectContaining({ code: 'SEPARATION_OF_DUTIES' }),
    );
    expect(
      transition(p, { ...req, requestedByUserId: 'u2' }, { type: 'approve' }, officerApprover).next,
    ).toBe('approved');
  });

  it('refuses a rejection by whoever requested the card, who may cancel it instead', () => {
    const p = BUILT_IN_PROCESSES.find((x) => x.approval)!;
    const officerApprover: Actor = {
      kind: 'staff',
      userId: 'u1',
      username: 'both',
      roles: ['registration_officer', 'approver'],
    };
    const req: RequestSnapshot = {
      id: REQUEST_ID,
      state: 'awaiting_approval',
      requestedByUserId: 'u1',
    };
    expect(() =>
      transition(p, req, { type: 'reject', reason: 'changed my mind' }, officerApprover),
    ).toThrowError(
      expect.objectContaining({
        code: 'SEPARATION_OF_DUTIES',
        message: expect.stringMatching(/cannot reject it .*cancel it instead/),
      }),
    );
    expect(
      transition(p, req, { type: 'cancel', reason: 'changed my mind' }, officerApprover).next,
    ).toBe('cancelled');
    expect(
      transition(
        p,
        { ...req, requestedByUserId: 'u2' },
        { type: 'reject', reason: 'not expected' },
        officerApprover,
      ).next,
    ).toBe('rejected');
  });

  it('takes approvals and rejections given in the central Identity Manager, and nothing else from it', () => {
    const p = BUILT_IN_PROCESSES.find((x) => x.approval)!;
    const req: RequestSnapshot = {
      id: REQUEST_ID,
      state: 'awaiting_approval',
      requestedByUserId: 'u1',
    };
    const central = actorFor('central');
    expect(transition(p, req, { type: 'approve' }, central).next).toBe('approved');
    expect(transition(p, req, { type: 'reject', reason: 'not on the list' }, central).next).toBe(
      'rejected',
    );
    for (const state of REQUEST_STATES) {
      for (const type of REQUEST_EVENTS) {
        const specs = REQUEST_MACHINE[state][type] ?? [];
        const centralMay = specs.some((c) => c.roles.includes('central'));
        expect(centralMay, `${state} ${type}`).toBe(
          state === 'awaiting_approval' && (type === 'approve' || type === 'reject'),
        );
      }
    }
  });

  it('never enters awaiting_approval for a process without approval, and never skips it for one with', () => {
    for (const p of BUILT_IN_PROCESSES) {
      const next = transition(
        p,
        { id: REQUEST_ID, state: 'requested', requestedByUserId: null },
        { type: 'submit' },
        actorFor('self_service'),
      ).next;
      expect(next, p.name).toBe(p.approval ? 'awaiting_approval' : 'approved');
    }
  });

  it('names the rejection: wrong state, wrong role, missing reason', () => {
    const p = BUILT_IN_PROCESSES[0]!;
    const req: RequestSnapshot = {
      id: REQUEST_ID,
      state: 'awaiting_approval',
      requestedByUserId: null,
    };
    expect(() =>
      transition(p, { ...req, state: 'produced' }, { type: 'approve' }, actorFor('approver')),
    ).toThrowError(expect.objectContaining({ code: 'TRANSITION_NOT_ALLOWED' }));
    expect(() => transition(p, req, { type: 'approve' }, actorFor('security_staff'))).toThrowError(
      expect.objectContaining({ code: 'ROLE_NOT_ALLOWED' }),
    );
    expect(() => transition(p, req, { type: 'reject' }, actorFor('approver'))).toThrowError(
      expect.objectContaining({ code: 'REASON_REQUIRED' }),
    );
    const without = BUILT_IN_PROCESSES.find((x) => !x.approval)!;
    expect(() => transition(without, req, { type: 'approve' }, actorFor('approver'))).toThrowError(
      expect.objectContaining({ code: 'PROCESS_MISMATCH' }),
    );
  });

  it('reaches every state from requested, for some process', () => {
    const seen = new Set<RequestState>(['requested']);
    const todo: RequestState[] = ['requested'];
    while (todo.length) {
      const s = todo.pop()!;
      for (const candidates of Object.values(REQUEST_MACHINE[s])) {
        for (const c of candidates ?? []) {
          if (!seen.has(c.target)) {
            seen.add(c.target);
            todo.push(c.target);
          }
        }
      }
    }
    expect([...seen].sort()).toEqual([...REQUEST_STATES].sort());
  });

  it('gives every non-final state a way out and final states none', () => {
    for (const s of REQUEST_STATES) {
      const events = Object.keys(REQUEST_MACHINE[s]);
      if (FINAL_STATES.includes(s)) expect(events, s).toEqual([]);
      else expect(events.length, s).toBeGreaterThan(0);
    }
  });

  it('lets anything before produced be cancelled, and nothing after', () => {
    const before: RequestState[] = [
      'requested',
      'awaiting_approval',
      'approved',
      'card_generated',
      'batched',
      'queued',
      'production_failed',
    ];
    for (const s of REQUEST_STATES) {
      expect(Boolean(REQUEST_MACHINE[s].cancel), s).toBe(before.includes(s));
    }
  });
});
