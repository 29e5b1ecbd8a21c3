/**
 * Invitations from the central Identity Manager (the SCIM test server over mutual TLS): an
 * administrator registers a visitor expected at this device's site; the device's pull
 * registers it once (by the centre's id), makes the short code and sends the visitor's e-mail
 * itself (a real SMTP server receives it), and the code works at the kiosk. While the centre
 * is away the kiosk still redeems what it has and the pull fails without losing anything; a
 * central withdrawal arrives by the next pull and stops the code. Invitations for another
 * device are not listed to this one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../support/build-test-app.js';
import { startCentral, type CentralFixture } from '../../../support/central-fixture.js';
import { FAST_SYNC } from '../../../support/sync-scenario.js';
import { TestSmtpServer } from '../../../support/test-smtp-server.js';
import { post } from '../../../support/workflow-driver.js';

let fx: CentralFixture;
let t: TestApp;
let smtp: TestSmtpServer;

beforeAll(async () => {
  fx = await startCentral();
  smtp = new TestSmtpServer({ security: 'none' });
  await smtp.start();
  t = await buildTestApp({
    centralClient: fx.client({ requestTimeoutMs: 2_000 }),
    escrow: fx.escrow,
    config: {
      timeZone: 'UTC',
      sync: { enabled: true, ...FAST_SYNC } as never,
      notifications: {
        email: { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'lobby@hq.example' },
      },
      invitations: { countAsApproval: false, defaultProcess: 'CCProcVisitorCardWithApproval' },
    },
  });
}, 60_000);
afterAll(async () => {
  fx.proxy.set({ kind: 'pass' });
  await t?.dispose();
  await fx?.close();
  await smtp?.stop();
});

const today = () => t.clock.now().toISOString().slice(0, 10);
const sync = () => t.appliance.services.sync!;
const onDevice = (centralId: string) =>
  t.store.read((tx) => tx.invitations.getByCentralId(centralId));
const lookup = (code: string) => post(t, null, '/api/self-service/invitations/lookup', { code });

describe('invitations from the centre', () => {
  let hostUserId: string;
  let code: string;
  let firstId: string;

  it('registers a central invitation once, e-mails the visitor from the device, and the code works', async () => {
    hostUserId = await fx.central.addEmployee({
      userName: 'hanna',
      name: 'Hanna Host',
      email: 'hanna@hq.example',
    });
    firstId = await fx.central.invite('reception-desk', {
      forDevice: 'kiosk-test',
      name: 'Cora Central',
      company: 'Partner NV',
      email: 'cora@partner.example',
      hostUserId,
      firstDay: today(),
    });
    // An invitation for another site: never listed to this device.
    const elsewhere = await fx.central.invite('reception-desk', {
      forDevice: 'kiosk-elsewhere',
      name: 'Otto Other',
      email: 'otto@partner.example',
      hostUserId,
      firstDay: today(),
    });
    await sync().pull();
    const invitation = await onDevice(firstId);
    expect(invitation).toMatchObject({
      name: 'Cora Central',
      company: 'Partner NV',
      state: 'open',
      createdBy: 'central:reception-desk',
      processName: 'CCProcVisitorCardWithApproval',
    });
    expect(await onDevice(elsewhere)).toBeNull();
    const host = await t.store.read((tx) => tx.persons.getByCentralId(hostUserId));
    expect(invitation?.hostPersonId).toBe(host?.id);
    const expected = await t.store.read((tx) => tx.visits.getByInvitation(invitation!.id));
    expect(expected?.state).toBe('expected');

    // The device sends the e-mail: the code is made here and never leaves but in it.
    expect((await t.appliance.services.visiting.notifications.deliverDue()).sent).toBe(1);
    const [mail] = await smtp.waitFor(1);
    expect(mail?.to).toEqual(['cora@partner.example']);
    code = /\b[0-9A-Z]{4}-[0-9A-Z]{4}\b/.exec(mail!.parsed.text ?? '')?.[0] ?? '';
    expect(code).not.toBe('');
    const found = await lookup(code);
    expect(found.statusCode, found.body).toBe(200);
    expect(found.json()).toMatchObject({ name: 'Cora Central', hostName: 'Hanna Host' });
    expect(JSON.stringify(fx.central.byExternalId('Invitations', firstId) ?? {})).not.toContain(
      code,
    );

    // Pulled again (the watermark reset, as after a crash before it was stored): nothing new.
    await t.store.transaction((tx) => tx.outbox.setSyncValue('pullWatermark', ''));
    await sync().pull();
    const all = await t.store.read((tx) =>
      tx.invitations.list({ limit: 50, offset: 0, state: 'open' }),
    );
    expect(all.filter((i) => i.centralId === firstId)).toHaveLength(1);
    expect(await t.appliance.services.visiting.notifications.deliverDue()).toMatchObject({
      sent: 0,
    });
  });

  it('keeps working while the centre is away; a central withdrawal arrives when it is back', async () => {
    fx.proxy.set({ kind: 'refuse' });
    const later = await fx.central.invite('reception-desk', {
      forDevice: 'kiosk-test',
      name: 'Lena Later',
      email: 'lena@partner.example',
      hostUserId,
      firstDay: today(),
    });
    await fx.central.withdrawInvitation('reception-desk', firstId, 'meeting moved');
    await expect(sync().pull()).rejects.toMatchObject({ name: 'SyncError' });
    // The kiosk reads only its own database: the invitation it has still works.
    expect((await lookup(code)).statusCode).toBe(200);
    expect(await onDevice(later)).toBeNull();

    fx.proxy.set({ kind: 'pass' });
    await sync().pull();
    expect(await onDevice(later)).toMatchObject({ name: 'Lena Later', state: 'open' });
    const withdrawn = await onDevice(firstId);
    expect(withdrawn?.state).toBe('withdrawn');
    expect((await lookup(code)).statusCode).toBe(404);
    const visit = await t.store.read((tx) => tx.visits.getByInvitation(withdrawn!.id));
    expect(visit).toMatchObject({ state: 'withdrawn', stateReason: 'withdrawn centrally' });
    const audit = await t.store.read((tx) =>
      tx.audit.list({ limit: 10, offset: 0, objectId: withdrawn!.id }),
    );
    expect(audit.map((e) => `${e.action}:${e.actor}`)).toContain(
      'invitation.withdrawn:central:reception-desk',
    );
  });
});
