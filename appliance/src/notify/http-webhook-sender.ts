/**
 * Host notifications for chat tools: a JSON POST signed with HMAC-SHA256 over
 * "<timestamp>.<body>" under the site's shared secret (the scheme Stripe and Slack use, so a
 * receiver can refuse a replayed or altered call). Headers: X-Cardkiosk-Timestamp (Unix
 * seconds), X-Cardkiosk-Signature ("v1=<hex>"), X-Cardkiosk-Delivery (the notification id,
 * the same on every retry, for the receiver's deduplication). Each call has a timeout; the
 * queue does the retrying.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Clock } from '../core/ports.js';
import { DeliveryError, type WebhookSender } from '../services/notifications/notification-ports.js';

export interface WebhookSettings {
  url: string;
  secretFile?: string;
  secret?: string;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export class HttpWebhookSender implements WebhookSender {
  private readonly secret: string;

  constructor(
    private readonly settings: WebhookSettings,
    private readonly clock: Clock,
  ) {
    this.secret =
      settings.secret ??
      (settings.secretFile ? readFileSync(settings.secretFile, 'utf8').trim() : '');
    if (this.secret.length < 16)
      throw new Error('the webhook secret must be at least 16 characters');
  }

  async post(url: string, body: Record<string, unknown>, deliveryId: string): Promise<void> {
    const json = JSON.stringify(body);
    const timestamp = String(Math.floor(this.clock.now().getTime() / 1000));
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-cardkiosk-timestamp': timestamp,
          'x-cardkiosk-signature': webhookSignature(this.secret, timestamp, json),
          'x-cardkiosk-delivery': deliveryId,
        },
        body: json,
        signal: AbortSignal.timeout(this.settings.timeoutMs ?? DEFAULT_TIMEOUT_MS),
        redirect: 'error',
      });
    } catch (err) {
      const timedOut = (err as { name?: string }).name === 'TimeoutError';
      throw new DeliveryError(
        timedOut ? 'the webhook did not answer in time' : 'the webhook could not be reached',
        false,
        { cause: err },
      );
    }
    await res.body?.cancel();
    if (res.ok) return;
    // 4xx other than 408/429 is the receiver's final word; 5xx, 408 and 429 may pass later.
    const permanent = res.status >= 400 && res.status < 500 && ![408, 429].includes(res.status);
    throw new DeliveryError(`the webhook answered ${res.status}`, permanent);
  }
}
