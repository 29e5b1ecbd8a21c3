/**
 * How notifications leave the device: an e-mail through the site's SMTP relay, a JSON call
 * to a webhook. Implementations (nodemailer, fetch) are chosen in compose.ts. A failed
 * delivery throws a DeliveryError that says whether trying again can help.
 */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  attachments?: { filename: string; contentType: string; content: Uint8Array; cid?: string }[];
  /** Becomes the Message-ID's local part, so a resent message is recognisably the same. */
  id: string;
}

export interface MailSender {
  /** Resolves once the relay accepted the message; throws DeliveryError otherwise. */
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}

export interface WebhookSender {
  /** POST the JSON body, signed; resolves on a 2xx answer; throws DeliveryError otherwise. */
  post(url: string, body: Record<string, unknown>, deliveryId: string): Promise<void>;
}

export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  readonly code = 'DELIVERY_FAILED';
  constructor(
    message: string,
    /** The recipient refused for good (SMTP 5xx for the recipient, webhook 4xx): no retry. */
    readonly permanent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
