/**
 * Short-lived tickets that let a walk-up open its live status stream without putting its
 * status code in a URL. A ticket is opaque (32 random bytes), bound to one request, valid for
 * STREAM_TOKEN_TTL_MS and good for one stream: an EventSource that reconnects asks for a new
 * one. The status code it stands for stays in memory only, so the stream can reuse the
 * service's own walk-up view (and its rule on what a walk-up may see).
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/ports.js';

export const STREAM_TOKEN_TTL_MS = 30_000;
/** A bound on memory: a flood of unused tickets evicts the oldest, never grows without end. */
const MAX_OPEN_TOKENS = 1000;

export interface StreamTicket {
  requestId: string;
  statusCode: string;
}

export class StreamTokens {
  private readonly tickets = new Map<string, StreamTicket & { expiresAtMs: number }>();

  constructor(private readonly clock: Clock) {}

  issue(ticket: StreamTicket): { token: string; expiresInSeconds: number } {
    this.sweep();
    while (this.tickets.size >= MAX_OPEN_TOKENS) {
      const oldest = this.tickets.keys().next().value;
      if (oldest === undefined) break;
      this.tickets.delete(oldest);
    }
    const token = randomBytes(32).toString('base64url');
    this.tickets.set(token, { ...ticket, expiresAtMs: this.nowMs() + STREAM_TOKEN_TTL_MS });
    return { token, expiresInSeconds: STREAM_TOKEN_TTL_MS / 1000 };
  }

  /** The ticket for this token, once: a second call, or a call after expiry, gets null. */
  redeem(token: string): StreamTicket | null {
    const found = this.tickets.get(token);
    if (!found) return null;
    this.tickets.delete(token);
    if (found.expiresAtMs <= this.nowMs()) return null;
    return { requestId: found.requestId, statusCode: found.statusCode };
  }

  private sweep(): void {
    const now = this.nowMs();
    for (const [token, t] of this.tickets) if (t.expiresAtMs <= now) this.tickets.delete(token);
  }

  private nowMs(): number {
    return this.clock.now().getTime();
  }
}
