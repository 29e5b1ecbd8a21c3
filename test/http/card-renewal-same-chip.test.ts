/**
 * Renewal of a Digital ID on its own chip over the HTTP API (the test encoder personalises
 * and renews chips it holds, checking the management key and the holder's PIN as a card
 * would): a new certificate from the appliance's CA for the same card number, the old one on
 * the served CRL as superseded, the card kept `active` with its number, and one transaction's
 * history, audit and outbox event; refusals change nothing; a restart finishes a saved renewal
 * and undoes one the CA issued but the device never saved.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import type { PivEncoder } from '../../drivers/encoder/piv-encoder.js';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { FakePivEncoder } from '../support/fake-devices.js';
import { readServedCrl } from '../support/served-crl.js';
import { itWithTools } from '../support/system-tools.js';
import { TestClock } from '../support/test-clock.js';
import {
  collectedCard,
  crewFor,
  crewSignedInAgain,
  post,
  type Crew,
} from '../support/workflow-driver.js';

const DAY_MS = 86_400_000;
const opensslIt = itWithTools(['openssl']);
const SAME_CHIP = { lifecycle: { renewal: { employee: 'same-chip' as const } } } as const;

async function digitalCard(t: TestApp, crew: Crew): Promise<{ cardId: string; pin: string }> {
  const { cardId } = await collectedCard(t, crew, 'PcmProcEmployeeCardWithoutApproval');
  const encoder = t.encoder as FakePivEncoder;
  return { cardId, pin: encoder.chips.at(-1)!.pin };
}

async function card(t: TestApp, cardId: string) {
  return (await t.store.read((tx) => tx.cards.get(cardId)))!;
}

/** Into the renewal window: the card's last days. */
function intoWindow(clock: TestClock, validUntil: string): void {
  clock.advance(
    new Date(`${validUntil}T09:00:00.000Z`).getTime() - 10 * DAY_MS - clock.now().getTime(),
  );
}

