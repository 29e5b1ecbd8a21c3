/**
 * The nodemailer sender against a real SMTP server started here: STARTTLS and implicit TLS
 * with a certificate from the dev PKI (trusted through caFile only), authentication, a relay
 * that refuses the recipient (final), one that rejects the sign-in, and one that is down.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevPki, type DevPkiFiles } from '../../../provisioning/central/dev-pki.js';
import { SmtpMailSender } from '../../../appliance/src/notify/smtp-mail-sender.js';
import { DeliveryError } from '../../../appliance/src/services/notifications/notification-ports.js';
import { TestSmtpServer } from '../../support/test-smtp-server.js';

let dir: string;
let pki: DevPkiFiles;
let passwordFile: string;
const servers: TestSmtpServer[] = [];
const senders: SmtpMailSender[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cardkiosk-smtp-'));
  pki = await ensureDevPki(join(dir, 'pki'));
  passwordFile = join(dir, 'smtp-password');
  writeFileSync(passwordFile, 'relay-secret-1\n', { mode: 0o600 });
});
afterEach(async () => {
  for (const s of senders.splice(0)) await s.close();
  for (const s of servers.splice(0)) await s.stop();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function server(options: ConstructorParameters<typeof TestSmtpServer>[0]) {
  const s = new TestSmtpServer({ certFile: pki.serverCert, keyFile: pki.serverKey, ...options });
  await s.start();
  servers.push(s);
  return s;
}

function sender(
  port: number,
  extra: Partial<ConstructorParameters<typeof SmtpMailSender>[0]> = {},
) {
  const s = new SmtpMailSender({
    host: '127.0.0.1',
    port,
    security: 'starttls',
    from: 'Lobby <lobby@site.example>',
    caFile: pki.caCert,
    timeoutMs: 5_000,
    ...extra,
  });
  senders.push(s);
  return s;
}

const message = {
  id: 'n-1',
  to: 'host@site.example',
  subject: 'Uw bezoeker Zoë Janssen is aangekomen',
  text: 'Zoë Janssen van Acme is aangekomen.\n',
  html: '<p>Zoë Janssen van Acme is aangekomen.</p>',
  attachments: [
    {
      filename: 'qr.png',
      contentType: 'image/png',
      content: new Uint8Array([137, 80, 78, 71]),
      cid: 'qr',
    },
  ],
};

describe('SmtpMailSender', () => {
  it('delivers over STARTTLS with authentication: subject, text, HTML and inline image intact', async () => {
    const s = await server({
      security: 'starttls',
      auth: { user: 'kiosk', password: 'relay-secret-1' },
    });
    await sender(s.port, { auth: { user: 'kiosk', passwordFile } }).send(message);
    const [mail] = await s.waitFor(1);
    expect(mail?.secure).toBe(true);
    expect(mail?.user).toBe('kiosk');
    expect(mail?.to).toEqual(['host@site.example']);
    expect(mail?.from).toBe('lobby@site.example');
    expect(mail?.parsed.subject).toBe(message.subject);
    expect(mail?.parsed.text).toBe(message.text);
    expect(mail?.parsed.html).toContain('Zoë Janssen van Acme');
    expect(mail?.parsed.messageId).toBe('<n-1@site.example>');
    expect(mail?.parsed.attachments[0]?.cid).toBe('qr');
    expect([...(mail?.parsed.attachments[0]?.content ?? [])]).toEqual([137, 80, 78, 71]);
  });

  it('delivers over implicit TLS', async () => {
    const s = await server({ security: 'tls' });
    await sender(s.port, { security: 'tls' }).send(message);
    const [mail] = await s.waitFor(1);
    expect(mail?.secure).toBe(true);
  });

  it('never falls back to plain text when the relay offers no STARTTLS', async () => {
    const s = await server({ security: 'none' });
    const err = await sender(s.port)
      .send(message)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect((err as DeliveryError).permanent).toBe(false);
    expect(s.received).toHaveLength(0);
  });

  it('refuses a relay whose certificate the configured CA did not sign', async () => {
    const s = await server({ security: 'tls' });
    const { caFile: _ca, ...settings } = {
      host: '127.0.0.1',
      port: s.port,
      security: 'tls' as const,
      from: 'lobby@site.example',
      caFile: undefined,
      timeoutMs: 5_000,
    };
    const plain = new SmtpMailSender(settings);
    senders.push(plain);
    await expect(plain.send(message)).rejects.toBeInstanceOf(DeliveryError);
    expect(s.received).toHaveLength(0);
  });

  it('a wrong password is retried later, and the error never holds the password', async () => {
    const s = await server({ security: 'starttls', auth: { user: 'kiosk', password: 'other' } });
    const err = (await sender(s.port, { auth: { user: 'kiosk', passwordFile } })
      .send(message)
      .catch((e: unknown) => e)) as DeliveryError;
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err.permanent).toBe(false);
    expect(err.message).toMatch(/refused the sign-in/);
    expect(err.message).not.toContain('relay-secret-1');
  });

  it('a recipient refused with 550 is the final word', async () => {
    const s = await server({ security: 'starttls', refuse: true });
    const err = (await sender(s.port)
      .send(message)
      .catch((e: unknown) => e)) as DeliveryError;
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err.permanent).toBe(true);
    expect(err.message).toMatch(/550/);
  });

  it('a relay that is down fails the attempt, to be retried', async () => {
    const s = await server({ security: 'starttls' });
    const port = s.port;
    await s.stop();
    const err = (await sender(port)
      .send(message)
      .catch((e: unknown) => e)) as DeliveryError;
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err.permanent).toBe(false);
    expect(err.message).toMatch(/could not be reached/);
  });
});
