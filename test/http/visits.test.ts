/**
 * Visits end to end over HTTP: the host told by e-mail (a real SMTP server, STARTTLS with
 * authentication) and by a signed webhook, in the host's language; the on-site list (JSON,
 * CSV, print page); sign-out by the badge's QR code and by a typed number, with the card
 * returned and its certificate on the CRL; staff ending a visit; closing time on the
 * durable scheduler after downtime; a relay that is down, then back; a barred walk-up
 * reaching approval with the match shown to staff only; the terms recorded; erasure.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevPki } from '../../provisioning/central/dev-pki.js';
import { webhookSignature } from '../../appliance/src/notify/http-webhook-sender.js';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { readServedCrl } from '../support/served-crl.js';
import { itWithTools } from '../support/system-tools.js';
import { TestSmtpServer } from '../support/test-smtp-server.js';
import { normalizeStatusCode, statusCodeHash } from '../../appliance/src/services/status-code.js';
import { addPerson, crewFor, ok, post, type Crew } from '../support/workflow-driver.js';
import type { FakePivEncoder } from '../support/fake-devices.js';

const WEBHOOK_SECRET = 'webhook-secret-0123456789';
const HOUR_MS = 3_600_000;
const PNG_1PX =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

interface WebhookCall {
  body: string;
  headers: IncomingMessage['headers'];
  signatureValid: boolean;
}

describe('visits', () => {
  let t: TestApp;
  let crew: Crew;
  let dir: string;
  let smtp: TestSmtpServer;
  let hook: Server;
  const hookCalls: WebhookCall[] = [];
  let hostId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cardkiosk-visits-'));
    const pki = await ensureDevPki(join(dir, 'pki'));
    writeFileSync(join(dir, 'smtp-password'), 'relay-pass\n');
    writeFileSync(join(dir, 'webhook-secret'), `${WEBHOOK_SECRET}\n`);
    smtp = new TestSmtpServer({
      security: 'starttls',
      certFile: pki.serverCert,
      keyFile: pki.serverKey,
      auth: { user: 'lobby', password: 'relay-pass' },
    });
    await smtp.start();
    hook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const ts = String(req.headers['x-cardkiosk-timestamp']);
        hookCalls.push({
          body,
          headers: req.headers,
          signatureValid:
            req.headers['x-cardkiosk-signature'] === webhookSignature(WEBHOOK_SECRET, ts, body),
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    t = await buildTestApp({
      config: {
        siteName: 'HQ Lobby',
        walkUp: {
          visitor: 'PcmProcVisitorCardWithApproval',
          contractor: 'CCProcContractorCardWithoutApproval',
        },
        timeZone: 'UTC',
        notifications: {
          meetingPoint: 'the north entrance',
          email: {
            host: '127.0.0.1',
            port: smtp.port,
            security: 'starttls',
            auth: { user: 'lobby', passwordFile: join(dir, 'smtp-password') },
            caFile: pki.caCert,
            from: 'HQ Lobby <lobby@hq.example>',
            timeoutMs: 5_000,
          },
          webhook: {
            url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`,
            secretFile: join(dir, 'webhook-secret'),
          },
          retry: { initialMs: 60_000, maxMs: 10 * 60_000, maxAttempts: 5 },
        },
        visits: { closingTime: '19:00', notifyHostOnLeave: true },
      },
    });
    crew = await crewFor(t);
    hostId = await addPerson(t, crew.officer, 'employee', {
      name: 'Hanna Host',
      email: 'hanna@hq.example',
    });
  });
  afterAll(async () => {
    await t.dispose();
    await smtp.stop();
    await new Promise<void>((r) => hook.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  const notifications = () => t.appliance.services.visiting.notifications;

  async function walkUp(
    body: Record<string, unknown>,
  ): Promise<{ requestId: string; statusCode: string; state: string }> {
    const created = await ok(
      post(t, null, '/api/self-service/requests', {
        kind: 'visitor',
        acceptTerms: true,
        hostPersonId: hostId,
        ...body,
      }),
      201,
    );
    const mine = await t.store.read((tx) =>
      tx.requests.getByStatusCodeHash(
        statusCodeHash(normalizeStatusCode(created.statusCode) as string),
      ),
    );
    return { requestId: mine!.id, statusCode: created.statusCode, state: created.state };
  }

  async function onSiteVisitor(
    name: string,
  ): Promise<{ requestId: string; cardNumber: string; cardId: string }> {
    const { requestId } = await walkUp({
      name,
      company: 'Acme',
      photo: { mimeType: 'image/png', base64: PNG_1PX },
    });
    await ok(post(t, crew.approver, `/api/requests/${requestId}/approve`));
    await ok(post(t, crew.producer, `/api/requests/${requestId}/production`, { mode: 'single' }));
    await t.appliance.services.production.whenIdle();
    await ok(post(t, crew.guard, `/api/requests/${requestId}/collect`));
    const d = await ok(
      t.call({ method: 'GET', url: `/api/requests/${requestId}`, cookie: crew.officer.cookie }),
    );
    // Arrival and card-ready messages go out now, so each test counts only its own.
    await notifications().deliverDue();
    return { requestId, cardNumber: d.card.cardNumber, cardId: d.card.id };
  }

  it('tells the host in their language, by e-mail and signed webhook, on arrival and when the card is ready', async () => {
    await ok(post(t, crew.officer, `/api/persons/${hostId}/language`, { language: 'nl' }), 204);
    const before = smtp.received.length;
    const { requestId } = await walkUp({ name: 'Zoë Visser', company: 'Acme B.V.' });
    expect(await notifications().deliverDue()).toEqual({ sent: 2, retrying: 0, failed: 0 });
    const [arrived] = (await smtp.waitFor(before + 1)).slice(before);
    expect(arrived?.to).toEqual(['hanna@hq.example']);
    expect(arrived?.user).toBe('lobby');
    expect(arrived?.secure).toBe(true);
    expect(arrived?.parsed.subject).toBe('Uw bezoeker Zoë Visser is aangekomen');
    expect(arrived?.parsed.text).toContain('Zoë Visser van Acme B.V. is aangekomen bij HQ Lobby');
    expect(arrived?.parsed.text).toContain('bij the north entrance');
    const call = hookCalls.at(-1) as WebhookCall;
    expect(call.signatureValid).toBe(true);
    expect(JSON.parse(call.body)).toMatchObject({
      type: 'visit.visitor_arrived',
      visitor: { name: 'Zoë Visser', company: 'Acme B.V.' },
      host: { name: 'Hanna Host' },
      meetingPoint: 'the north entrance',
    });
    expect(call.headers['x-cardkiosk-delivery']).toBe(JSON.parse(call.body).id);

    await ok(post(t, crew.approver, `/api/requests/${requestId}/approve`));
    await ok(post(t, crew.producer, `/api/requests/${requestId}/production`, { mode: 'single' }));
    await t.appliance.services.production.whenIdle();
    await notifications().deliverDue();
    const ready = (await smtp.waitFor(before + 2))[before + 1];
    expect(ready?.parsed.subject).toBe('De pas voor Zoë Visser is klaar');

    const listed = await ok(
      t.call({ method: 'GET', url: '/api/notifications?state=sent', cookie: crew.guard.cookie }),
    );
    expect(listed.items.map((n: any) => n.topic)).toEqual(
      expect.arrayContaining(['visitor_arrived', 'card_ready']),
    );
    await ok(post(t, crew.officer, `/api/persons/${hostId}/language`, { language: 'en' }), 204);
  });

  const opensslIt = itWithTools(['openssl']);

  opensslIt(
    'signs out by the badge’s QR code: visit left, card returned, certificate revoked, host told',
    async () => {
      const { cardNumber, cardId } = await onSiteVisitor('Quentin Qr');
      const onSite = await ok(
        t.call({ method: 'GET', url: '/api/visits/on-site', cookie: crew.guard.cookie }),
      );
      const entry = onSite.items.find((v: any) => v.cardNumber === cardNumber);
      expect(entry).toMatchObject({
        name: 'Quentin Qr',
        company: 'Acme',
        hostName: 'Hanna Host',
        state: 'on_site',
        hasPhoto: true,
      });
      const photo = await t.call({
        method: 'GET',
        url: `/api/visits/${entry.id}/photo`,
        cookie: crew.guard.cookie,
      });
      expect(photo.headers['content-type']).toBe('image/png');
      const csv = await t.call({
        method: 'GET',
        url: '/api/visits/on-site.csv',
        cookie: crew.guard.cookie,
      });
      expect(csv.headers['content-type']).toMatch(/^text\/csv/);
      expect(csv.body.split('\r\n')[0]).toBe(
        '"name","company","kind","host","card number","card valid until","on site since"',
      );
      expect(csv.body).toContain(`"Quentin Qr","Acme","visitor","Hanna Host","${cardNumber}"`);
      const page = await t.call({
        method: 'GET',
        url: '/api/visits/on-site/print',
        cookie: crew.guard.cookie,
      });
      expect(page.body).toContain('<td>Quentin Qr</td>');
      expect(page.body).toContain(`/api/visits/${entry.id}/photo`);
      expect(page.body).not.toMatch(/<script|style=/);

      const before = smtp.received.length;
      // The QR code on the badge carries the card number.
      expect(await ok(post(t, null, '/api/self-service/sign-out', { cardNumber }))).toEqual({
        state: 'left',
      });
      const card = await ok(
        t.call({ method: 'GET', url: `/api/cards/${cardId}`, cookie: crew.guard.cookie }),
      );
      expect(card.status).toBe('returned');
      const stored = await t.store.read((tx) => tx.cards.get(cardId));
      const crl = await readServedCrl(t, dir);
      expect(crl.serials).toContain(stored!.certificateSerial!.toUpperCase().replace(/^0+/, ''));
      expect(crl.text).toMatch(/Cessation Of Operation/);
      const after = await ok(
        t.call({ method: 'GET', url: '/api/visits/on-site', cookie: crew.guard.cookie }),
      );
      expect(after.items.find((v: any) => v.cardNumber === cardNumber)).toBeUndefined();
      await notifications().deliverDue();
      const left = (await smtp.waitFor(before + 1))[before];
      expect(left?.parsed.subject).toBe('Quentin Qr has signed out');
      // The same badge again: nobody is on site with it any more.
      expect((await post(t, null, '/api/self-service/sign-out', { cardNumber })).statusCode).toBe(
        404,
      );
    },
  );

  it('signs out by a typed card number, spaces and all; an unknown number reveals nothing', async () => {
    const { cardNumber } = await onSiteVisitor('Tina Typed');
    const spaced = cardNumber.replace(/(\d{4})/g, '$1 ');
    expect(await ok(post(t, null, '/api/self-service/sign-out', { cardNumber: spaced }))).toEqual({
      state: 'left',
    });
    const unknown = await post(t, null, '/api/self-service/sign-out', { cardNumber: '1234567890' });
    expect(unknown.statusCode).toBe(404);
    const bad = await post(t, null, '/api/self-service/sign-out', { cardNumber: 'DROP TABLE' });
    expect(bad.statusCode).toBe(400);
  });

  it('signs out by the Digital ID put in the encoder’s reader; an empty reader cannot be read', async () => {
    const encoder = t.encoder as FakePivEncoder;
    const { cardId } = await onSiteVisitor('Rita Reader');
    const chip = encoder.chips.at(-1)!;
    const stored = await t.store.read((tx) => tx.cards.get(cardId));
    expect(Buffer.from(chip.guid).toString('hex')).toBe(stored?.guid);
    // Someone else's badge is the last one personalised; Rita's is the one in the reader.
    await onSiteVisitor('Otto Other');
    encoder.chipInReader = chip;
    expect(await ok(post(t, null, '/api/self-service/sign-out/card-in-reader'))).toEqual({
      state: 'left',
    });
    expect((await t.store.read((tx) => tx.cards.get(cardId)))?.status).toBe('returned');
    // The same badge again: not on site any more.
    expect((await post(t, null, '/api/self-service/sign-out/card-in-reader')).statusCode).toBe(404);
    // A badge without a chip looks like an empty reader.
    encoder.chipInReader = null;
    const empty = await post(t, null, '/api/self-service/sign-out/card-in-reader');
    expect(empty.statusCode).toBe(422);
    expect(empty.json()).toMatchObject({ error: 'CARD_NOT_READABLE' });
    encoder.chipInReader = undefined;
  });

  it('staff end a visit without the badge: listed as unreturned, the badge revoked', async () => {
    const { cardId } = await onSiteVisitor('Ursula Unreturned');
    const visits = await ok(
      t.call({ method: 'GET', url: '/api/visits?state=on_site', cookie: crew.guard.cookie }),
    );
    const visit = visits.items.find((v: any) => v.name === 'Ursula Unreturned');
    const missing = await post(t, crew.guard, `/api/visits/${visit.id}/end`, {});
    expect(missing.statusCode).toBe(400);
    const ended = await ok(
      post(t, crew.guard, `/api/visits/${visit.id}/end`, {
        badgeReturned: false,
        reason: 'left by the side door',
      }),
    );
    expect(ended).toMatchObject({ state: 'ended_by_staff', badgeReturned: false });
    const unreturned = await ok(
      t.call({ method: 'GET', url: '/api/visits/unreturned-badges', cookie: crew.guard.cookie }),
    );
    expect(unreturned.items.map((v: any) => v.id)).toContain(visit.id);
    const card = await ok(
      t.call({ method: 'GET', url: `/api/cards/${cardId}`, cookie: crew.guard.cookie }),
    );
    expect(card.status).toBe('revoked');
    const details = await ok(
      t.call({ method: 'GET', url: `/api/visits/${visit.id}`, cookie: crew.guard.cookie }),
    );
    expect(details.transitions.map((x: any) => x.toState)).toEqual([
      'arrived',
      'on_site',
      'ended_by_staff',
    ]);
  });

  it('sends a barred walk-up to approval and shows the match to staff only', async () => {
    await ok(
      post(t, crew.guard, '/api/barred-persons', {
        name: 'José García',
        company: 'Rogue Ltd',
        reason: 'threatened staff in 2025',
      }),
      201,
    );
    const created = await ok(
      post(t, null, '/api/self-service/requests', {
        kind: 'visitor',
        name: 'GARCIA jose',
        company: 'Other',
        acceptTerms: true,
      }),
      201,
    );
    expect(created.state).toBe('awaiting_approval');
    expect(JSON.stringify(created)).not.toMatch(/barred|threat|García/i);
    const status = await ok(
      post(t, null, '/api/self-service/status', { statusCode: created.statusCode }),
    );
    expect(JSON.stringify(status)).not.toMatch(/barred|threat/i);
    const pending = await ok(
      t.call({
        method: 'GET',
        url: '/api/requests?state=awaiting_approval&limit=500',
        cookie: crew.approver.cookie,
      }),
    );
    const ids: string[] = pending.items.map((r: any) => r.id);
    let screened: any = null;
    for (const id of ids) {
      const s = await ok(
        t.call({
          method: 'GET',
          url: `/api/requests/${id}/screening`,
          cookie: crew.approver.cookie,
        }),
      );
      if (s.matches.length) screened = s;
    }
    expect(screened.matches[0]).toMatchObject({
      name: 'José García',
      reason: 'threatened staff in 2025',
      matchedOn: ['name'],
    });
    const anonymous = await t.call({ method: 'GET', url: `/api/requests/${ids[0]}/screening` });
    expect(anonymous.statusCode).toBe(401);
    const producer = await t.call({
      method: 'GET',
      url: `/api/requests/${ids[0]}/screening`,
      cookie: crew.producer.cookie,
    });
    expect(producer.statusCode).toBe(403);
  });

  it('holds a barred walk-up of a process without approval for staff', async () => {
    await ok(
      post(t, crew.guard, '/api/barred-persons', { name: 'Bruno Barred', reason: 'theft' }),
      201,
    );
    const created = await ok(
      post(t, null, '/api/self-service/requests', {
        kind: 'contractor',
        name: 'barred BRUNO',
        validUntil: '2099-01-31',
        acceptTerms: true,
      }),
      201,
    );
    expect(created.state).toBe('requested');
    const held = await ok(
      t.call({ method: 'GET', url: '/api/requests?state=requested', cookie: crew.officer.cookie }),
    );
    const id = held.items[0].id;
    const released = await ok(post(t, crew.officer, `/api/visits/held/${id}/release`));
    expect(['approved', 'card_generated']).toContain(released.state);
  });

  it('records the terms accepted: the text’s hash, the language and the time; refuses a stale version', async () => {
    const terms = await ok(t.call({ method: 'GET', url: '/api/self-service/terms?lang=nl' }));
    expect(terms.text).toContain('worden verwijderd 30 dagen nadat uw bezoek eindigt');
    expect(terms.version).toMatch(/^[0-9a-f]{64}$/);
    const { requestId } = await walkUp({
      name: 'Tom Terms',
      termsVersion: terms.version,
      language: 'nl',
    });
    const recorded = await t.store.read((tx) => tx.visits.terms(requestId));
    expect(recorded).toEqual({
      requestId,
      textSha256: terms.version,
      language: 'nl',
      acceptedAt: t.clock.now().toISOString(),
    });
    const count = async () =>
      (await t.store.read((tx) => tx.persons.search({ text: 'Stale', limit: 10, offset: 0 })))
        .length;
    const stale = await post(t, null, '/api/self-service/requests', {
      kind: 'visitor',
      name: 'Stale Steve',
      acceptTerms: true,
      termsVersion: 'a'.repeat(64),
      language: 'en',
    });
    expect(stale.statusCode).toBe(409);
    expect(await count()).toBe(0);
  });

  it('erases one visitor’s personal data on request, once the visit is over', async () => {
    const { cardNumber } = await onSiteVisitor('Erin Erase');
    const visits = await ok(
      t.call({ method: 'GET', url: '/api/visits?state=on_site', cookie: crew.guard.cookie }),
    );
    const visit = visits.items.find((v: any) => v.name === 'Erin Erase');
    expect((await post(t, crew.guard, `/api/persons/${visit.personId}/erase`)).statusCode).toBe(
      409,
    );
    await ok(post(t, null, '/api/self-service/sign-out', { cardNumber }));
    await ok(post(t, crew.guard, `/api/persons/${visit.personId}/erase`), 204);
    const person = await t.store.read((tx) => tx.persons.get(visit.personId));
    expect(person).toMatchObject({ name: 'erased', company: null, email: null, photo: null });
    const audit = await ok(
      t.call({
        method: 'GET',
        url: `/api/audit?action=person.erased&objectId=${visit.personId}`,
        cookie: crew.officer.cookie,
      }),
    );
    expect(JSON.stringify(audit.items)).not.toContain('Erin');
    const outbox = await t.store.read((tx) => tx.outbox.pending(10_000));
    expect(outbox.some((e) => e.type === 'person.erased' && e.aggregateId === visit.personId)).toBe(
      true,
    );
  });
  it('queues while the relay is down, shows staff what failed, delivers when it is back', async () => {
    await smtp.stop();
    const before = smtp.received.length;
    await walkUp({ name: 'Dora Down', company: 'Acme' });
    const round = await notifications().deliverDue();
    expect(round.retrying).toBe(1);
    expect(round.sent).toBe(1); // the webhook got through
    const waiting = await ok(
      t.call({
        method: 'GET',
        url: '/api/notifications?state=retrying',
        cookie: crew.guard.cookie,
      }),
    );
    expect(waiting.items[0]).toMatchObject({ channel: 'email', attempts: 1 });
    expect(waiting.items[0].lastError).toMatch(/could not be reached/);
    expect(waiting.counts.retrying).toBe(1);
    // Not due yet: nothing is attempted before the backoff ends.
    expect(await notifications().deliverDue()).toEqual({ sent: 0, retrying: 0, failed: 0 });
    await smtp.start();
    // Past the backoff (at most 10 minutes here), within the staff sessions' idle time.
    t.clock.advance(HOUR_MS / 3);
    expect(await notifications().deliverDue()).toEqual({ sent: 1, retrying: 0, failed: 0 });
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    expect(mail?.parsed.subject).toBe('Your visitor Dora Down has arrived');
  });

  it('ends the visits still open at closing time, also when the device was off then', async () => {
    const { cardId } = await onSiteVisitor('Carl Closing');
    const visiting = t.appliance.services.visiting;
    const openBefore = [
      ...(await visiting.visits.list({ state: 'arrived', limit: 500, offset: 0 })),
      ...(await visiting.visits.list({ state: 'on_site', limit: 500, offset: 0 })),
    ].length;
    expect(openBefore).toBeGreaterThan(1);
    // The device is off across two closing times; on start the job runs once and catches up.
    t.clock.advance(50 * HOUR_MS);
    const reports = await t.appliance.scheduler.runDue();
    expect(reports.find((r) => r.name === 'visits.closing-time')).toMatchObject({
      ok: true,
      // Every visit open then, arrived or on site, from this and the earlier tests.
      summary: { ended: openBefore },
    });
    // Staff sessions idled out meanwhile: read what the console would show from the services.
    const ended = await visiting.visits.list({ state: 'ended_at_closing', limit: 50, offset: 0 });
    expect(ended.map((v) => v.name)).toContain('Carl Closing');
    expect(ended.find((v) => v.name === 'Carl Closing')?.stateReason).toBe(
      'open at closing time 19:00',
    );
    // The badge was not returned: revoked as lost at closing time, unless the card-expiry job
    // of the same catch-up found its day over first (the jobs run in registration order).
    expect(['revoked', 'expired']).toContain(
      (await t.store.read((tx) => tx.cards.get(cardId)))?.status,
    );
    expect(await visiting.visits.onSite()).toEqual([]);
    // Run again: nothing more is due, nothing else ends.
    expect(await t.appliance.scheduler.runDue()).toEqual([]);
  });
});
