/**
 * The shape every smaller life cycle shares with the request machine (STYLE.md, "State
 * machines as data"): a table that says, for each state, which events it accepts and, per
 * event, the candidate transitions in order, each with its target, named guards, named
 * effects and the roles allowed to send it. `transitionIn` takes the first candidate whose
 * roles include the actor's and whose guards pass. Pure; depends on nothing outside core.
 */
import { TransitionRejectedError, type TransitionRejectionCode } from '../errors.js';
import { actorRoles, type Actor, type Role } from '../roles.js';

export interface TableTransition<S extends string, G extends string, F extends string> {
  target: S;
  roles: readonly Role[];
  guards?: readonly G[];
  effects?: readonly F[];
}

export type MachineTable<
  S extends string,
  E extends string,
  G extends string,
  F extends string,
> = Readonly<Record<S, Readonly<Partial<Record<E, readonly TableTransition<S, G, F>[]>>>>>;

export interface GuardVerdict {
  code: TransitionRejectionCode;
  message: string;
}

export interface MachineDefinition<
  S extends string,
  E extends string,
  G extends string,
  F extends string,
  C,
> {
  /** Names the object in messages ("visit", "notification"). */
  noun: string;
  states: readonly S[];
  events: readonly E[];
  initial: readonly S[];
  final: readonly S[];
  table: MachineTable<S, E, G, F>;
  guards: Readonly<Record<G, (ctx: C) => GuardVerdict | null>>;
}

export interface TableOutcome<S extends string, F extends string> {
  from: S;
  next: S;
  effects: readonly F[];
}

export function transitionIn<
  S extends string,
  E extends string,
  G extends string,
  F extends string,
  C,
>(
  machine: MachineDefinition<S, E, G, F, C>,
  state: S,
  event: E,
  actor: Actor,
  ctx: C,
): TableOutcome<S, F> {
  const candidates = machine.table[state][event];
  if (!candidates || candidates.length === 0) {
    throw new TransitionRejectedError(
      'TRANSITION_NOT_ALLOWED',
      `"${event}" is not possible while the ${machine.noun} is ${state.replace(/_/g, ' ')}`,
    );
  }
  const roles = actorRoles(actor);
  const permitted = candidates.filter((c) => c.roles.some((r) => roles.includes(r)));
  if (permitted.length === 0) {
    throw new TransitionRejectedError(
      'ROLE_NOT_ALLOWED',
      `"${event}" needs one of the roles: ${[...new Set(candidates.flatMap((c) => c.roles))].join(', ')}`,
    );
  }
  let first: GuardVerdict | null = null;
  for (const candidate of permitted) {
    let verdict: GuardVerdict | null = null;
    for (const g of candidate.guards ?? []) {
      verdict = machine.guards[g](ctx);
      if (verdict) break;
    }
    if (!verdict) return { from: state, next: candidate.target, effects: candidate.effects ?? [] };
    first ??= verdict;
  }
  throw new TransitionRejectedError((first as GuardVerdict).code, (first as GuardVerdict).message);
}

/** States reachable from the initial ones by any event of the table. */
export function reachableStates<
  S extends string,
  E extends string,
  G extends string,
  F extends string,
  C,
>(machine: MachineDefinition<S, E, G, F, C>): Set<S> {
  const seen = new Set<S>(machine.initial);
  const todo = [...machine.initial];
  while (todo.length > 0) {
    const s = todo.pop() as S;
    for (const specs of Object.values(machine.table[s]) as (readonly TableTransition<
      S,
      G,
      F
    >[])[]) {
      for (const spec of specs) {
        if (!seen.has(spec.target)) {
          seen.add(spec.target);
          todo.push(spec.target);
        }
      }
    }
  }
  return seen;
}

/** The table as a Mermaid state diagram, for the README. */
export function mermaidDiagram<
  S extends string,
  E extends string,
  G extends string,
  F extends string,
  C,
>(machine: MachineDefinition<S, E, G, F, C>): string {
  const lines = ['stateDiagram-v2'];
  for (const s of machine.initial) lines.push(`    [*] --> ${s}`);
  for (const s of machine.states) {
    for (const [event, specs] of Object.entries(machine.table[s]) as [
      string,
      readonly TableTransition<S, G, F>[],
    ][]) {
      for (const spec of specs)
        lines.push(`    ${s} --> ${spec.target}: ${event} (${spec.roles.join(', ')})`);
    }
  }
  for (const s of machine.final) lines.push(`    ${s} --> [*]`);
  return lines.join('\n');
}
