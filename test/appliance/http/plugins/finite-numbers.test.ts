/**
 * Every number in a route's input schemas gets the `x-finite` keyword, wherever it sits
 * (properties, items, alternatives), and nothing else does.
 */
import { describe, expect, it } from 'vitest';
import { Type } from '@sinclair/typebox';
import {
  FINITE_KEYWORD,
  markNumbersFinite,
} from '../../../../appliance/src/http/plugins/finite-numbers.js';

describe('markNumbersFinite', () => {
  it('marks integers and numbers at any depth and leaves other types alone', () => {
    const schema = Type.Object({
      limit: Type.Integer({ minimum: 1 }),
      name: Type.String(),
      nested: Type.Object({ ratio: Type.Number() }),
      list: Type.Array(Type.Integer()),
      either: Type.Union([Type.String(), Type.Number()]),
    });
    expect(markNumbersFinite(schema)).toBe(4);
    const s = schema as any;
    expect(s.properties.limit[FINITE_KEYWORD]).toBe(true);
    expect(s.properties.nested.properties.ratio[FINITE_KEYWORD]).toBe(true);
    expect(s.properties.list.items[FINITE_KEYWORD]).toBe(true);
    expect(s.properties.either.anyOf[1][FINITE_KEYWORD]).toBe(true);
    expect(s.properties.name[FINITE_KEYWORD]).toBeUndefined();
    expect(s.properties.either.anyOf[0][FINITE_KEYWORD]).toBeUndefined();
    // Schemas shared between routes are marked once.
    expect(markNumbersFinite(schema)).toBe(0);
  });
});
