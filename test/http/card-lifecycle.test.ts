/**
 * A card's life after hand-over through the HTTP API: suspend and resume (certificate hold
 * and release on the served CRL, separation of duties), replace (old revoked with the right
 * reason, a linked new request through the same process), a forgotten-badge day from start to
 * resume, expiry by the scheduler, and a restart across an expiry. Every accepted change has
 * its history, hash-chained audit event and outbox event; bad input changes nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type Staff, type TestApp } from '../support/build-test-app.js';
import { readServedCrl } from '../support/served-crl.js';
import { itWithTools } from '../support/system-tools.js';
import { TestClock } from '../support/test-clock.js';
import {
  collectedCard,
  crewFor,
  crewSignedInAgain,
  getRequest,
  ok,
  post,
  type Crew,
} from '../support/workflow-driver.js';

const DAY_MS = 86_400_000;
const opensslIt = itWithTools(['openssl']);

async function lifecycle(t: TestApp, staff: Staff, cardId: string): Promise<any> {
  return ok(t.call({ method: 'GET', url: `/api/cards/${cardId}/lifecycle`, cookie: staff.cookie }));
}

async function outboxFor(t: TestApp, cardId: string) {
  const rows = await t.store.read((tx) => tx.outbox.pending(10_000));
  return rows.filter((e) => e.aggregateType === 'card' && e.aggregateId === cardId);
}

describe('card lifecycle over HTTP', () => {
  let t: TestApp;
  let crew: Crew;
  let colleague: Staff;
  let dir: string;

  beforeAll(async () => {
    t = await buildTestApp();
    crew = await crewFor(t);
    colleague = await t.staff('kim', ['security_staff']);
    dir = mkdtempSync(join(tmpdir(), 'cardkiosk-lifecycle-'));
  });
  afterAll(async () => {
    await t.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  opensslIt(
    'suspends a Digital ID card on hold and resumes it by a colleague, with the CRL following',
    async () => {
      const { cardId } = await collectedCard(t, crew, 'PcmProcEmployeeCardWithoutApproval');
      const serial = (await t.store.read((tx) => tx.cards.get(cardId)))!.certificateSerial!;

      const suspended = await ok(
        post(t, crew.guard, `/api/cards/${cardId}/suspend`, { reason: 'reported missing' }),
      );
      expect(suspended.card.status).toBe('suspended');
      let crl = await readServedCrl(t, dir);
      expect(crl.verified).toBe(true);
      expect(crl.serials).toContain(serial.toUpperCase());
      expect(crl.text).toContain('Certificate Hold');

      // Separation of duties: whoever suspended cannot resume.
      const own = await post(t, crew.guard, `/api/cards/${cardId}/resume`, { reason: 'found' });
      expect(own.statusCode).toBe(403);
      expect(own.json()).toMatchObject({ error: 'SEPARATION_OF_DUTIES' });

      const resumed = await ok(
        post(t, colleague, `/api/cards/${cardId}/resume`, { reason: 'found in the car park' }),
      );
      expect(resumed.card.status).toBe('active');
      crl = await readServedCrl(t, dir);
      expect(crl.serials).not.toContain(serial.toUpperCase());
      const delta = await t.call({ method: 'GET', url: '/ca/crl/delta' });
      expect(delta.statusCode).toBe(200);
      expect(delta.headers['content-type']).toBe('application/pkix-crl');

      const view = await lifecycle(t, crew.guard, cardId);
      expect(view.hold).toBeNull();
      expect(view.history.map((h: any) => `${h.event}:${h.toStatus}`)).toEqual([
        'suspend:suspended',
        'resume:active',
      ]);
      const events = (await outboxFor(t, cardId)).filter((e) => e.payload.event);
      expect(events.map((e) => [e.payload.status, e.payload.hold])).toEqual([
        ['suspended', expect.objectContaining({ active: true, kind: 'staff' })],
        ['active', { active: false }],
      ]);
      expect(events[0]!.priority).toBe(0);
      const audit = await ok(
        t.call({
          method: 'GET',
          url: `/api/audit/verify`,
          cookie: (await t.staff('aud', ['device_admin'])).cookie,
        }),
      );
      expect(audit.ok).toBe(true);
    },
  );

  it('refuses bad input and actions not allowed, and changes nothing', async () => {
    const { cardId } = await collectedCard(t, crew, 'CCProcEmployeeCardWithoutApproval');
    const before = await t.store.read((tx) => tx.cards.get(cardId));
    const cases: [Staff, string, unknown, number, string][] = [
      [crew.guard, 'suspend', {}, 400, 'INVALID_INPUT'],
      [crew.guard, 'suspend', { reason: 'x', extra: 1 }, 400, 'INVALID_INPUT'],
      [crew.approver, 'suspend', { reason: 'no role' }, 403, 'ROLE_NOT_ALLOWED'],
      [crew.guard, 'resume', { reason: 'not suspended' }, 409, 'TRANSITION_NOT_ALLOWED'],
      [crew.officer, 'replace', { reason: 'misplaced' }, 400, 'INVALID_INPUT'],
      [crew.guard, 'replace', { reason: 'lost' }, 403, 'ROLE_NOT_ALLOWED'],
    ];
    for (const [who, action, payload, status, code] of cases) {
      const res = await post(t, who, `/api/cards/${cardId}/${action}`, payload);
      expect(res.statusCode, `${action} ${JSON.stringify(payload)}: ${res.body}`).toBe(status);
      expect(res.json()).toMatchObject({ error: code, message: expect.any(String) });
    }
    const missing = await post(t, crew.guard, `/api/cards/${crypto.randomUUID()}/suspend`, {
      reason: 'x',
    });
    expect(missing.statusCode).toBe(404);
    expect(await t.store.read((tx) => tx.cards.get(cardId))).toEqual(before);
    expect((await lifecycle(t, crew.guard, cardId)).history).toEqual([]);
  });

  it('replays a suspension with the same Idempotency-Key and changes nothing more', async () => {
    const { cardId } = await collectedCard(t, crew, 'CCProcEmployeeCardWithoutApproval');
    const headers = { 'idempotency-key': `suspend-${cardId}` };
    const first = await post(
      t,
      crew.guard,
      `/api/cards/${cardId}/suspend`,
      { reason: 'r' },
      headers,
    );
    const again = await post(
      t,
      crew.guard,
      `/api/cards/${cardId}/suspend`,
      { reason: 'r' },
      headers,
    );
    expect(first.statusCode).toBe(200);
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect((await lifecycle(t, crew.guard, cardId)).history).toHaveLength(1);
  });

  opensslIt(
    'replaces a lost card: old revoked as key compromise, a linked new request through the same process',
    async () => {
      const process = 'PcmProcEmployeeCardWithApproval';
      const { cardId, personId } = await collectedCard(t, crew, process);
      const serial = (await t.store.read((tx) => tx.cards.get(cardId)))!.certificateSerial!;
      const replaced = await ok(
        post(t, crew.officer, `/api/cards/${cardId}/replace`, { reason: 'stolen', note: 'bag' }),
      );
      expect(replaced.card.status).toBe('revoked');
      const newId = replaced.newRequestId as string;
      const next = await getRequest(t, crew.officer, newId);
      expect(next.request).toMatchObject({
        processName: process,
        personId,
        state: 'awaiting_approval',
      });
      // The officer who asked for the replacement cannot approve it.
      expect((await post(t, crew.officer, `/api/requests/${newId}/approve`)).statusCode).toBe(403);
      await ok(post(t, crew.approver, `/api/requests/${newId}/approve`));
      await ok(post(t, crew.producer, `/api/requests/${newId}/production`, { mode: 'single' }));
      await t.appliance.services.production.whenIdle();
      const produced = await getRequest(t, crew.officer, newId);
      const newCardId = produced.card.id as string;

      const oldView = await lifecycle(t, crew.officer, cardId);
      expect(oldView.links).toEqual([
        expect.objectContaining({
          kind: 'replacement',
          direction: 'replaced-by',
          requestId: newId,
          cardId: newCardId,
        }),
      ]);
      const newView = await lifecycle(t, crew.officer, newCardId);
      expect(newView.links).toEqual([
        expect.objectContaining({ kind: 'replacement', direction: 'replaces', cardId }),
      ]);
      const crl = await readServedCrl(t, dir);
      expect(crl.serials).toContain(serial.toUpperCase());
      expect(crl.text).toContain('Key Compromise');
      // A revoked card can be neither suspended nor replaced again.
      expect(
        (await post(t, crew.guard, `/api/cards/${cardId}/suspend`, { reason: 'x' })).statusCode,
      ).toBe(409);
    },
  );

  it('reprints a damaged Physical ID with a new number and records the old one destroyed', async () => {
    const { cardId } = await collectedCard(t, crew, 'CCProcEmployeeCardWithoutApproval');
    const old = await t.store.read((tx) => tx.cards.get(cardId));
    const res = await ok(
      post(t, crew.officer, `/api/cards/${cardId}/replace`, { reason: 'damaged' }),
    );
    await ok(
      post(t, crew.producer, `/api/requests/${res.newRequestId}/production`, { mode: 'single' }),
    );
    await t.appliance.services.production.whenIdle();
    const next = await getRequest(t, crew.officer, res.newRequestId);
    expect(next.card.cardNumber).not.toBe(old!.cardNumber);
    const audit = await t.store.read((tx) =>
      tx.audit.list({ limit: 10, offset: 0, objectId: cardId, action: 'card.replace' }),
    );
    expect(audit[0]?.details).toMatchObject({ revokeReason: 'damaged', oldCard: 'destroyed' });
  });

  opensslIt(
    'revokes through the lifecycle table: history, audit, outbox, CRL, idempotency and its roles',
    async () => {
      const { cardId } = await collectedCard(t, crew, 'PcmProcEmployeeCardWithoutApproval');
      const serial = (await t.store.read((tx) => tx.cards.get(cardId)))!.certificateSerial!;
      const headers = { 'idempotency-key': `revoke-${cardId}` };
      const body = { reason: 'lost', note: 'left on the train' };
      const first = await post(t, crew.guard, `/api/cards/${cardId}/revoke`, body, headers);
      const again = await post(t, crew.guard, `/api/cards/${cardId}/revoke`, body, headers);
      expect(first.statusCode).toBe(200);
      // The API keeps its shape: the card itself.
      expect(first.json()).toMatchObject({ id: cardId, status: 'revoked' });
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json()).toEqual(first.json());

      const view = await lifecycle(t, crew.guard, cardId);
      expect(view.history).toEqual([
        expect.objectContaining({
          event: 'revoke',
          fromStatus: 'collected',
          toStatus: 'revoked',
          actor: 'staff:sam',
          reason: 'left on the train',
        }),
      ]);
      const audit = await t.store.read((tx) =>
        tx.audit.list({ limit: 10, offset: 0, objectId: cardId, action: 'card.revoke' }),
      );
      expect(audit).toHaveLength(1);
      expect(audit[0]!.details).toMatchObject({
        revokeReason: 'lost',
        reason: 'lost',
        note: 'left on the train',
        crlReason: 'keyCompromise',
      });
      expect(await t.appliance.services.audit.verify()).toMatchObject({ ok: true });
      const outbox = (await outboxFor(t, cardId)).filter((e) => e.payload.status === 'revoked');
      expect(outbox).toHaveLength(1);
      expect(outbox[0]).toMatchObject({ priority: 0, type: 'card.status_changed' });
      expect(outbox[0]!.payload).toMatchObject({ reason: 'lost', note: 'left on the train' });
      const crl = await readServedCrl(t, dir);
      expect(crl.verified).toBe(true);
      expect(crl.serials).toContain(serial.toUpperCase());
      expect(crl.text).toContain('Key Compromise');

      // "Returned" is the table's return event: security staff at the desk, not an officer.
      const other = await collectedCard(t, crew, 'CCProcEmployeeCardWithoutApproval');
      const officer = await post(t, crew.officer, `/api/cards/${other.cardId}/revoke`, {
        reason: 'returned',
      });
      expect(officer.statusCode).toBe(403);
      expect(officer.json()).toMatchObject({ error: 'ROLE_NOT_ALLOWED' });
      expect((await lifecycle(t, crew.guard, other.cardId)).history).toEqual([]);
      const returned = await ok(
        post(t, crew.guard, `/api/cards/${other.cardId}/revoke`, { reason: 'returned' }),
      );
      expect(returned).toMatchObject({ status: 'returned' });
      expect((await t.store.read((tx) => tx.cards.get(other.cardId)))!.revocationReason).toBe(
        'returned',
      );
      expect((await lifecycle(t, crew.guard, other.cardId)).history).toEqual([
        expect.objectContaining({ event: 'return', toStatus: 'returned' }),
      ]);
      // A revoked card takes no second revocation.
      const twice = await post(t, crew.guard, `/api/cards/${cardId}/revoke`, { reason: 'stolen' });
      expect(twice.statusCode).toBe(409);
    },
  );

  it('lists what each role may do to a card now, from the lifecycle table', async () => {
    const { cardId } = await collectedCard(t, crew, 'CCProcEmployeeCardWithoutApproval');
    const actions = async (s: Staff): Promise<string[]> => (await lifecycle(t, s, cardId)).actions;
    expect(await actions(crew.guard)).toEqual([
      'suspend',
      'forgotten_badge',
      'revoke',
      'return',
      'unblock_pin',
      'change_pin',
    ]);
    expect(await actions(crew.officer)).toEqual([
      'suspend',
      'forgotten_badge',
      'revoke',
      'replace',
      'renew',
    ]);
    expect(await actions(crew.producer)).toEqual(['suspend', 'revoke', 'renew']);
    // An approver may look (any staff may) but is offered nothing.
    expect(await actions(crew.approver)).toEqual([]);

    await ok(post(t, crew.guard, `/api/cards/${cardId}/suspend`, { reason: 'reported missing' }));
    // Offered by role and status; that the suspender may not resume is a guard, checked on send.
    expect(await actions(crew.guard)).toEqual([
      'resume',
      'revoke',
      'return',
      'unblock_pin',
      'change_pin',
    ]);
    await ok(post(t, colleague, `/api/cards/${cardId}/resume`, { reason: 'found' }));
    await ok(post(t, crew.officer, `/api/cards/${cardId}/replace`, { reason: 'lost' }));
    // A revoked card takes nothing from anyone.
    expect(await actions(crew.officer)).toEqual([]);
    expect(await actions(crew.guard)).toEqual([]);
  });

  it('says where an unblock’s PUK would come from, why there is none, and the PIN length', async () => {
    const { cardId } = await collectedCard(t, crew, 'PcmProcEmployeeCardWithoutApproval');
    const source = () =>
      ok(
        t.call({
          method: 'GET',
          url: `/api/cards/${cardId}/pin/puk-source`,
          cookie: crew.guard.cookie,
        }),
      );
    expect(await source()).toEqual({ source: 'device-copy', reason: null, pinLength: 6 });
    // A card whose PUK only the centre holds, on a device with no centre to ask.
    await t.store.transaction((tx) =>
      tx.cards.update(cardId, { pukSealed: '', pukEscrow: 'sealed-for-the-centre' }),
    );
    const none = await source();
    expect(none).toMatchObject({ source: 'none', pinLength: 6 });
    expect(none.reason).toMatch(/central Identity Manager/);
    const refused = await post(t, crew.guard, `/api/cards/${cardId}/pin/unblock`, {
      newPin: '864209',
    });
    expect(refused.json()).toEqual({ error: 'PUK_UNAVAILABLE', message: none.reason });
  });
});

describe('renewal', () => {
  it('lists cards expiring in the window and renews one by a linked new card', async () => {
    const clock = new TestClock(new Date('2031-08-01T09:00:00.000Z'));
    const t = await buildTestApp({ clock });
    try {
      const crew = await crewFor(t);
      const soon = await collectedCard(
        t,
        crew,
        'CCProcContractorCardWithoutApproval',
        'contractor',
        {
          validUntil: '2031-08-20',
        },
      );
      const later = await collectedCard(t, crew, 'CCProcEmployeeCardWithoutApproval');
      const list = await ok(
        t.call({ method: 'GET', url: '/api/cards/expiring', cookie: crew.officer.cookie }),
      );
      expect(list.items.map((i: any) => i.card.id)).toEqual([soon.cardId]);
      const wide = await ok(
        t.call({
          method: 'GET',
          url: '/api/cards/expiring?days=3660',
          cookie: crew.officer.cookie,
        }),
      );
      expect(wide.items.map((i: any) => i.card.id)).toEqual([soon.cardId, later.cardId]);

      const notYet = await post(t, crew.officer, `/api/cards/${later.cardId}/renew`, {});
      expect(notYet.statusCode).toBe(409);
      expect((await post(t, crew.guard, `/api/cards/${soon.cardId}/renew`, {})).statusCode).toBe(
        403,
      );
      const renewed = await ok(post(t, crew.officer, `/api/cards/${soon.cardId}/renew`, {}));
      // The old card stays valid until it expires; the new one follows it.
      expect(renewed.card.status).toBe('collected');
      const next = await getRequest(t, crew.officer, renewed.newRequestId);
      expect(next.request).toMatchObject({
        processName: 'CCProcContractorCardWithoutApproval',
        personId: soon.personId,
      });
      const view = await lifecycle(t, crew.officer, soon.cardId);
      expect(view.links).toEqual([
        expect.objectContaining({
          kind: 'renewal',
          direction: 'replaced-by',
          requestId: renewed.newRequestId,
        }),
      ]);
    } finally {
      await t.dispose();
    }
  });
});

describe('a forgotten-badge day', () => {
  opensslIt(
    'suspends the own card for a temporary one, and resumes it when that is returned or expires',
    async () => {
      const clock = new TestClock(new Date('2031-02-03T07:30:00.000Z'));
      const t = await buildTestApp({ clock });
      const dir = mkdtempSync(join(tmpdir(), 'cardkiosk-badge-'));
      try {
        let crew = await crewFor(t);
        const { cardId } = await collectedCard(t, crew, 'PcmProcEmployeeCardWithoutApproval');
        const serial = (await t.store.read((tx) => tx.cards.get(cardId)))!.certificateSerial!;

        // Morning: no badge. The own card goes on hold and a temporary card is asked for.
        const forgot = await ok(post(t, crew.guard, `/api/cards/${cardId}/forgotten-badge`, {}));
        expect(forgot.card.status).toBe('suspended');
        expect((await readServedCrl(t, dir)).text).toContain('Certificate Hold');
        const tempRequest = forgot.newRequestId as string;
        expect((await getRequest(t, crew.officer, tempRequest)).request.state).toBe(
          'card_generated',
        );
        await ok(
          post(t, crew.producer, `/api/requests/${tempRequest}/production`, { mode: 'single' }),
        );
        await t.appliance.services.production.whenIdle();
        await ok(post(t, crew.guard, `/api/requests/${tempRequest}/collect`));
        const temp = (await getRequest(t, crew.officer, tempRequest)).card;
        expect(temp).toMatchObject({
          idType: 'physical',
          validFrom: '2031-02-03',
          validUntil: '2031-02-03',
        });
        // Staff cannot resume the own card while the temporary card stands in for it.
        const early = await post(t, crew.officer, `/api/cards/${cardId}/resume`, { reason: 'r' });
        expect(early.statusCode).toBe(409);
        // A temporary card cannot be replaced or given its own temporary card.
        expect(
          (await post(t, crew.guard, `/api/cards/${temp.id}/forgotten-badge`, {})).statusCode,
        ).toBe(409);

        // Evening: the temporary card comes back; the own card is resumed.
        clock.advance(9 * 3_600_000);
        crew = await crewSignedInAgain(t, crew);
        const returned = await ok(post(t, crew.guard, `/api/cards/${temp.id}/return`, {}));
        expect(returned.card.status).toBe('returned');
        const own = await lifecycle(t, crew.guard, cardId);
        expect(own.card.status).toBe('active');
        expect(own.hold).toBeNull();
        expect(own.history.map((h: any) => `${h.event}:${h.actor}`)).toEqual([
          'forgotten_badge:staff:sam',
          'temporary_ended:system',
        ]);
        expect(own.links).toEqual([
          expect.objectContaining({ kind: 'temporary', direction: 'replaced-by', cardId: temp.id }),
        ]);
        expect((await readServedCrl(t, dir)).serials).not.toContain(serial.toUpperCase());

        // Next day, forgotten again: this time nobody returns the temporary card; it expires
        // after midnight and the own card is resumed by the scheduler, without anyone acting.
        clock.advance(DAY_MS);
        crew = await crewSignedInAgain(t, crew);
        const again = await ok(post(t, crew.guard, `/api/cards/${cardId}/forgotten-badge`, {}));
        await ok(
          post(t, crew.producer, `/api/requests/${again.newRequestId}/production`, {
            mode: 'single',
          }),
        );
        await t.appliance.services.production.whenIdle();
        await ok(post(t, crew.guard, `/api/requests/${again.newRequestId}/collect`));
        const temp2 = (await getRequest(t, crew.officer, again.newRequestId)).card;
        clock.advance(DAY_MS);
        crew = await crewSignedInAgain(t, crew);
        // Other jobs (visits, retention) may be due too; this is about the card-expiry one.
        const reports = (await t.appliance.scheduler.runDue()).filter(
          (r) => r.name === 'card-expiry',
        );
        expect(reports).toEqual([
          expect.objectContaining({
            name: 'card-expiry',
            ok: true,
            summary: { expired: 1, ownCardsToResume: 1 },
          }),
        ]);
        expect((await lifecycle(t, crew.guard, temp2.id)).card.status).toBe('expired');
        expect((await lifecycle(t, crew.guard, cardId)).card.status).toBe('active');
      } finally {
        await t.dispose();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe('expiry by the scheduler', () => {
  it('expires a visitor card at the end of its day, also across a restart', async () => {
    const clock = new TestClock(new Date('2031-05-10T15:00:00.000Z'));
    const t = await buildTestApp({ clock });
    const crew = await crewFor(t);
    const visitor = await collectedCard(t, crew, 'CCProcVisitorCardWithoutApproval', 'visitor');
    const employee = await collectedCard(t, crew, 'CCProcEmployeeCardWithoutApproval');

    // Still its day: nothing expires.
    clock.advance(6 * 3_600_000);
    await t.appliance.scheduler.runDue();
    expect((await t.store.read((tx) => tx.cards.get(visitor.cardId)))!.status).toBe('collected');

    // The device goes off before midnight and comes back two days later.
    await t.stop();
    clock.advance(2 * DAY_MS);
    const again = await buildTestApp({ clock, stateDir: t.stateDir });
    try {
      const card = await again.store.read((tx) => tx.cards.get(visitor.cardId));
      expect(card!.status).toBe('expired');
      expect((await again.store.read((tx) => tx.cards.get(employee.cardId)))!.status).toBe(
        'collected',
      );
      const history = await again.store.read((tx) => tx.cardLifecycle.transitions(visitor.cardId));
      expect(history).toEqual([
        expect.objectContaining({ event: 'expire', actor: 'system', toStatus: 'expired' }),
      ]);
      const [job] = await again.appliance.scheduler.status();
      expect(job).toMatchObject({ name: 'card-expiry', lastRunAt: clock.now().toISOString() });
      const outbox = (await again.store.read((tx) => tx.outbox.pending(10_000))).filter(
        (e) => e.aggregateId === visitor.cardId && e.payload.status === 'expired',
      );
      expect(outbox).toHaveLength(1);
      // An expired card takes no further action.
      await expect(
        again.appliance.services.lifecycle.apply(
          visitor.cardId,
          { type: 'suspend', reason: 'x' },
          { kind: 'staff', userId: 'u', username: 'sue', roles: ['security_staff'] },
        ),
      ).rejects.toMatchObject({ code: 'TRANSITION_NOT_ALLOWED' });
    } finally {
      await again.dispose();
    }
  });
});
