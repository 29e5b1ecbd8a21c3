/**
 * Revoking cards: a Digital ID card's certificate is revoked at once and the CRL served over
 * HTTP lists it (checked with openssl); the revocation goes to the front of the outbox; a
 * card revoked before handover cannot be collected.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { itWithTools } from '../support/system-tools.js';
import { readServedCrl } from '../support/served-crl.js';
import {
  addPerson,
  crewFor,
  getRequest,
  ok,
  post,
  produceCard,
  type Crew,
} from '../support/workflow-driver.js';

describe('revoking cards', () => {
  let t: TestApp;
  let crew: Crew;
  let dir: string;
  beforeAll(async () => {
    t = await buildTestApp();
    crew = await crewFor(t);
    dir = mkdtempSync(join(tmpdir(), 'cardkiosk-crl-'));
  });
  afterAll(async () => {
    await t.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  async function producedCard(
    process: string,
    kind: 'visitor' | 'employee' = 'visitor',
  ): Promise<{ requestId: string; cardId: string }> {
    const personId = await addPerson(t, crew.officer, kind);
    const { id } = await produceCard(t, crew.officer, personId, process);
    await ok(post(t, crew.producer, `/api/requests/${id}/production`, { mode: 'single' }));
    await t.appliance.services.production.whenIdle();
    const d = await getRequest(t, crew.officer, id);
    expect(d.request.state).toBe('produced');
    return { requestId: id, cardId: d.card.id };
  }

  const opensslIt = itWithTools(['openssl']);

  opensslIt('revokes a Digital ID certificate at once and the CRL lists it', async () => {
    const { requestId, cardId } = await producedCard('PcmProcVisitorCardWithoutApproval');
    await ok(post(t, crew.guard, `/api/requests/${requestId}/collect`));
    const stored = await t.store.read((tx) => tx.cards.get(cardId));
    const serial = stored!.certificateSerial!;
    expect(serial).toMatch(/^[0-9a-f]+$/);

    const revoked = await ok(
      post(t, crew.guard, `/api/cards/${cardId}/revoke`, {
        reason: 'lost',
        note: 'reported at reception',
      }),
    );
    expect(revoked).toMatchObject({ status: 'revoked' });

    const crl = await readServedCrl(t, dir);
    expect(crl.contentType).toBe('application/pkix-crl');
    expect(crl.verified).toBe(true);
    expect(crl.serials).toContain(serial.toUpperCase());
    expect(crl.text).toContain('Key Compromise');

    // The certificate on file verifies against the chain, and fails once the CRL is checked.
    writeFileSync(join(dir, 'card.der'), stored!.certificateDer!);
    execFileSync('openssl', [
      'x509',
      '-inform',
      'DER',
      '-in',
      join(dir, 'card.der'),
      '-out',
      join(dir, 'card.pem'),
    ]);
    execFileSync('openssl', [
      'crl',
      '-inform',
      'DER',
      '-in',
      join(dir, 'crl.der'),
      '-out',
      join(dir, 'crl.pem'),
    ]);
    const withCrl = (() => {
      try {
        execFileSync(
          'openssl',
          [
            'verify',
            '-crl_check',
            '-CAfile',
            join(dir, 'chain.pem'),
            '-CRLfile',
            join(dir, 'crl.pem'),
            join(dir, 'card.pem'),
          ],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
        );
        return 'ok';
      } catch (err) {
        return (
          String((err as { stdout?: string; stderr?: string }).stdout) +
          String((err as { stderr?: string }).stderr)
        );
      }
    })();
    expect(withCrl).toMatch(/certificate revoked/);
  });

  opensslIt('puts the revocation at the front of the outbox', async () => {
    const { cardId } = await producedCard('PcmProcVisitorCardWithoutApproval');
    await ok(post(t, crew.guard, `/api/cards/${cardId}/revoke`, { reason: 'stolen' }));
    const pending = await t.store.read((tx) => tx.outbox.pending(1000));
    const revocations = pending.filter((e) => e.priority === 0);
    // Every revocation waiting is sent before anything else, whatever was queued before it.
    expect(pending.slice(0, revocations.length)).toEqual(revocations);
    expect(pending.length).toBeGreaterThan(revocations.length);
    const mine = revocations.find((e) => e.aggregateId === cardId)!;
    expect(mine).toMatchObject({ type: 'card.status_changed', priority: 0 });
    expect(mine.payload).toMatchObject({ status: 'revoked', reason: 'stolen' });
  });

  opensslIt(
    'revokes a Physical ID card (no certificate) and refuses to hand over a revoked card',
    async () => {
      const { requestId, cardId } = await producedCard('CCProcVisitorCardWithoutApproval');
      const returned = await ok(
        post(t, crew.guard, `/api/cards/${cardId}/revoke`, { reason: 'damaged' }),
      );
      expect(returned.status).toBe('revoked');
      const collect = await post(t, crew.guard, `/api/requests/${requestId}/collect`);
      expect(collect.statusCode).toBe(409);
      expect(collect.json().message).toMatch(/revoked/);
      const again = await post(t, crew.guard, `/api/cards/${cardId}/revoke`, { reason: 'lost' });
      expect(again.statusCode).toBe(409);
    },
  );

  opensslIt('lets only security staff, production administrators and officers revoke', async () => {
    const { cardId } = await producedCard('CCProcVisitorCardWithoutApproval');
    const res = await post(t, crew.approver, `/api/cards/${cardId}/revoke`, { reason: 'lost' });
    expect(res.statusCode).toBe(403);
    const bad = await post(t, crew.guard, `/api/cards/${cardId}/revoke`, { reason: 'misplaced' });
    expect(bad.statusCode).toBe(400);
    expect(
      (await ok(t.call({ method: 'GET', url: `/api/cards/${cardId}`, cookie: crew.guard.cookie })))
        .status,
    ).toBe('produced');
  });
});
