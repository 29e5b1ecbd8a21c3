/**
 * After a full run at debug log level (walk-ups, approvals, single and mass production,
 * failures, retries, collections), no generated PIN or PUK and no passcode appears in any log
 * line, in the database file or its WAL, in an audit payload, in an outbox payload, in a stored
 * Idempotency-Key answer, or in a response other than the one collection response meant for
 * the holder; no walk-up status code anywhere but in the walk-up's own answer.
 */
import { readFileSync, existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../appliance/src/logging.js';
import { buildTestApp, TEST_PASSCODE } from '../support/build-test-app.js';
import { FakeCardPrinter, FakePivEncoder } from '../support/fake-devices.js';
import { addPerson, crewFor, ok, post, produceCard } from '../support/workflow-driver.js';

/** A secret "appears" when its digits stand alone, not as part of a longer number or hex string. */
function appearsIn(haystack: string, secret: string): boolean {
  return new RegExp(`(?<![0-9A-Za-z])${secret}(?![0-9A-Za-z])`).test(haystack);
}

describe('secrets stay secret', () => {
  it('leaves no PIN, PUK or passcode in logs, database, audit, outbox or other responses', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger('debug', sink);
    const printer = new FakeCardPrinter();
    const encoder = new FakePivEncoder();
    const t = await buildTestApp({ printer, encoder, log, httpLogger: log });
    const bodies: string[] = [];
    const collectBodies: string[] = [];
    const call = t.call;
    const walkUpBodies: string[] = [];
    t.call = async (opts) => {
      const res = await call(opts);
      const url = String(opts.url);
      if (url.endsWith('/collect')) collectBodies.push(res.body);
      else if (url === '/api/self-service/requests') walkUpBodies.push(res.body);
      else bodies.push(res.body);
      return res;
    };
    const statusCodes: string[] = [];
    try {
      const crew = await crewFor(t);
      const ids: string[] = [];
      for (const kind of ['visitor', 'contractor'] as const) {
        const submitted = await ok(
          t.call({
            method: 'POST',
            url: '/api/self-service/requests',
            // The kiosk sends a key: its stored answer must not keep the status code in clear.
            headers: { 'idempotency-key': `scan-walk-up-${kind}` },
            payload: {
              kind,
              name: `Walk ${kind}`,
              acceptTerms: true,
              ...(kind === 'contractor' ? { validUntil: '2027-01-31' } : {}),
            },
          }),
          201,
        );
        statusCodes.push(submitted.statusCode, submitted.statusCode.replace('-', ''));
        await ok(
          t.call({
            method: 'POST',
            url: '/api/self-service/status',
            payload: { statusCode: submitted.statusCode },
          }),
        );
      }
      const pending = await ok(
        t.call({
          method: 'GET',
          url: '/api/requests?state=awaiting_approval',
          cookie: crew.approver.cookie,
        }),
      );
      for (const r of pending.items)
        ids.push((await ok(post(t, crew.approver, `/api/requests/${r.id}/approve`))).request.id);
      for (const process of [
        'CCProcEmployeeCardWithoutApproval',
        'PcmProcEmployeeCardWithoutApproval',
        'CCProcVisitorCardWithApproval',
      ]) {
        const personId = await addPerson(
          t,
          crew.officer,
          process.includes('Visitor') ? 'visitor' : 'employee',
        );
        const r = await produceCard(t, crew.officer, personId, process);
        if (r.state === 'awaiting_approval')
          await ok(
            post(t, crew.approver, `/api/requests/${r.id}/reject`, { reason: 'no host available' }),
          );
        else ids.push(r.id);
      }
      printer.failNext('print', 'ribbon_out');
      await ok(post(t, crew.producer, `/api/requests/${ids[0]}/production`, { mode: 'single' }));
      for (const id of ids.slice(1))
        await ok(
          post(t, crew.producer, `/api/requests/${id}/production`, {
            mode: 'mass',
            batchName: 'scan',
          }),
        );
      await t.appliance.services.production.whenIdle();
      await ok(post(t, crew.producer, `/api/requests/${ids[0]}/retry`));
      const batch = (
        await ok(t.call({ method: 'GET', url: '/api/batches', cookie: crew.producer.cookie }))
      ).items[0];
      await ok(post(t, crew.producer, `/api/batches/${batch.id}/run`), 202);
      await t.appliance.services.production.whenIdle();
      for (const id of ids)
        await ok(
          post(t, crew.guard, `/api/requests/${id}/collect`, undefined, {
            'idempotency-key': `scan-collect-${id}`,
          }),
        );
      await ok(
        t.call({ method: 'GET', url: '/api/audit?limit=500', cookie: crew.producer.cookie }),
      );
      await ok(
        t.call({ method: 'GET', url: '/api/cards?limit=500', cookie: crew.producer.cookie }),
      );
      for (const id of ids)
        await ok(
          t.call({ method: 'GET', url: `/api/requests/${id}`, cookie: crew.producer.cookie }),
        );

      const secrets = encoder.chips.flatMap((c) => [c.pin, c.puk]);
      expect(secrets.length).toBeGreaterThanOrEqual(2 * ids.length);
      expect(collectBodies.join('\n')).toContain(encoder.chips[0]!.pin);

      const logs = lines.join('');
      expect(logs).toContain('"reqId"');
      const files = [t.dbFile, `${t.dbFile}-wal`]
        .filter(existsSync)
        .map((f) => readFileSync(f).toString('latin1'));
      const audit = await t.store.exclusive(false, (db) =>
        db.all<{ details: string }>('SELECT details FROM audit_events'),
      );
      const outbox = await t.store.exclusive(false, (db) =>
        db.all<{ payload: string }>('SELECT payload FROM outbox'),
      );
      const idempotency = await t.store.exclusive(false, (db) =>
        db.all<Record<string, unknown>>('SELECT * FROM idempotency_keys'),
      );
      expect(idempotency.length).toBeGreaterThanOrEqual(2 + ids.length);
      const places: Record<string, string> = {
        logs,
        database: files.join('\n'),
        audit: audit.map((r) => r.details).join('\n'),
        outbox: outbox.map((r) => r.payload).join('\n'),
        idempotency: idempotency.map((r) => JSON.stringify(r)).join('\n'),
        responses: bodies.join('\n'),
      };
      expect(walkUpBodies.join('\n')).toContain(statusCodes[0]);
      for (const [where, text] of Object.entries(places)) {
        for (const code of statusCodes)
          expect(text.includes(code), `a walk-up status code in ${where}`).toBe(false);
        for (const secret of secrets)
          expect(appearsIn(text, secret), `a PIN/PUK in ${where}`).toBe(false);
        expect(text.includes(TEST_PASSCODE), `a passcode in ${where}`).toBe(false);
        if (t.firstAdminPasscode)
          expect(text.includes(t.firstAdminPasscode), `the first admin passcode in ${where}`).toBe(
            false,
          );
      }
    } finally {
      await t.dispose();
    }
  });
});
