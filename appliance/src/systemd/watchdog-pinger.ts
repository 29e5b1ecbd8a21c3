/**
 * systemd watchdog pings (WatchdogSec= in the unit): WATCHDOG=1 at half the interval, but only
 * while the event loop is healthy. A loop that is stuck for good fires no timer, so systemd
 * restarts the service by itself; this also catches a loop that still turns but stalls for
 * seconds at a time (a runaway synchronous job): when the longest stall since the last tick is
 * above the limit, the ping is skipped, and two skipped ticks in a row let systemd restart us.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** Longest event-loop stall since the previous call, in ms. */
export interface EventLoopStallMeter {
  maxStallMs(): number;
  close(): void;
}

export function createEventLoopStallMeter(resolutionMs = 20): EventLoopStallMeter {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  return {
    maxStallMs() {
      const max = histogram.max / 1e6;
      histogram.reset();
      return max;
    },
    close() {
      histogram.disable();
    },
  };
}

/**
 * The ping interval asked for by systemd: half of WATCHDOG_USEC, in ms; null when the unit has
 * no watchdog or it is meant for another process (WATCHDOG_PID).
 */
export function watchdogPingIntervalMs(
  env: NodeJS.ProcessEnv = process.env,
  pid: number = process.pid,
): number | null {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isFinite(usec) || usec <= 0) return null;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return null;
  return Math.max(1, Math.floor(usec / 2000));
}

export interface WatchdogPingerOptions {
  intervalMs: number;
  ping: () => Promise<void>;
  meter: EventLoopStallMeter;
  /** A stall longer than this skips the ping; default: half the ping interval. */
  maxStallMs?: number;
  onSkip?: (stallMs: number) => void;
  onError?: (err: unknown) => void;
}

export class WatchdogPinger {
  private timer: NodeJS.Timeout | null = null;
  private inFlight = false;
  private readonly maxStallMs: number;

  constructor(private readonly options: WatchdogPingerOptions) {
    this.maxStallMs = options.maxStallMs ?? options.intervalMs / 2;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    // Pings must never be what keeps a stopping service alive.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.options.meter.close();
  }

  /** One watchdog period: ping if the loop has been healthy since the last one. */
  async tick(): Promise<'pinged' | 'skipped' | 'busy' | 'failed'> {
    const stall = this.options.meter.maxStallMs();
    if (stall > this.maxStallMs) {
      this.options.onSkip?.(stall);
      return 'skipped';
    }
    // A ping still on its way (systemd slow to answer) is not doubled up.
    if (this.inFlight) return 'busy';
    this.inFlight = true;
    try {
      await this.options.ping();
      return 'pinged';
    } catch (err) {
      this.options.onError?.(err);
      return 'failed';
    } finally {
      this.inFlight = false;
    }
  }
}
