/**
 * Invitations end to end: staff register an expected visitor; the visitor's e-mail (received
 * by a real SMTP server) carries a QR code, decoded here with jsQR from the attached PNG, and
 * the short code; the kiosk finds the invitation by either, the request runs the
 * invitation's process, the invitation counts as approval where the site says so, the
 * expected visit becomes the arrived one and the host is told. A used code finds nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import jsqr from 'jsqr';
import { PNG } from 'pngjs';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { TestSmtpServer } from '../support/test-smtp-server.js';
import { addPerson, crewFor, ok, post, type Crew } from '../support/workflow-driver.js';

// jsqr is CommonJS with `exports.default`; Node's ESM interop hands over the module object.
const jsQR = ((jsqr as unknown as { default?: typeof jsqr.default }).default ??
  jsqr) as unknown as typeof jsqr.default;

describe('invitations', () => {
  let t: TestApp;
  let crew: Crew;
  let smtp: TestSmtpServer;
  let hostId: string;

  beforeAll(async () => {
    smtp = new TestSmtpServer({ security: 'none' });
    await smtp.start();
    t = await buildTestApp({
      config: {
        timeZone: 'UTC',
        notifications: {
          email: { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'lobby@hq.example' },
        },
        invitations: { countAsApproval: true, defaultProcess: 'CCProcVisitorCardWithApproval' },
      },
    });
    crew = await crewFor(t);
    hostId = await addPerson(t, crew.officer, 'employee', {
      name: 'Ivo Inviter',
      email: 'ivo@hq.example',
    });
  });
  afterAll(async () => {
    await t.dispose();
    await smtp.stop();
  });

  const today = () => t.clock.now().toISOString().slice(0, 10);

  it('e-mails a QR code and short code; at the kiosk the QR finds it and the card request is approved by the invitation', async () => {
    const created = await ok(
      post(t, crew.officer, '/api/invitations', {
        name: 'Inge Invited',
        company: 'Partner NV',
        email: 'inge@partner.example',
        hostPersonId: hostId,
        firstDay: today(),
        language: 'nl',
      }),
      201,
    );
    expect(created.code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const expected = await ok(
      t.call({ method: 'GET', url: '/api/visits?state=expected', cookie: crew.guard.cookie }),
    );
    expect(expected.items).toHaveLength(1);
    expect(expected.items[0]).toMatchObject({ name: 'Inge Invited', hostName: 'Ivo Inviter' });

    await t.appliance.services.visiting.notifications.deliverDue();
    const [mail] = await smtp.waitFor(1);
    expect(mail?.to).toEqual(['inge@partner.example']);
    expect(mail?.parsed.subject).toBe('Uw bezoek aan Lobby');
    expect(mail?.parsed.text).toContain(`Uw code: ${created.code}`);
    const qr = mail?.parsed.attachments.find((a) => a.cid === 'qr');
    expect(qr?.contentType).toBe('image/png');
    const png = PNG.sync.read(qr!.content);
    const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    expect(decoded?.data).toBe(`CKINV:${created.code}`);

    const found = await ok(
      post(t, null, '/api/self-service/invitations/lookup', { code: decoded!.data }),
    );
    expect(found).toEqual({
      name: 'Inge Invited',
      company: 'Partner NV',
      hostName: 'Ivo Inviter',
      processLabel: expect.any(String),
      kind: 'visitor',
      lastDay: today(),
    });
    const redeemed = await ok(
      post(t, null, '/api/self-service/invitations/redeem', {
        code: decoded!.data,
        acceptTerms: true,
      }),
      201,
    );
    // Approved by the invitation and the card object generated, ready for production.
    expect(redeemed.state).toBe('card_generated');
    const arrived = await ok(
      t.call({ method: 'GET', url: '/api/visits?state=arrived', cookie: crew.guard.cookie }),
    );
    expect(arrived.items).toHaveLength(1);
    expect(arrived.items[0]).toMatchObject({
      id: expected.items[0].id,
      name: 'Inge Invited',
      invitationId: created.invitation.id,
    });
    const requests = await ok(
      t.call({
        method: 'GET',
        url: `/api/requests/${arrived.items[0].requestId}`,
        cookie: crew.officer.cookie,
      }),
    );
    expect(requests.request.processName).toBe('CCProcVisitorCardWithApproval');
    expect(requests.transitions.map((x: any) => x.actor)).toContain(
      `central:invitation:${created.invitation.id}`,
    );

    await t.appliance.services.visiting.notifications.deliverDue();
    const [, hostMail] = await smtp.waitFor(2);
    expect(hostMail?.to).toEqual(['ivo@hq.example']);
    expect(hostMail?.parsed.subject).toBe('Your visitor Inge Invited has arrived');

    // Used: neither the QR code nor the typed code finds it again.
    expect(
      (await post(t, null, '/api/self-service/invitations/lookup', { code: created.code }))
        .statusCode,
    ).toBe(404);
    expect(
      (
        await post(t, null, '/api/self-service/invitations/redeem', {
          code: created.code,
          acceptTerms: true,
        })
      ).statusCode,
    ).toBe(404);
  });

  it('finds nothing before the invitation’s day, and refuses days already over', async () => {
    const tomorrow = new Date(t.clock.now().getTime() + 86_400_000).toISOString().slice(0, 10);
    const later = await ok(
      post(t, crew.officer, '/api/invitations', {
        name: 'Tim Tomorrow',
        email: 'tim@partner.example',
        hostPersonId: hostId,
        firstDay: tomorrow,
      }),
      201,
    );
    expect(
      (await post(t, null, '/api/self-service/invitations/lookup', { code: later.code }))
        .statusCode,
    ).toBe(404);
    const yesterday = new Date(t.clock.now().getTime() - 86_400_000).toISOString().slice(0, 10);
    const past = await post(t, crew.officer, '/api/invitations', {
      name: 'Paul Past',
      email: 'paul@partner.example',
      hostPersonId: hostId,
      firstDay: yesterday,
    });
    expect(past.statusCode).toBe(400);
    expect(
      (await post(t, null, '/api/self-service/invitations/lookup', { code: 'no+code!!' }))
        .statusCode,
    ).toBe(400);
  });

  const dayAfter = (days: number) =>
    new Date(t.clock.now().getTime() + days * 86_400_000).toISOString().slice(0, 10);

  it('staff withdraw an invitation: its code stops working and the expected visit is withdrawn', async () => {
    const created = await ok(
      post(t, crew.officer, '/api/invitations', {
        name: 'Wendy Withdrawn',
        email: 'wendy@partner.example',
        hostPersonId: hostId,
        firstDay: today(),
      }),
      201,
    );
    const id = created.invitation.id as string;
    expect((await post(t, null, `/api/invitations/${id}/withdraw`, {})).statusCode).toBe(401);
    const withdrawn = await ok(
      post(t, crew.guard, `/api/invitations/${id}/withdraw`, { reason: 'meeting cancelled' }),
    );
    expect(withdrawn.invitation).toMatchObject({ id, state: 'withdrawn' });
    const visit = await t.store.read((tx) => tx.visits.getByInvitation(id));
    expect(visit).toMatchObject({ state: 'withdrawn', stateReason: 'meeting cancelled' });
    expect(
      (await post(t, null, '/api/self-service/invitations/lookup', { code: created.code }))
        .statusCode,
    ).toBe(404);
    const again = await post(t, crew.officer, `/api/invitations/${id}/withdraw`, {});
    expect(again.statusCode).toBe(409);
    const listed = await ok(
      t.call({
        method: 'GET',
        url: '/api/invitations?state=withdrawn',
        cookie: crew.officer.cookie,
      }),
    );
    expect(listed.items.map((i: { id: string }) => i.id)).toContain(id);
    const audit = await t.store.read((tx) => tx.audit.list({ limit: 10, offset: 0, objectId: id }));
    expect(audit.map((e) => e.action)).toContain('invitation.withdrawn');
  });

  it('expires invitations whose last day has passed on the durable scheduler, catching up after downtime', async () => {
    const ending = await ok(
      post(t, crew.officer, '/api/invitations', {
        name: 'Eve Expiring',
        email: 'eve@partner.example',
        hostPersonId: hostId,
        firstDay: today(),
        lastDay: dayAfter(1),
      }),
      201,
    );
    const lasting = await ok(
      post(t, crew.officer, '/api/invitations', {
        name: 'Larry Lasting',
        email: 'larry@partner.example',
        hostPersonId: hostId,
        firstDay: today(),
        lastDay: dayAfter(10),
      }),
      201,
    );
    // Today's run: nothing of these is due yet.
    await t.appliance.scheduler.runDue();
    const state = async (id: string) => (await t.store.read((tx) => tx.invitations.get(id)))?.state;
    expect(await state(ending.invitation.id)).toBe('open');

    // The device is off for three days; at start the job runs once for the whole time.
    t.clock.advance(3 * 86_400_000);
    const dueNow = await t.store.read((tx) => tx.invitations.openEndedBefore(today()));
    expect(dueNow.map((i) => i.id)).toContain(ending.invitation.id);
    const reports = await t.appliance.scheduler.runDue();
    expect(reports.find((r) => r.name === 'invitations.expiry')).toMatchObject({
      ok: true,
      summary: { expired: dueNow.length },
    });
    expect(await state(ending.invitation.id)).toBe('expired');
    expect(await state(lasting.invitation.id)).toBe('open');
    expect(
      (await t.store.read((tx) => tx.visits.getByInvitation(ending.invitation.id)))?.state,
    ).toBe('withdrawn');
    expect(
      (await post(t, null, '/api/self-service/invitations/lookup', { code: ending.code }))
        .statusCode,
    ).toBe(404);
    // Nothing more is due.
    expect(
      (await t.appliance.scheduler.runDue()).find((r) => r.name === 'invitations.expiry'),
    ).toBeUndefined();
  });
});
