/**
 * The nesting check behind the JSON body parser: it counts objects and arrays, not brackets
 * inside strings (escaped quotes included), and stops at the first level too deep.
 */
import { describe, expect, it } from 'vitest';
import {
  jsonNestsDeeperThan,
  MAX_JSON_DEPTH,
} from '../../../../appliance/src/http/plugins/json-body-parser.js';

const arrays = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const objects = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

describe('jsonNestsDeeperThan', () => {
  it('allows exactly the limit and refuses one level more, for arrays, objects and mixes', () => {
    for (const make of [arrays, objects]) {
      expect(jsonNestsDeeperThan(make(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
      expect(jsonNestsDeeperThan(make(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
    }
    expect(jsonNestsDeeperThan('{"a":[{"b":[1]}]}', 4)).toBe(false);
    expect(jsonNestsDeeperThan('{"a":[{"b":[1]}]}', 3)).toBe(true);
  });

  it('measures depth, not the number of siblings', () => {
    const wide = `[${Array.from({ length: 10_000 }, () => '{"a":[1]}').join(',')}]`;
    expect(jsonNestsDeeperThan(wide, 3)).toBe(false);
  });

  it('ignores brackets inside strings, also after escaped quotes and backslashes', () => {
    expect(jsonNestsDeeperThan(JSON.stringify({ a: '[[[[[[{{{{{{' }), 1)).toBe(false);
    expect(jsonNestsDeeperThan(JSON.stringify({ a: 'say "[[[[[[" \\' }), 1)).toBe(false);
    expect(jsonNestsDeeperThan(JSON.stringify(['\\', [[['x']]]]), 3)).toBe(true);
  });

  it('answers in one pass for a body far too deep', () => {
    expect(jsonNestsDeeperThan(arrays(500_000), MAX_JSON_DEPTH)).toBe(true);
  });
});
