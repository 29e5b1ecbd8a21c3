/**
 * A real SMTP server for notification tests (the `smtp-server` package, by nodemailer's
 * author): implicit TLS or STARTTLS with the dev PKI's loopback certificate, optional
 * authentication, a mode that refuses every recipient with 550, and stop/start on the same
 * port to play a relay that is down and comes back. Received messages are parsed with
 * mailparser, so tests read subject, text, HTML and attachments as a mail client would.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface ReceivedMail {
  from: string;
  to: string[];
  user: string | null;
  secure: boolean;
  parsed: ParsedMail;
}

export interface TestSmtpOptions {
  security: 'tls' | 'starttls' | 'none';
  certFile?: string;
  keyFile?: string;
  auth?: { user: string; password: string };
  /** Refuse every recipient with 550 (the relay's final word). */
  refuse?: boolean;
}

export class TestSmtpServer {
  readonly received: ReceivedMail[] = [];
  private server: SMTPServer | null = null;
  private waiters: (() => void)[] = [];
  port = 0;

  constructor(private readonly options: TestSmtpOptions) {}

  async start(port = this.port): Promise<void> {
    const o = this.options;
    const settings: SMTPServerOptions = {
      secure: o.security === 'tls',
      hideSTARTTLS: o.security !== 'starttls',
      ...(o.certFile && o.keyFile
        ? { cert: readFileSync(o.certFile), key: readFileSync(o.keyFile) }
        : {}),
      authOptional: !o.auth,
      authMethods: ['PLAIN', 'LOGIN'],
      // A plain relay cannot do STARTTLS at all (hiding it is not enough: nodemailer's
      // requireTLS sends STARTTLS even when it is not advertised).
      disabledCommands: [
        ...(o.auth ? [] : ['AUTH']),
        ...(o.security === 'none' ? ['STARTTLS'] : []),
      ],
      logger: false,
      onAuth: (auth, _session, cb) => {
        if (o.auth && auth.username === o.auth.user && auth.password === o.auth.password)
          cb(null, { user: auth.username });
        else cb(new Error('Invalid username or password'));
      },
      onRcptTo: (_address, _session, cb) => {
        if (o.refuse) {
          const err = new Error('mailbox unavailable') as Error & { responseCode: number };
          err.responseCode = 550;
          cb(err);
        } else cb();
      },
      onData: (stream, session, cb) => {
        simpleParser(stream)
          .then((parsed) => {
            this.received.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              user: (session.user as string | undefined) ?? null,
              secure: session.secure,
              parsed,
            });
            cb();
            for (const w of this.waiters.splice(0)) w();
          })
          .catch((err: Error) => cb(err));
      },
    };
    this.server = new SMTPServer(settings);
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (
      this.server as unknown as { server: { address(): AddressInfo } }
    ).server.address().port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Resolves once `count` messages have arrived. */
  async waitFor(count: number): Promise<ReceivedMail[]> {
    while (this.received.length < count) await new Promise<void>((r) => this.waiters.push(r));
    return this.received;
  }
}
