import sinon from 'sinon';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createEventLoopStallMeter,
  WatchdogPinger,
  watchdogPingIntervalMs,
} from '../../../appliance/src/systemd/watchdog-pinger.js';

const sandbox = sinon.createSandbox();

describe('watchdogPingIntervalMs', () => {
  it('pings at half of WATCHDOG_USEC', () => {
    expect(watchdogPingIntervalMs({ WATCHDOG_USEC: '30000000' }, 42)).toBe(15_000);
  });

  it('does not ping without a watchdog or when it is meant for another process', () => {
    expect(watchdogPingIntervalMs({}, 42)).toBeNull();
    expect(watchdogPingIntervalMs({ WATCHDOG_USEC: '0' }, 42)).toBeNull();
    expect(watchdogPingIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' }, 42)).toBeNull();
    expect(watchdogPingIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '42' }, 42)).toBe(
      15_000,
    );
  });
});

describe('WatchdogPinger', () => {
  afterEach(() => sandbox.restore());

  function pinger(stalls: number[]) {
    const ping = sandbox.stub().resolves();
    const meter = { maxStallMs: sandbox.stub(), close: sandbox.stub() };
    stalls.forEach((s, i) => meter.maxStallMs.onCall(i).returns(s));
    meter.maxStallMs.returns(0);
    const onSkip = sandbox.spy();
    const p = new WatchdogPinger({ intervalMs: 15_000, ping, meter, onSkip });
    return { p, ping, meter, onSkip };
  }

  it('pings once per interval while the event loop is healthy', async () => {
    const clock = sandbox.useFakeTimers();
    const { p, ping } = pinger([]);
    p.start();
    await clock.tickAsync(15_000 * 3);
    expect(ping.callCount).toBe(3);
    p.stop();
  });

  it('skips the ping after an event-loop stall longer than half the interval', async () => {
    const clock = sandbox.useFakeTimers();
    const { p, ping, onSkip } = pinger([10, 9_000, 12]);
    p.start();
    await clock.tickAsync(15_000 * 3);
    expect(ping.callCount).toBe(2);
    expect(onSkip.calledOnceWithExactly(9_000)).toBe(true);
    p.stop();
  });

  it('does not stack pings while one is still on its way', async () => {
    const { p, ping } = pinger([]);
    let release!: () => void;
    ping.onFirstCall().returns(new Promise<void>((r) => (release = r)));
    const first = p.tick();
    expect(await p.tick()).toBe('busy');
    release();
    expect(await first).toBe('pinged');
    expect(await p.tick()).toBe('pinged');
  });

  it('reports a failed ping and carries on', async () => {
    const onError = sandbox.spy();
    const ping = sandbox.stub().rejects(new Error('no socket'));
    const meter = { maxStallMs: () => 0, close: () => {} };
    const p = new WatchdogPinger({ intervalMs: 1000, ping, meter, onError });
    expect(await p.tick()).toBe('failed');
    expect(onError.calledOnce).toBe(true);
  });

  it('stops its timer and the event-loop meter', async () => {
    const clock = sandbox.useFakeTimers();
    const { p, ping, meter } = pinger([]);
    p.start();
    p.stop();
    await clock.tickAsync(60_000);
    expect(ping.called).toBe(false);
    expect(meter.close.calledOnce).toBe(true);
  });
});

describe('createEventLoopStallMeter', () => {
  it('measures a synchronous block of the event loop, then starts again from zero', async () => {
    const meter = createEventLoopStallMeter(10);
    try {
      await new Promise((r) => setTimeout(r, 30));
      const until = Date.now() + 150;
      while (Date.now() < until) {
        // Block the loop on purpose: this is the stall the watchdog must see.
      }
      await new Promise((r) => setTimeout(r, 30));
      expect(meter.maxStallMs()).toBeGreaterThan(100);
      await new Promise((r) => setTimeout(r, 50));
      expect(meter.maxStallMs()).toBeLessThan(100);
    } finally {
      meter.close();
    }
  });
});
