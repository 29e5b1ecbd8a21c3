/**
 * The webhook sender against a local HTTP server: the signature verifies with the shared
 * secret over "<timestamp>.<body>", a 4xx is final, a 5xx and 429 are retried, a server that
 * does not answer in time fails the attempt.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  HttpWebhookSender,
  webhookSignature,
} from '../../../appliance/src/notify/http-webhook-sender.js';
import { DeliveryError } from '../../../appliance/src/services/notifications/notification-ports.js';
import { TestClock } from '../../support/test-clock.js';

const SECRET = 'shared-secret-for-tests';
let server: Server | null = null;
const hanging: ServerResponse[] = [];

afterEach(async () => {
  for (const r of hanging.splice(0)) r.destroy();
  const s = server;
  server = null;
  if (s) await new Promise<void>((r) => s.close(() => r()));
});

async function receiver(
  answer: (res: ServerResponse, req: { body: string; headers: Record<string, unknown> }) => void,
): Promise<string> {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () =>
      answer(res, { body: Buffer.concat(chunks).toString(), headers: req.headers }),
    );
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/hook`;
}

describe('HttpWebhookSender', () => {
  const clock = new TestClock(new Date('2036-04-01T08:00:00Z'));

  it('signs the body with HMAC-SHA256 over the timestamp and the body', async () => {
    let seen: { body: string; headers: Record<string, unknown> } | null = null;
    const url = await receiver((res, req) => {
      seen = req;
      res.writeHead(200).end('ok');
    });
    await new HttpWebhookSender({ url, secret: SECRET }, clock).post(
      url,
      { type: 'visit.visitor_arrived', n: 1 },
      'd-1',
    );
    const s = seen as unknown as { body: string; headers: Record<string, string> };
    expect(s.headers['x-cardkiosk-timestamp']).toBe(
      String(Date.parse('2036-04-01T08:00:00Z') / 1000),
    );
    expect(s.headers['x-cardkiosk-signature']).toBe(
      webhookSignature(SECRET, s.headers['x-cardkiosk-timestamp'] as string, s.body),
    );
    expect(s.headers['x-cardkiosk-signature']).not.toBe(
      webhookSignature(
        'other-secret-xxxxxxx',
        s.headers['x-cardkiosk-timestamp'] as string,
        s.body,
      ),
    );
    expect(s.headers['x-cardkiosk-delivery']).toBe('d-1');
    expect(JSON.parse(s.body)).toEqual({ type: 'visit.visitor_arrived', n: 1 });
  });

  it('treats 4xx as final and 5xx or 429 as worth another try', async () => {
    let status = 400;
    const url = await receiver((res) => res.writeHead(status).end());
    const sender = new HttpWebhookSender({ url, secret: SECRET }, clock);
    for (const [code, permanent] of [
      [400, true],
      [410, true],
      [429, false],
      [500, false],
      [503, false],
    ] as const) {
      status = code;
      const err = (await sender.post(url, {}, 'd').catch((e: unknown) => e)) as DeliveryError;
      expect(err, String(code)).toBeInstanceOf(DeliveryError);
      expect(err.permanent, String(code)).toBe(permanent);
    }
  });

  it('fails an attempt that gets no answer in time', async () => {
    const url = await receiver((res) => hanging.push(res));
    const err = (await new HttpWebhookSender({ url, secret: SECRET, timeoutMs: 200 }, clock)
      .post(url, {}, 'd')
      .catch((e: unknown) => e)) as DeliveryError;
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err.permanent).toBe(false);
    expect(err.message).toMatch(/did not answer in time/);
  });

  it('refuses a secret too short to be one', () => {
    expect(() => new HttpWebhookSender({ url: 'http://x', secret: 'short' }, clock)).toThrow(/16/);
  });
});
