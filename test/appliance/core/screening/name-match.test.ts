import { describe, expect, it } from 'vitest';
import {
  findBarredMatches,
  nameKey,
  type BarredEntry,
} from '../../../../appliance/src/core/screening/name-match.js';

const entry = (over: Partial<BarredEntry> = {}): BarredEntry => ({
  id: 'b-1',
  name: 'José García Márquez',
  company: 'Acme B.V.',
  dateOfBirth: null,
  reason: 'trespass',
  ...over,
});

describe('barred persons matching', () => {
  it('ignores case, accents and the order of the name’s parts', () => {
    expect(nameKey('José García Márquez')).toBe(nameKey('MARQUEZ, garcia jose'));
    expect(findBarredMatches({ name: 'marquez Jose GARCIA' }, [entry()])).toEqual([
      { barredPersonId: 'b-1', matchedOn: ['name'] },
    ]);
  });

  it('folds letters that have no decomposition (ß, ø, ł)', () => {
    expect(nameKey('Łukasz Strauß')).toBe(nameKey('lukasz STRAUSS'));
    expect(nameKey('Søren Kierkegaard')).toBe(nameKey('Soren Kierkegaard'));
  });

  it('does not match a different name or a name with a part missing', () => {
    expect(findBarredMatches({ name: 'José García' }, [entry()])).toEqual([]);
    expect(findBarredMatches({ name: 'Josefine García Márquez' }, [entry()])).toEqual([]);
  });

  it('says when the company agrees too, but matches on the name alone', () => {
    expect(
      findBarredMatches({ name: 'Jose Garcia Marquez', company: 'ACME b.v.' }, [entry()]),
    ).toEqual([{ barredPersonId: 'b-1', matchedOn: ['name', 'company'] }]);
    expect(
      findBarredMatches({ name: 'Jose Garcia Marquez', company: 'Other' }, [entry()]),
    ).toHaveLength(1);
  });

  it('a date of birth on both sides must agree', () => {
    const dated = entry({ dateOfBirth: '1980-02-03' });
    expect(
      findBarredMatches({ name: 'Jose Garcia Marquez', dateOfBirth: '1981-01-01' }, [dated]),
    ).toEqual([]);
    expect(
      findBarredMatches({ name: 'Jose Garcia Marquez', dateOfBirth: '1980-02-03' }, [dated])[0]
        ?.matchedOn,
    ).toEqual(['name', 'dateOfBirth']);
    expect(findBarredMatches({ name: 'Jose Garcia Marquez' }, [dated])).toHaveLength(1);
  });

  it('never matches an empty or punctuation-only name', () => {
    expect(findBarredMatches({ name: ' - ' }, [entry({ name: '.' })])).toEqual([]);
  });
});
