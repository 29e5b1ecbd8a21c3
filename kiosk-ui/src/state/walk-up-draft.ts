/**
 * What one walk-up has entered so far. It lives in memory only (never in storage, the URL or
 * history) and is replaced by a fresh draft when the person is done or walks away, so the next
 * person starts from nothing.
 */
import type { Host, WalkUpKind, WalkUpSubmission } from '../data/api-types.js';

export interface WalkUpDraft {
  kind: WalkUpKind | null;
  name: string;
  company: string;
  email: string;
  purpose: string;
  host: Host | null;
  /** YYYY-MM-DD, contractors only. */
  validUntil: string;
  /** JPEG as base64 (no data: prefix), or null for no photo. */
  photoBase64: string | null;
  acceptTerms: boolean;
}

/** The day `days` after today, as YYYY-MM-DD in the kiosk's local time. */
export function dayFromToday(days: number, from = new Date()): string {
  const d = new Date(from.getFullYear(), from.getMonth(), from.getDate() + days);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function emptyDraft(): WalkUpDraft {
  return {
    kind: null,
    name: '',
    company: '',
    email: '',
    purpose: '',
    host: null,
    // A contractor's first guess: a week; the person adjusts it, the server checks the limit.
    validUntil: dayFromToday(7),
    photoBase64: null,
    acceptTerms: false,
  };
}

/** The request body for the draft: empty optional fields are left out, not sent blank. */
export function toSubmission(d: WalkUpDraft): WalkUpSubmission {
  if (!d.kind) throw new Error('choose a kind first');
  const trimmed = (s: string) => s.trim() || undefined;
  const body: WalkUpSubmission = { kind: d.kind, name: d.name.trim(), acceptTerms: true };
  const company = trimmed(d.company);
  const email = trimmed(d.email);
  const purpose = trimmed(d.purpose);
  if (company) body.company = company;
  if (email) body.email = email;
  if (purpose) body.purpose = purpose;
  if (d.kind === 'visitor' && d.host) body.hostPersonId = d.host.id;
  if (d.kind === 'contractor') body.validUntil = d.validUntil;
  if (d.photoBase64) body.photo = { mimeType: 'image/jpeg', base64: d.photoBase64 };
  return body;
}
