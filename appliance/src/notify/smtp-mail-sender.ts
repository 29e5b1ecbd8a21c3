/**
 * Host notifications by e-mail through the site's SMTP relay, with nodemailer: implicit TLS
 * (port 465) or STARTTLS (required, never silently plain), optional authentication, and the
 * site's own CA for a relay with a private certificate. The password is read from a file
 * and never appears in an error or a log. Every call has connection, greeting and socket
 * timeouts, so a relay that hangs fails the attempt instead of the queue.
 */
import { readFileSync } from 'node:fs';
import type { Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import {
  DeliveryError,
  type MailMessage,
  type MailSender,
} from '../services/notifications/notification-ports.js';

export interface SmtpSettings {
  host: string;
  port: number;
  /** tls: implicit TLS from the first byte; starttls: plain greeting, then TLS, required. */
  security: 'tls' | 'starttls' | 'none';
  auth?: { user: string; passwordFile?: string; password?: string };
  /** PEM file with the CA(s) that sign the relay's certificate; default: the system's. */
  caFile?: string;
  /** The From address, e.g. "Lobby <lobby@example.com>". */
  from: string;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;

export class SmtpMailSender implements MailSender {
  private readonly transportOptions: SMTPTransport.Options;
  /** Made on the first message: nodemailer (and the TLS, DNS and zlib modules it loads) is not
   * needed at the service's start, which sends nothing. */
  private transport: Promise<Transporter<SMTPTransport.SentMessageInfo>> | undefined;
  private readonly domain: string;

  constructor(private readonly settings: SmtpSettings) {
    const timeout = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const password =
      settings.auth?.password ??
      (settings.auth?.passwordFile
        ? readFileSync(settings.auth.passwordFile, 'utf8').trim()
        : undefined);
    // Files are read now, so a missing password or CA file stops the start, not the first mail.
    this.transportOptions = {
      host: settings.host,
      port: settings.port,
      secure: settings.security === 'tls',
      requireTLS: settings.security === 'starttls',
      ignoreTLS: settings.security === 'none',
      ...(settings.auth ? { auth: { user: settings.auth.user, pass: password ?? '' } } : {}),
      tls: {
        ...(settings.caFile ? { ca: readFileSync(settings.caFile, 'utf8') } : {}),
        minVersion: 'TLSv1.2',
      },
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      // One message per attempt: the queue does the retrying, so a pool would only hide state.
      pool: false,
    };
    this.domain = /@([^>\s]+)/.exec(settings.from)?.[1] ?? 'cardkiosk.invalid';
  }

  async send(m: MailMessage): Promise<void> {
    try {
      this.transport ??= import('nodemailer').then(({ default: nodemailer }) =>
        nodemailer.createTransport(this.transportOptions),
      );
      const transport = await this.transport;
      await transport.sendMail({
        from: this.settings.from,
        to: m.to,
        subject: m.subject,
        text: m.text,
        html: m.html,
        messageId: `<${m.id}@${this.domain}>`,
        attachments: (m.attachments ?? []).map((a) => ({
          filename: a.filename,
          contentType: a.contentType,
          content: Buffer.from(a.content),
          ...(a.cid ? { cid: a.cid } : {}),
        })),
      });
    } catch (err) {
      throw toDeliveryError(err);
    }
  }

  async close(): Promise<void> {
    if (this.transport) (await this.transport).close();
  }
}

/**
 * nodemailer's errors carry `code` (EAUTH, ECONNECTION, ETIMEDOUT, ESOCKET, EENVELOPE, …) and,
 * for an SMTP reply, `responseCode`. A 5xx reply to the envelope or the message is the
 * relay's final word (RFC 5321 §4.2.1); an authentication failure (535) or a failed STARTTLS
 * is a setting staff can fix, so it is retried like a relay that is away.
 */
function toDeliveryError(err: unknown): DeliveryError {
  const e = err as { code?: string; responseCode?: number; message?: string };
  const reply = e.responseCode ? ` (SMTP ${e.responseCode})` : '';
  // Only a refusal of this envelope or message is final; a 5xx to STARTTLS (ETLS) or AUTH is
  // the relay's setup, which staff can fix, so those are retried.
  const permanent =
    typeof e.responseCode === 'number' &&
    e.responseCode >= 500 &&
    (e.code === 'EENVELOPE' || e.code === 'EMESSAGE');
  const what =
    e.code === 'EAUTH'
      ? 'the mail relay refused the sign-in'
      : e.code === 'ECONNECTION' || e.code === 'ETIMEDOUT' || e.code === 'ESOCKET'
        ? 'the mail relay could not be reached'
        : e.code === 'ETLS'
          ? 'the mail relay offered no working TLS'
          : e.code === 'EENVELOPE' || e.code === 'EMESSAGE'
            ? 'the mail relay refused the message'
            : 'sending the e-mail failed';
  return new DeliveryError(`${what}${reply}: ${e.code ?? 'error'}`, permanent, { cause: err });
}
