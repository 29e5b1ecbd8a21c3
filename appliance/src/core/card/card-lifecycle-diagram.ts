/** Renders the card lifecycle table as a Mermaid state diagram, for the README. Pure. */
import {
  CARD_FINAL_STATES,
  CARD_LIFECYCLE,
  CARD_LIFECYCLE_STATES,
  type CardStateTable,
} from './card-lifecycle.js';

export function renderCardLifecycleDiagram(table: CardStateTable = CARD_LIFECYCLE): string {
  const lines = [
    'stateDiagram-v2',
    '    [*] --> produced',
    '    produced --> collected: collect (request workflow)',
  ];
  for (const from of CARD_LIFECYCLE_STATES) {
    for (const [event, candidates] of Object.entries(table[from])) {
      const byTarget = new Map<string, Set<string>>();
      for (const c of candidates ?? []) {
        const roles = byTarget.get(c.target) ?? new Set<string>();
        for (const r of c.roles) roles.add(r);
        byTarget.set(c.target, roles);
      }
      for (const [target, roles] of byTarget)
        lines.push(`    ${from} --> ${target}: ${event} (${[...roles].join(', ')})`);
    }
  }
  for (const s of CARD_FINAL_STATES) if (s !== 'cancelled') lines.push(`    ${s} --> [*]`);
  return lines.join('\n');
}