describe('same-chip renewal of a Digital ID', () => {
  opensslIt('renews on the chip: new certificate, old one superseded on the CRL', async () => {
    const clock = new TestClock(new Date('2031-08-01T09:00:00.000Z'));
    const t = await buildTestApp({ clock, config: SAME_CHIP });
    const dir = mkdtempSync(join(tmpdir(), 'cardkiosk-renew-'));
    try {
      let crew = await crewFor(t);
      const { cardId, pin } = await digitalCard(t, crew);
      const before = await card(t, cardId);
      intoWindow(clock, before.validUntil);
      crew = await crewSignedInAgain(t, crew);
      const renewPath = `/api/cards/${cardId}/renew`;

      // Refusals change nothing: no PIN, a wrong PIN, a role that may not renew.
      const noPin = await post(t, crew.officer, renewPath, {});
      expect(noPin.statusCode).toBe(400);
      expect(noPin.json().message).toMatch(/PIN/);
      const wrong = await post(t, crew.officer, renewPath, {
        pin: pin === '000000' ? '111111' : '000000',
      });
      expect(wrong.statusCode).toBe(422);
      expect(wrong.json()).toMatchObject({ error: 'CARD_REFUSED' });
      expect(JSON.stringify(wrong.json())).not.toContain(pin);
      expect((await post(t, crew.guard, renewPath, { pin })).statusCode).toBe(403);
      expect(await card(t, cardId)).toEqual(before);
      expect(await t.store.read((tx) => tx.cardLifecycle.renewals())).toEqual([]);

      const headers = { 'idempotency-key': `renew-${cardId}` };
      const first = await post(t, crew.officer, renewPath, { pin }, headers);
      expect(first.statusCode).toBe(200);
      const again = await post(t, crew.officer, renewPath, { pin }, headers);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json()).toEqual(first.json());
      expect(JSON.stringify(first.json())).not.toContain(pin);

      const after = await card(t, cardId);
      expect(after.status).toBe('active');
      expect(after.cardNumber).toBe(before.cardNumber);
      expect(after.certificateSerial).not.toBe(before.certificateSerial);
      // A new validity from today, as the employee profile says (5 years).
      expect(after.validUntil > before.validUntil).toBe(true);
      const cert = new X509Certificate(Buffer.from(after.certificateDer!));
      expect(cert.serialNumber.toLowerCase()).toBe(
        after
          .certificateSerial!.replace(/^0+/, '')
          .padStart(cert.serialNumber.length, '0')
          .toLowerCase(),
      );
      expect(new Date(cert.validTo).toISOString().slice(0, 10)).toBe(after.validUntil);
      expect(cert.subject).toBe(new X509Certificate(Buffer.from(before.certificateDer!)).subject);
      // What the chip holds is what was recorded.
      const written = (t.encoder as FakePivEncoder).renewed.get(after.guid)!;
      expect(written).toHaveLength(1);
      expect(Buffer.from(written[0]!)).toEqual(Buffer.from(after.certificateDer!));

      const crl = await readServedCrl(t, dir);
      expect(crl.verified).toBe(true);
      expect(crl.serials).toContain(before.certificateSerial!.toUpperCase());
      expect(crl.text).toMatch(/Superseded/);
      expect(crl.serials).not.toContain(after.certificateSerial!.toUpperCase());

      const history = await t.store.read((tx) => tx.cardLifecycle.transitions(cardId));
      expect(history.map((h) => `${h.event}:${h.fromStatus}>${h.toStatus}`)).toEqual([
        'renew:collected>active',
      ]);
      const events = (await t.store.read((tx) => tx.outbox.pending(10_000))).filter(
        (e) => e.aggregateId === cardId && e.payload.event === 'renew',
      );
      expect(events).toHaveLength(1);
      expect(events[0]!.payload).toMatchObject({
        status: 'active',
        renewedOnChip: true,
        newCertificateSerial: after.certificateSerial,
        supersededCertificateSerial: before.certificateSerial,
        validUntil: after.validUntil,
      });
      expect(await t.store.read((tx) => tx.cardLifecycle.renewals())).toEqual([]);
    } finally {
      await t.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  opensslIt(
    'a restart undoes a renewal the CA issued but the device never saved, and finishes a saved one',
    async () => {
      const clock = new TestClock(new Date('2031-08-01T09:00:00.000Z'));
      const fake = new FakePivEncoder();
      let reachedIssue: () => void = () => undefined;
      const issuedReached = new Promise<void>((resolve) => (reachedIssue = resolve));
      // Dies between the CA's answer and the write to the card: the request never returns.
      const crashing: PivEncoder = Object.assign(Object.create(fake) as FakePivEncoder, {
        renewDigitalId: async (request: Parameters<PivEncoder['renewDigitalId']>[0]) =>
          fake.renewDigitalId({
            ...request,
            digital: {
              ...request.digital,
              issueCertificate: async (req) => {
                await request.digital.issueCertificate(req);
                reachedIssue();
                return new Promise<Uint8Array>(() => undefined);
              },
            },
          }),
      });
      let t = await buildTestApp({ clock, config: SAME_CHIP, encoder: crashing });
      const stateDir = t.stateDir;
      const dir = mkdtempSync(join(tmpdir(), 'cardkiosk-renew-'));
      try {
        let crew = await crewFor(t);
        const first = await digitalCard(t, crew);
        const pin = fake.chips.at(-1)!.pin;
        const second = await digitalCard(t, crew);
        const before = await card(t, first.cardId);
        const secondBefore = await card(t, second.cardId);
        intoWindow(clock, before.validUntil);
        crew = await crewSignedInAgain(t, crew);
        void post(t, crew.officer, `/api/cards/${first.cardId}/renew`, { pin });
        await issuedReached;
        const [row] = await t.store.read((tx) => tx.cardLifecycle.renewals());
        expect(row).toMatchObject({
          cardId: first.cardId,
          stage: 'issued',
          oldSerial: before.certificateSerial,
        });
        // A second renewal of the same card meanwhile would put another key on the chip.
        const twice = await post(t, crew.officer, `/api/cards/${first.cardId}/renew`, { pin });
        expect(twice.statusCode).toBe(409);
        // A saved renewal whose old certificate was not revoked yet when the device stopped.
        await t.store.transaction((tx) =>
          tx.cardLifecycle.setRenewal({
            cardId: second.cardId,
            stage: 'recorded',
            newSerial: 'ab',
            oldSerial: secondBefore.certificateSerial,
            at: clock.now().toISOString(),
          }),
        );
        await t.stop();

        t = await buildTestApp({ clock, config: SAME_CHIP, stateDir });
        expect(await t.store.read((tx) => tx.cardLifecycle.renewals())).toEqual([]);
        // Undone: the unsaved certificate is revoked, the card keeps its old one, valid.
        expect(await card(t, first.cardId)).toMatchObject({
          status: 'collected',
          certificateSerial: before.certificateSerial,
        });
        const crl = await readServedCrl(t, dir);
        expect(crl.serials).toContain(row!.newSerial.toUpperCase());
        expect(crl.serials).not.toContain(before.certificateSerial!.toUpperCase());
        expect(crl.text).toMatch(/Cessation Of Operation/);
        // Finished: the superseded certificate is on the CRL.
        expect(crl.serials).toContain(secondBefore.certificateSerial!.toUpperCase());
        expect(crl.text).toMatch(/Superseded/);
        const undone = await t.store.read((tx) =>
          tx.audit.list({ action: 'card.renewal_undone', limit: 10, offset: 0 }),
        );
        expect(undone.map((e) => e.objectId)).toEqual([first.cardId]);
      } finally {
        await t.dispose();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
