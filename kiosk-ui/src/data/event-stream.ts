/**
 * Live updates from the appliance (server-sent events; see appliance/src/http/routes/events.ts).
 *
 * StaffEventStream follows `/api/events` for a signed-in session; the browser reconnects by
 * itself, and every (re)connect says `ready`, which views treat as "fetch again" so nothing
 * missed while disconnected stays stale.
 *
 * WalkUpStatusStream follows one walk-up's request. Its ticket is good for one connection, so
 * instead of letting EventSource retry with a used ticket it closes on error and asks for a
 * new ticket, waiting longer after each failure.
 */
import type { ApiClient } from './api-client.js';
import type { RequestChangedEvent, WalkUpStatus } from './api-types.js';

export type StaffEvent =
  | { type: 'ready' }
  | { type: 'request.changed'; data: RequestChangedEvent }
  | { type: 'device.changed' };

export class StaffEventStream {
  private source: EventSource | null = null;
  private readonly listeners = new Set<(e: StaffEvent) => void>();

  constructor(private readonly url = '/api/events') {}

  open(): void {
    if (this.source) return;
    const source = new EventSource(this.url);
    source.addEventListener('ready', () => this.emit({ type: 'ready' }));
    source.addEventListener('request.changed', (e) =>
      this.emit({
        type: 'request.changed',
        data: JSON.parse((e as MessageEvent<string>).data) as RequestChangedEvent,
      }),
    );
    source.addEventListener('device.changed', () => this.emit({ type: 'device.changed' }));
    this.source = source;
  }

  close(): void {
    this.source?.close();
    this.source = null;
  }

  subscribe(listener: (e: StaffEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: StaffEvent): void {
    for (const l of this.listeners) l(e);
  }
}

const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 15_000;

export class WalkUpStatusStream {
  private source: EventSource | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private retryMs = RETRY_FIRST_MS;
  private stopped = false;

  constructor(
    private readonly api: ApiClient,
    private readonly statusCode: string,
    private readonly onStatus: (s: WalkUpStatus) => void,
  ) {}

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.source?.close();
    this.source = null;
  }

  private async connect(): Promise<void> {
    let token: string;
    try {
      ({ token } = await this.api.walkUpStreamToken(this.statusCode));
    } catch {
      this.retryLater();
      return;
    }
    if (this.stopped) return;
    const source = new EventSource(`/api/self-service/events?token=${encodeURIComponent(token)}`);
    source.addEventListener('status', (e) => {
      this.retryMs = RETRY_FIRST_MS;
      this.onStatus(JSON.parse((e as MessageEvent<string>).data) as WalkUpStatus);
    });
    source.addEventListener('error', () => {
      source.close();
      if (this.source === source) this.source = null;
      this.retryLater();
    });
    this.source = source;
  }

  private retryLater(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.connect(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }
}
