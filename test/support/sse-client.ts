/**
 * A minimal server-sent-events reader over node:http for route tests (inject() cannot stream):
 * it collects events and comments as they arrive and lets a test wait for one.
 */
import { get, type IncomingMessage } from 'node:http';

export interface SseEvent {
  event: string;
  data: any;
}

export interface SseConnection {
  status: number;
  headers: IncomingMessage['headers'];
  events: SseEvent[];
  comments: string[];
  /** Resolves with the first event (already received or still to come) that matches. */
  next(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** Resolves once the server has ended the stream. */
  closed: Promise<void>;
  close(): void;
}

export function openSse(url: string, cookie?: string): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers: cookie ? { cookie } : {} }, (res) => {
      res.setEncoding('utf8');
      const events: SseEvent[] = [];
      const comments: string[] = [];
      const waiters = new Set<() => void>();
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) events.push({ event, data: JSON.parse(data.join('\n')) });
          for (const w of waiters) w();
        }
      });
      const closed = new Promise<void>((done) => res.on('close', () => done()));
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        events,
        comments,
        closed,
        close: () => req.destroy(),
        next(match, timeoutMs = 5_000) {
          return new Promise((found, fail) => {
            const check = () => {
              const hit = events.find(match);
              if (!hit) return;
              waiters.delete(check);
              clearTimeout(timer);
              found(hit);
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(
                new Error(`no matching event within ${timeoutMs} ms: ${JSON.stringify(events)}`),
              );
            }, timeoutMs);
            waiters.add(check);
            check();
          });
        },
      });
    });
    req.on('error', reject);
  });
}
