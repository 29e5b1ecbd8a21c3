/**
 * The printer for the production administrator, on the protocol-level simulator (a rev. E
 * Quantum behind the real driver): GET /api/printer shows model, firmware, counters and the
 * lobby warnings (ribbon nearly out, feeder nearly empty, cleaning due); POST
 * /api/printer/cleaning runs `Scp` for the roles that look after the printer, audited, and the
 * cleaning warning goes. /health carries the same state.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createSimulatedCardPrinter,
  type SimulatedSerialCardPrinter,
} from '../../drivers/printer/index.js';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { crewFor, ok, post, type Crew } from '../support/workflow-driver.js';

describe('the printer for the production administrator', () => {
  let t: TestApp;
  let crew: Crew;
  let printer: SimulatedSerialCardPrinter;

  beforeAll(async () => {
    printer = createSimulatedCardPrinter({
      pollIntervalMs: 0,
      device: {
        model: 'quantum',
        timeScale: 0,
        cardsInFeeder: 8,
        ribbonPrints: 12,
        cleaningIntervalCards: 500,
      },
    });
    t = await buildTestApp({ printer });
    crew = await crewFor(t);
  });
  afterAll(async () => t.dispose());

  const getPrinter = (cookie: string) => t.call({ method: 'GET', url: '/api/printer', cookie });

  it('shows model, firmware, counters and the warnings that matter in a lobby', async () => {
    printer.device.addWear(600);
    const body = await ok(getPrinter(crew.producer.cookie));
    expect(body.driver).toBe('simulated');
    expect(body.status).toMatchObject({
      state: 'ready',
      model: 'Evolis Quantum',
      firmware: printer.device.firmware,
      serialNumber: printer.device.serialNumber,
      family: 'quantum',
      ribbonType: 'ymcko',
      ribbonRemaining: 12,
      cardsInserted: 0,
      cover: 'closed',
    });
    expect(body.status.warnings.sort()).toEqual([
      'cleaning_due',
      'feeder_near_empty',
      'ribbon_low',
    ]);
    const health = await ok(t.call({ method: 'GET', url: '/health' }));
    expect(health.devices.printer.status.warnings).toContain('cleaning_due');
  });

  it('is for the roles that look after the printer', async () => {
    expect((await getPrinter(crew.officer.cookie)).statusCode).toBe(403);
    expect((await post(t, crew.guard, '/api/printer/cleaning')).statusCode).toBe(403);
    expect(printer.device.snapshot().cleanings).toBe(0);
  });

  it('runs the cleaning cycle, audits it, and the cleaning warning goes', async () => {
    const result = await ok(post(t, crew.producer, '/api/printer/cleaning'));
    expect(result).toMatchObject({ cleaned: true, reason: null });
    expect(result.status.warnings).not.toContain('cleaning_due');
    expect(printer.device.snapshot()).toMatchObject({ cleanings: 1, cardsSinceCleaning: 0 });
    const audit = await ok(
      t.call({ method: 'GET', url: '/api/audit?limit=50', cookie: crew.producer.cookie }),
    );
    const actions = (audit.items ?? audit).map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['printer.cleaning_started', 'printer.cleaned']),
    );
  });

  it('reports a cleaning the printer refuses, with its reason, and audits that too', async () => {
    printer.device.injectFault('cover_open');
    const result = await ok(post(t, crew.producer, '/api/printer/cleaning'));
    expect(result.cleaned).toBe(false);
    expect(result.reason).toMatch(/cover/);
    printer.device.clearFault();
    await vi.waitFor(async () => expect((await printer.status()).state).toBe('ready'));
  });
});
