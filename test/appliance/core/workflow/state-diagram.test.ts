import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderStateDiagram } from '../../../../appliance/src/core/workflow/state-diagram.js';

describe('state diagram', () => {
  it('in the README matches the state table (run npm run diagram after changing the table)', () => {
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
    const block =
      /<!-- state-diagram:start -->\s*```mermaid\n([\s\S]*?)\n```\s*<!-- state-diagram:end -->/.exec(
        readme,
      );
    expect(block?.[1]).toBe(renderStateDiagram());
  });
});
