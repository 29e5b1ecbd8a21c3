/**
 * Matching a person against the barred persons list: names compare without regard to case,
 * accents or the order of the name's parts ("José García" = "GARCIA jose"); a date of birth
 * on both sides must agree, and one on only one side does not rule a match out (a walk-up
 * does not give one). The company is shown to staff but never decides: a barred person may
 * come back for another employer. Pure; depends on nothing.
 */

/** Lower case, accents removed, punctuation to spaces, parts sorted. */
export function nameKey(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .toLocaleLowerCase('en')
      // Letters that NFKD does not decompose: ß ø æ œ ł đ. Written as escapes so that the
      // bundled service stays ASCII (a one-byte string for V8, decoded in a fraction of the time).
      .replace(/\u00df/g, 'ss')
      .replace(/\u00f8/g, 'o')
      .replace(/\u00e6/g, 'ae')
      .replace(/\u0153/g, 'oe')
      .replace(/\u0142/g, 'l')
      .replace(/\u0111/g, 'd')
      .split(/[^\p{L}\p{N}]+/u)
      .filter((part) => part.length > 0)
      .sort()
      .join(' ')
  );
}

export interface BarredEntry {
  id: string;
  name: string;
  company: string | null;
  dateOfBirth: string | null;
  reason: string;
}

export interface ScreenedPerson {
  name: string;
  company?: string | null;
  dateOfBirth?: string | null;
}

export interface BarredMatch {
  barredPersonId: string;
  /** What matched, for staff: always the name; the company when it agrees too. */
  matchedOn: ('name' | 'company' | 'dateOfBirth')[];
}

export function findBarredMatches(
  person: ScreenedPerson,
  list: readonly BarredEntry[],
): BarredMatch[] {
  const key = nameKey(person.name);
  if (key === '') return [];
  const matches: BarredMatch[] = [];
  for (const entry of list) {
    if (nameKey(entry.name) !== key) continue;
    if (entry.dateOfBirth && person.dateOfBirth && entry.dateOfBirth !== person.dateOfBirth)
      continue;
    const matchedOn: BarredMatch['matchedOn'] = ['name'];
    if (entry.company && person.company && nameKey(entry.company) === nameKey(person.company))
      matchedOn.push('company');
    if (entry.dateOfBirth && person.dateOfBirth) matchedOn.push('dateOfBirth');
    matches.push({ barredPersonId: entry.id, matchedOn });
  }
  return matches;
}
