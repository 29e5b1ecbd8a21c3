/**
 * The texts of host notifications and invitations, in the recipient's language (English and
 * Dutch, like the kiosk). Each says who, from which company, and where to meet. Values are
 * escaped for the HTML part; the plain-text part carries the same facts.
 */
import type { NotificationTopic } from '../../core/visit/visit-records.js';

export const NOTIFICATION_LANGUAGES = ['en', 'nl'] as const;
export type NotificationLanguage = (typeof NOTIFICATION_LANGUAGES)[number];

export function notificationLanguage(value: string | null | undefined): NotificationLanguage {
  return (NOTIFICATION_LANGUAGES as readonly string[]).includes(value ?? '')
    ? (value as NotificationLanguage)
    : 'en';
}

export interface VisitFacts {
  visitorName: string;
  company: string | null;
  hostName: string | null;
  siteName: string;
  meetingPoint: string;
  cardNumber?: string | null;
}

export interface InvitationFacts {
  visitorName: string;
  hostName: string | null;
  siteName: string;
  firstDay: string;
  lastDay: string;
  shortCode: string;
  meetingPoint: string;
}

type HostTopic = Exclude<NotificationTopic, 'invitation'>;

const HOST_TEXT: Record<
  NotificationLanguage,
  Record<HostTopic, { subject: (f: VisitFacts) => string; body: (f: VisitFacts) => string }>
> = {
  en: {
    visitor_arrived: {
      subject: (f) => `Your visitor ${f.visitorName} has arrived`,
      body: (f) =>
        `${f.visitorName}${f.company ? ` from ${f.company}` : ''} has arrived at ${f.siteName} and is asking for a visitor card. Please meet them at ${f.meetingPoint}.`,
    },
    card_ready: {
      subject: (f) => `The card for ${f.visitorName} is ready`,
      body: (f) =>
        `The card for ${f.visitorName}${f.company ? ` from ${f.company}` : ''} is ready at ${f.siteName}. Please meet them at ${f.meetingPoint}.`,
    },
    visitor_left: {
      subject: (f) => `${f.visitorName} has signed out`,
      body: (f) =>
        `${f.visitorName}${f.company ? ` from ${f.company}` : ''} has signed out at ${f.siteName} and returned the badge.`,
    },
  },
  nl: {
    visitor_arrived: {
      subject: (f) => `Uw bezoeker ${f.visitorName} is aangekomen`,
      body: (f) =>
        `${f.visitorName}${f.company ? ` van ${f.company}` : ''} is aangekomen bij ${f.siteName} en vraagt een bezoekerspas aan. Haal uw bezoeker op bij ${f.meetingPoint}.`,
    },
    card_ready: {
      subject: (f) => `De pas voor ${f.visitorName} is klaar`,
      body: (f) =>
        `De pas voor ${f.visitorName}${f.company ? ` van ${f.company}` : ''} ligt klaar bij ${f.siteName}. Haal uw bezoeker op bij ${f.meetingPoint}.`,
    },
    visitor_left: {
      subject: (f) => `${f.visitorName} heeft zich afgemeld`,
      body: (f) =>
        `${f.visitorName}${f.company ? ` van ${f.company}` : ''} heeft zich afgemeld bij ${f.siteName} en de pas ingeleverd.`,
    },
  },
};

const INVITATION_TEXT: Record<
  NotificationLanguage,
  { subject: (f: InvitationFacts) => string; body: (f: InvitationFacts) => string; code: string }
> = {
  en: {
    subject: (f) => `Your visit to ${f.siteName}`,
    body: (f) =>
      `${f.hostName ? `${f.hostName} has invited you` : 'You are invited'} to ${f.siteName} ${f.firstDay === f.lastDay ? `on ${f.firstDay}` : `from ${f.firstDay} to ${f.lastDay}`}. At the kiosk in the lobby, tap "I have an invitation" and show the QR code below to the camera, or type your code. Then meet your host at ${f.meetingPoint}.`,
    code: 'Your code',
  },
  nl: {
    subject: (f) => `Uw bezoek aan ${f.siteName}`,
    body: (f) =>
      `${f.hostName ? `${f.hostName} nodigt u uit` : 'U bent uitgenodigd'} bij ${f.siteName} ${f.firstDay === f.lastDay ? `op ${f.firstDay}` : `van ${f.firstDay} tot en met ${f.lastDay}`}. Tik bij de kiosk in de hal op "Ik heb een uitnodiging" en houd de QR-code hieronder voor de camera, of typ uw code. Uw gastheer of gastvrouw ontmoet u bij ${f.meetingPoint}.`,
    code: 'Uw code',
  },
};

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

export function hostMessage(
  topic: HostTopic,
  language: NotificationLanguage,
  facts: VisitFacts,
): { subject: string; text: string; html: string } {
  const t = HOST_TEXT[language][topic];
  const body = t.body(facts);
  return {
    subject: t.subject(facts),
    text: `${body}\n`,
    html: `<!doctype html><html lang="${language}"><body><p>${escapeHtml(body)}</p></body></html>`,
  };
}

/** The invitation e-mail; the QR code is an inline image with Content-ID `qr`. */
export function invitationMessage(
  language: NotificationLanguage,
  facts: InvitationFacts,
): { subject: string; text: string; html: string } {
  const t = INVITATION_TEXT[language];
  const body = t.body(facts);
  return {
    subject: t.subject(facts),
    text: `${body}\n\n${t.code}: ${facts.shortCode}\n`,
    html:
      `<!doctype html><html lang="${language}"><body><p>${escapeHtml(body)}</p>` +
      `<p><img src="cid:qr" alt="QR" width="240" height="240"></p>` +
      `<p>${escapeHtml(t.code)}: <strong>${escapeHtml(facts.shortCode)}</strong></p></body></html>`,
  };
}

/** The JSON a chat-tool webhook receives. */
export function webhookBody(
  topic: NotificationTopic,
  language: NotificationLanguage,
  facts: VisitFacts,
  ids: { visitId: string | null; notificationId: string },
  at: string,
): Record<string, unknown> {
  const text = topic === 'invitation' ? '' : hostMessage(topic, language, facts).text.trim();
  return {
    type: `visit.${topic}`,
    id: ids.notificationId,
    visitId: ids.visitId,
    at,
    site: facts.siteName,
    visitor: { name: facts.visitorName, company: facts.company },
    host: { name: facts.hostName },
    meetingPoint: facts.meetingPoint,
    text,
  };
}
