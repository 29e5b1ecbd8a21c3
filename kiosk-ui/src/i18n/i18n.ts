/**
 * Message catalogs and the current language. All visible text comes from here; a component
 * that extends LocalizedElement re-renders when the language changes.
 */
import { LitElement } from 'lit';
import { en, type Catalog, type MessageKey } from './en.js';
import { nl } from './nl.js';

export type { MessageKey };
export const CATALOGS = { en, nl } as const satisfies Record<string, Catalog>;
export type Locale = keyof typeof CATALOGS;
export const LOCALES = Object.keys(CATALOGS) as Locale[];
export const DEFAULT_LOCALE: Locale = 'en';

let current: Locale = DEFAULT_LOCALE;
const listeners = new Set<() => void>();

export function locale(): Locale {
  return current;
}

export function setLocale(next: Locale): void {
  if (next === current) return;
  current = next;
  document.documentElement.lang = next;
  for (const l of listeners) l();
}

/** The message for `key` in the current language, with {placeholders} filled in. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text: string = CATALOGS[current][key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (m, name: string) =>
    name in params ? String(params[name]) : m,
  );
}

/** Keys that come in plural forms: `x.one`, `x.other` (and any other CLDR category). */
export type PluralKey = MessageKey extends infer K
  ? K extends `${infer B}.other`
    ? B
    : never
  : never;

/** The plural form of `key` that fits `count` in the current language; `{n}` is the count. */
export function tn(
  key: PluralKey,
  count: number,
  params: Record<string, string | number> = {},
): string {
  const form = `${key}.${new Intl.PluralRules(current).select(count)}`;
  const chosen = (form in en ? form : `${key}.other`) as MessageKey;
  return t(chosen, { n: count, ...params });
}

/** A date-time in the current language, for lists. */
export function formatDateTime(iso: string): string {
  return new Intl.DateTimeFormat(current, { dateStyle: 'medium', timeStyle: 'short' }).format(
    new Date(iso),
  );
}

/** A calendar day ('YYYY-MM-DD'); `medium` for lists and tables. */
export function formatDate(isoDay: string, style: 'full' | 'medium' = 'full'): string {
  return new Intl.DateTimeFormat(current, { dateStyle: style, timeZone: 'UTC' }).format(
    new Date(`${isoDay}T00:00:00Z`),
  );
}

/** Base class: re-render on a language change. */
export class LocalizedElement extends LitElement {
  private readonly relocalize = () => this.requestUpdate();

  override connectedCallback(): void {
    super.connectedCallback();
    listeners.add(this.relocalize);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    listeners.delete(this.relocalize);
  }
}
