/** Visits to response bodies, the on-site list as CSV and as a print-friendly page. */
import type { VisitView } from '../core/visit/visit-records.js';
import type { NotificationRecord } from '../core/visit/visit-records.js';

export function presentVisit(v: VisitView) {
  return {
    id: v.id,
    state: v.state,
    stateReason: v.stateReason,
    personId: v.personId,
    name: v.name,
    company: v.company,
    kind: v.kind,
    hostPersonId: v.hostPersonId,
    hostName: v.hostName,
    requestId: v.requestId,
    invitationId: v.invitationId,
    cardId: v.cardId,
    cardNumber: v.cardNumber,
    cardStatus: v.cardStatus,
    cardValidUntil: v.cardValidUntil,
    hasPhoto: v.hasPhoto,
    badgeReturned: v.badgeReturned,
    arrivedAt: v.arrivedAt,
    onSiteAt: v.onSiteAt,
    endedAt: v.endedAt,
    updatedAt: v.updatedAt,
  };
}

/** What staff see of a notification: where and what about, not the message body. */
export function presentNotification(n: NotificationRecord) {
  return {
    id: n.id,
    channel: n.channel,
    topic: n.topic,
    recipient: n.recipient,
    language: n.language,
    visitId: n.visitId,
    invitationId: n.invitationId,
    subject: n.content.kind === 'email' ? n.content.subject : null,
    state: n.state,
    attempts: n.attempts,
    nextAttemptAt: n.state === 'queued' || n.state === 'retrying' ? n.nextAttemptAt : null,
    lastError: n.lastError,
    sentAt: n.sentAt,
    createdAt: n.createdAt,
  };
}

/** RFC 4180: every field quoted, quotes doubled, CRLF line ends; formulas defused. */
function csvField(value: string | null): string {
  let s = value ?? '';
  // A cell starting with = + - @ is a formula to a spreadsheet (CSV injection).
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

export const ON_SITE_COLUMNS = [
  'name',
  'company',
  'kind',
  'host',
  'card number',
  'card valid until',
  'on site since',
] as const;

export function onSiteCsv(visits: readonly VisitView[]): string {
  const lines = [ON_SITE_COLUMNS.map(csvField).join(',')];
  for (const v of visits) {
    lines.push(
      [v.name, v.company, v.kind, v.hostName, v.cardNumber, v.cardValidUntil, v.onSiteAt]
        .map(csvField)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

function esc(s: string | null): string {
  return (s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

/**
 * The evacuation list as a page to print: no script, styles from a separate sheet (the CSP
 * allows no inline style), photos from the staff-only photo route.
 */
export function onSiteHtml(visits: readonly VisitView[], siteName: string, at: string): string {
  const rows = visits
    .map(
      (v) =>
        `<tr><td class="photo">${v.hasPhoto ? `<img src="/api/visits/${esc(v.id)}/photo" alt="">` : ''}</td>` +
        `<td>${esc(v.name)}</td><td>${esc(v.company)}</td><td>${esc(v.kind)}</td>` +
        `<td>${esc(v.hostName)}</td><td>${esc(v.cardNumber)}</td><td>${esc(v.onSiteAt)}</td>` +
        `<td class="check"></td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>On site at ${esc(siteName)}</title>
<link rel="stylesheet" href="/api/visits/on-site/print.css"></head>
<body><h1>On site at ${esc(siteName)}</h1>
<p>${visits.length} ${visits.length === 1 ? 'person' : 'people'} on site at ${esc(at)}.</p>
<table><thead><tr><th>Photo</th><th>Name</th><th>Company</th><th>Kind</th><th>Host</th><th>Card</th><th>On site since</th><th>Accounted for</th></tr></thead>
<tbody>
${rows}
</tbody></table></body></html>
`;
}

export const ON_SITE_PRINT_CSS = `body { font-family: sans-serif; margin: 1.5cm; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #000; padding: 4px 6px; text-align: left; vertical-align: middle; }
td.photo img { width: 2.5cm; height: auto; }
td.check { width: 2.5cm; }
@media print { body { margin: 0; } tr { break-inside: avoid; } }
`;
