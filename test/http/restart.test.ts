/**
 * Stop the appliance mid-way and start it again on the same database: every request carries
 * on from where it was; a production interrupted by the stop is failed with a reason (its
 * blank counted as spoiled only if it was fed) and can be tried again; queued work is picked
 * up again.
 */
import { describe, expect, it } from 'vitest';
import type { CardArtwork, ChipStation } from '../../drivers/printer/card-printer.js';
import { RESTART_REASON } from '../../appliance/src/services/production-service.js';
import { buildTestApp } from '../support/build-test-app.js';
import { FakeCardPrinter } from '../support/fake-devices.js';
import {
  addPerson,
  crewFor,
  getRequest,
  ok,
  post,
  produceCard,
} from '../support/workflow-driver.js';

/**
 * A printer that stops answering once `hang` is set, as a printer does when power is cut:
 * by default while printing (the blank was fed), or while feeding (`hangIn: 'feed'`, before
 * the printer acknowledged taking a blank).
 */
class HangingPrinter extends FakeCardPrinter {
  hang = false;
  started = new Promise<void>((resolve) => (this.onStart = resolve));
  private onStart!: () => void;

  constructor(private readonly hangIn: 'feed' | 'print' = 'print') {
    super();
  }

  private stall<T>(): Promise<T> {
    this.onStart();
    return new Promise<T>(() => undefined);
  }

  override async insertToChipStation(station: ChipStation): Promise<void> {
    if (this.hang && this.hangIn === 'feed') return this.stall();
    return super.insertToChipStation(station);
  }

  override async print(artwork: CardArtwork): Promise<{ bytesSent: number }> {
    if (this.hang && this.hangIn === 'print') return this.stall();
    return super.print(artwork);
  }
}

/** After a restart its card sensor finds the blank an interrupted job left inside. */
class PrinterWithLeftoverCard extends FakeCardPrinter {
  leftover = true;
  async ejectLeftoverCard(): Promise<boolean> {
    const found = this.leftover;
    this.leftover = false;
    return found;
  }
}

describe('restart', () => {
  it('continues the workflow on the same database after a stop mid-way', async () => {
    const printer = new HangingPrinter();
    const first = await buildTestApp({ printer });
    const crew = await crewFor(first);
    const mk = async (process: string) =>
      (
        await produceCard(
          first,
          crew.officer,
          await addPerson(first, crew.officer, 'visitor'),
          process,
        )
      ).id;

    const awaiting = await mk('CCProcVisitorCardWithApproval');
    const generated = await mk('CCProcVisitorCardWithoutApproval');
    const batched = await mk('CCProcVisitorCardWithoutApproval');
    await ok(
      post(first, crew.officer, `/api/requests/${batched}/production`, {
        mode: 'mass',
        batchName: 'after restart',
      }),
    );
    const interrupted = await mk('CCProcVisitorCardWithoutApproval');
    const waiting = await mk('CCProcVisitorCardWithoutApproval');

    printer.hang = true;
    await ok(
      post(first, crew.producer, `/api/requests/${interrupted}/production`, { mode: 'single' }),
    );
    await printer.started;
    await ok(post(first, crew.producer, `/api/requests/${waiting}/production`, { mode: 'single' }));
    expect((await getRequest(first, crew.officer, interrupted)).request.state).toBe('producing');
    expect((await getRequest(first, crew.officer, waiting)).request.state).toBe('queued');
    const auditBefore = await ok(
      first.call({ method: 'GET', url: '/api/audit/verify', cookie: crew.producer.cookie }),
    );

    // Stop without waiting for the hung production, as a power cut or SIGKILL would.
    await first.appliance.app.close();
    await first.store.close();

    const second = await buildTestApp({ stateDir: first.stateDir, printer: new FakeCardPrinter() });
    try {
      // Sessions are durable too: the same cookies still work.
      await second.appliance.services.production.whenIdle();
      const after = async (id: string) => (await getRequest(second, crew.officer, id)).request;
      expect(await after(awaiting)).toMatchObject({ state: 'awaiting_approval' });
      expect(await after(generated)).toMatchObject({ state: 'card_generated' });
      expect(await after(batched)).toMatchObject({ state: 'batched' });
      expect(await after(interrupted)).toMatchObject({
        state: 'production_failed',
        stateReason: RESTART_REASON,
      });
      expect(await after(waiting)).toMatchObject({ state: 'produced' });
      const attempts = (await getRequest(second, crew.officer, interrupted)).attempts;
      expect(attempts).toMatchObject([
        { outcome: 'failed', reason: RESTART_REASON, spoiledCards: 1 },
      ]);

      await ok(post(second, crew.approver, `/api/requests/${awaiting}/approve`));
      await ok(
        post(second, crew.producer, `/api/requests/${generated}/production`, { mode: 'single' }),
      );
      await ok(post(second, crew.producer, `/api/requests/${interrupted}/retry`));
      const batchId = (await after(batched)).batchId;
      await ok(post(second, crew.producer, `/api/batches/${batchId}/run`), 202);
      await second.appliance.services.production.whenIdle();
      for (const id of [generated, interrupted, batched])
        expect((await after(id)).state).toBe('produced');
      expect((await after(awaiting)).state).toBe('card_generated');
      const collected = await ok(post(second, crew.guard, `/api/requests/${interrupted}/collect`));
      expect(collected.pin).toMatch(/^\d{6}$/);

      const audit = await ok(
        second.call({ method: 'GET', url: '/api/audit/verify', cookie: crew.producer.cookie }),
      );
      expect(audit.ok).toBe(true);
      expect(audit.events).toBeGreaterThan(auditBefore.events);
      // The first-start admin passcode is never made again.
      expect(second.firstAdminPasscode).toBeNull();
    } finally {
      await second.dispose();
    }
  });

  it('counts a blank as spoiled only when the printer had fed it', async () => {
    for (const { hangIn, next, spoiled } of [
      // Cut off while feeding, the printer never acknowledged a card and none is inside.
      { hangIn: 'feed' as const, next: new FakeCardPrinter(), spoiled: 0 },
      // Cut off after the printer took the card but before that was recorded: the sensor.
      { hangIn: 'feed' as const, next: new PrinterWithLeftoverCard(), spoiled: 1 },
    ]) {
      const printer = new HangingPrinter(hangIn);
      const first = await buildTestApp({ printer });
      const crew = await crewFor(first);
      const person = await addPerson(first, crew.officer, 'visitor');
      const { id } = await produceCard(
        first,
        crew.officer,
        person,
        'CCProcVisitorCardWithoutApproval',
      );
      printer.hang = true;
      await ok(post(first, crew.producer, `/api/requests/${id}/production`, { mode: 'single' }));
      await printer.started;
      await first.appliance.app.close();
      await first.store.close();

      const second = await buildTestApp({ stateDir: first.stateDir, printer: next });
      try {
        const { attempts, request } = await getRequest(second, crew.officer, id);
        expect(request).toMatchObject({ state: 'production_failed', stateReason: RESTART_REASON });
        expect(attempts).toMatchObject([{ outcome: 'failed', spoiledCards: spoiled }]);
      } finally {
        await second.dispose();
      }
    }
  });
});
