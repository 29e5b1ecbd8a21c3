/**
 * /health's report is built at most once per healthMaxAgeMs (a monitor probing many times a
 * second costs one look at the devices and the database), concurrent calls share one build,
 * and any change that announces itself (a printer status, a request or device event) shows on
 * the next call, not after the age runs out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrinterStatus } from '../../../drivers/printer/card-printer.js';
import { DeviceStatusService } from '../../../appliance/src/services/device-status-service.js';
import { DomainEvents } from '../../../appliance/src/services/domain-events.js';
import { silentLogger } from '../../../appliance/src/services/ports.js';
import { buildTestApp, type TestApp } from '../../support/build-test-app.js';
import { FakeCardPrinter } from '../../support/fake-devices.js';

/** A printer that counts how often it is asked and can announce a status of its own. */
class ObservedPrinter extends FakeCardPrinter {
  asked = 0;
  current: PrinterStatus = { state: 'ready', cardsInFeeder: 100, ribbonRemaining: 100 };
  private readonly observers = new Set<(s: PrinterStatus) => void>();

  override async status(): Promise<PrinterStatus> {
    this.asked++;
    return { ...this.current };
  }

  override onStatus(listener: (s: PrinterStatus) => void): () => void {
    this.observers.add(listener);
    return () => this.observers.delete(listener);
  }

  announce(status: PrinterStatus): void {
    this.current = status;
    for (const listener of this.observers) listener(status);
  }
}

describe('DeviceStatusService.health', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.dispose());

  function statusService(maxAgeMs: number) {
    const printer = new ObservedPrinter();
    const events = new DomainEvents();
    let now = 0;
    const service = new DeviceStatusService({
      store: t.store,
      printer,
      encoder: t.encoder,
      leds: t.leds,
      production: t.appliance.services.production,
      events,
      log: silentLogger,
      version: 'test',
      healthMaxAgeMs: maxAgeMs,
      monotonicNow: () => now,
    });
    return { service, printer, events, advance: (ms: number) => (now += ms) };
  }

  it('reuses a report for healthMaxAgeMs, then builds a new one', async () => {
    const { service, printer, advance } = statusService(1_000);
    await service.health();
    advance(999);
    await service.health();
    expect(printer.asked).toBe(1);
    advance(1);
    await service.health();
    expect(printer.asked).toBe(2);
  });

  it('builds one report for calls that arrive while it is being built', async () => {
    const { service, printer } = statusService(1_000);
    const reports = await Promise.all(Array.from({ length: 10 }, () => service.health()));
    expect(printer.asked).toBe(1);
    expect(new Set(reports).size).toBe(1);
  });

  it('shows a printer fault on the next call, however fresh the saved report', async () => {
    const { service, printer } = statusService(60_000);
    expect((await service.health()).status).toBe('ok');
    printer.announce({ state: 'fault', fault: 'cover_open' });
    const report = await service.health();
    expect(report.status).toBe('degraded');
    expect(report.devices.printer.status).toMatchObject({ state: 'fault', fault: 'cover_open' });
  });

  it('builds anew after a request or device event', async () => {
    const { service, printer, events } = statusService(60_000);
    await service.health();
    events.emit('device.changed');
    await service.health();
    expect(printer.asked).toBe(2);
    events.emit('request.changed', {
      requestId: 'r1',
      state: 'produced',
      processName: 'employee',
      batchId: null,
    });
    await service.health();
    expect(printer.asked).toBe(3);
  });

  it('does not keep a report begun before a change', async () => {
    const { service, printer, events } = statusService(60_000);
    const begun = service.health();
    events.emit('device.changed');
    await begun;
    await service.health();
    // The first build finished after the change: it is not reused.
    expect(printer.asked).toBe(2);
  });

  it('builds every report when the age is 0', async () => {
    const { service, printer } = statusService(0);
    await service.health();
    await service.health();
    expect(printer.asked).toBe(2);
  });
});
