/** Renders the request state table as a Mermaid state diagram, for the README. Pure. */
import {
  REQUEST_MACHINE,
  REQUEST_STATES,
  FINAL_STATES,
  type StateTable,
} from './request-machine.js';

export function renderStateDiagram(table: StateTable = REQUEST_MACHINE): string {
  const lines = ['stateDiagram-v2', '    [*] --> requested'];
  for (const from of REQUEST_STATES) {
    for (const [event, candidates] of Object.entries(table[from])) {
      const byTarget = new Map<string, Set<string>>();
      for (const c of candidates ?? []) {
        const roles = byTarget.get(c.target) ?? new Set<string>();
        for (const r of c.roles) roles.add(r);
        byTarget.set(c.target, roles);
      }
      for (const [target, roles] of byTarget) {
        lines.push(`    ${from} --> ${target}: ${event} (${[...roles].join(', ')})`);
      }
    }
  }
  for (const s of FINAL_STATES) lines.push(`    ${s} --> [*]`);
  return lines.join('\n');
}
