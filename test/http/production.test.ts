/**
 * Production outcomes: single production succeeding or failing at each device step, retry
 * (a spoiled blank is counted) and cancel, and a mass batch of 50 cards with failures that
 * reports each card's outcome.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeviceError } from '../../drivers/errors.js';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { FakeCardPrinter, FakePivEncoder } from '../support/fake-devices.js';
import {
  addPerson,
  crewFor,
  getRequest,
  ok,
  post,
  produceCard,
  type Crew,
} from '../support/workflow-driver.js';

describe('production', () => {
  let t: TestApp;
  let crew: Crew;
  let printer: FakeCardPrinter;
  let encoder: FakePivEncoder;

  beforeEach(async () => {
    printer = new FakeCardPrinter();
    encoder = new FakePivEncoder();
    t = await buildTestApp({ printer, encoder });
    crew = await crewFor(t);
  });
  afterEach(async () => t.dispose());

  async function generatedCard(process = 'CCProcVisitorCardWithoutApproval'): Promise<string> {
    const personId = await addPerson(t, crew.officer, 'visitor');
    return (await produceCard(t, crew.officer, personId, process)).id;
  }

  async function single(id: string): Promise<any> {
    await ok(post(t, crew.producer, `/api/requests/${id}/production`, { mode: 'single' }));
    await t.appliance.services.production.whenIdle();
    return getRequest(t, crew.officer, id);
  }

  it.each([
    ['feed', 'feeder_empty', 'printer: feeder empty', 0],
    ['feed', 'card_jam', 'printer: card jam', 0],
    ['print', 'ribbon_out', 'printer: ribbon out', 1],
    ['print', 'cover_open', 'printer: cover open', 1],
    ['print', 'not_answering', 'printer: not answering', 1],
  ] as const)(
    'a %s fault (%s) leaves the request failed with its reason',
    async (step, fault, reason, spoiled) => {
      const id = await generatedCard();
      printer.failNext(step, fault);
      const after = await single(id);
      expect(after.request.state).toBe('production_failed');
      expect(after.request.stateReason).toBe(reason);
      expect(after.attempts[0]).toMatchObject({ outcome: 'failed', reason, spoiledCards: spoiled });
      expect(printer.rejected).toBe(spoiled);
      const health = await ok(t.call({ method: 'GET', url: '/health' }));
      expect(health.production.spoiledCards).toBe(spoiled);
    },
  );

  it('a card removed from the encoder fails with the encoder reason and spoils the fed blank', async () => {
    const id = await generatedCard();
    encoder.failNext(
      new DeviceError('CARD_REMOVED', 'the card was removed during personalisation'),
    );
    const after = await single(id);
    expect(after.request.stateReason).toBe('encoder: the card was removed during personalisation');
    expect(after.attempts[0].spoiledCards).toBe(1);
  });

  it('tries again after a failure with the same card object, counting the spoiled blank', async () => {
    const id = await generatedCard();
    printer.failNext('print', 'ribbon_out');
    const failed = await single(id);
    const cardBefore = failed.card;
    await ok(post(t, crew.producer, `/api/requests/${id}/retry`));
    await t.appliance.services.production.whenIdle();
    const after = await getRequest(t, crew.officer, id);
    expect(after.request.state).toBe('produced');
    expect(after.card.cardNumber).toBe(cardBefore.cardNumber);
    expect(after.attempts.map((a: any) => [a.attempt, a.outcome, a.spoiledCards])).toEqual([
      [1, 'failed', 1],
      [2, 'succeeded', 0],
    ]);
    // Both attempts programmed the same card object: nothing about the failed card was lost.
    expect(encoder.chips).toHaveLength(2);
    expect(encoder.chips[1]!.pin).toBe(encoder.chips[0]!.pin);
    expect(encoder.chips[1]!.puk).toBe(encoder.chips[0]!.puk);
    expect(encoder.chips[1]!.cardNumber).toBe(encoder.chips[0]!.cardNumber);
    expect(printer.fed).toBe(2);
  });

  it('cancels a failed production with a reason, and keeps its record', async () => {
    const id = await generatedCard();
    printer.failNext('feed', 'feeder_empty');
    await single(id);
    const noReason = await post(t, crew.producer, `/api/requests/${id}/cancel`, { reason: '' });
    expect(noReason.statusCode).toBe(400);
    await ok(post(t, crew.producer, `/api/requests/${id}/cancel`, { reason: 'holder left' }));
    const after = await getRequest(t, crew.officer, id);
    expect(after.request).toMatchObject({ state: 'cancelled', stateReason: 'holder left' });
    expect(after.card.status).toBe('cancelled');
    expect(after.attempts).toHaveLength(1);
    const retry = await post(t, crew.producer, `/api/requests/${id}/retry`);
    expect(retry.statusCode).toBe(409);
  });

  it('produces a mass batch of 50 as one run and reports each card', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      const id = await generatedCard();
      const body = await ok(
        post(t, crew.officer, `/api/requests/${id}/production`, {
          mode: 'mass',
          batchName: 'Monday intake',
        }),
      );
      expect(body.request.state).toBe('batched');
      ids.push(id);
    }
    const batches = await ok(
      t.call({ method: 'GET', url: '/api/batches?state=open', cookie: crew.producer.cookie }),
    );
    expect(batches.items).toHaveLength(1);
    const batchId = batches.items[0].id;
    // Nothing is produced until the batch runs.
    expect(printer.fed).toBe(0);
    // Three cards fail, at different steps.
    printer.failNext('feed', 'feeder_empty');
    encoder.failNext();
    printer.failNext('print', 'card_jam');

    const run = await ok(post(t, crew.producer, `/api/batches/${batchId}/run`), 202);
    expect(run.batch.state).toBe('running');
    await t.appliance.services.production.whenIdle();
    const report = await ok(
      t.call({ method: 'GET', url: `/api/batches/${batchId}`, cookie: crew.producer.cookie }),
    );
    expect(report.batch.state).toBe('completed');
    expect(report.totals).toEqual({
      members: 50,
      produced: 47,
      failed: 3,
      cancelled: 0,
      waiting: 0,
      spoiledCards: 2,
    });
    const failed = report.members
      .filter((m: any) => m.state === 'production_failed')
      .map((m: any) => m.reason)
      .sort();
    expect(failed).toEqual([
      'encoder: the card was removed during personalisation',
      'printer: card jam',
      'printer: feeder empty',
    ]);
    expect(report.members.every((m: any) => m.cardNumber && m.attempts === 1)).toBe(true);
    // A running or completed batch takes no more cards and cannot run twice.
    expect((await post(t, crew.producer, `/api/batches/${batchId}/run`)).statusCode).toBe(409);
    const late = await generatedCard();
    expect(
      (
        await post(t, crew.officer, `/api/requests/${late}/production`, {
          mode: 'mass',
          batchName: 'Monday intake',
        })
      ).statusCode,
    ).toBe(409);
  });

  it('refuses to run a batch for a role that may not release it, changing nothing', async () => {
    const id = await generatedCard();
    await ok(
      post(t, crew.officer, `/api/requests/${id}/production`, { mode: 'mass', batchName: 'B' }),
    );
    const batchId = (await getRequest(t, crew.officer, id)).request.batchId;
    const res = await post(t, crew.guard, `/api/batches/${batchId}/run`);
    expect(res.statusCode).toBe(403);
    const report = await ok(
      t.call({ method: 'GET', url: `/api/batches/${batchId}`, cookie: crew.producer.cookie }),
    );
    expect(report.batch.state).toBe('open');
  });
});
