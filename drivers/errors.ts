/**
 * Typed errors shared by every device driver. Callers branch on `code` (or the class),
 * never on message text. Messages never carry secrets (PINs, PUKs, keys).
 */

export type DeviceErrorCode =
  | 'DEVICE_TIMEOUT'
  | 'DEVICE_DISCONNECTED'
  | 'DEVICE_PROTOCOL'
  | 'DEVICE_BUSY'
  | 'DEVICE_CLOSED'
  | 'PRINTER_FAULT'
  | 'CARD_REMOVED'
  | 'CARD_NOT_SUPPORTED'
  | 'CARD_VERIFY_FAILED'
  | 'READER_NOT_FOUND'
  | 'CARD_ERROR'
  /** The PIN or PUK given was wrong (the card counted a try); `retriesLeft` says how many remain. */
  | 'CARD_WRONG_SECRET'
  /** The PIN (or PUK) is blocked: no tries left. */
  | 'CARD_SECRET_BLOCKED'
  /** The card in the encoder is not the one the operation is for. */
  | 'CARD_MISMATCH'
  | 'GPIO_UNAVAILABLE';

export class DeviceError extends Error {
  override readonly name: string = 'DeviceError';
  constructor(
    readonly code: DeviceErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A call that got no answer in time. Create it when the wait starts so it carries the caller's stack. */
export class DeviceTimeoutError extends DeviceError {
  override readonly name = 'DeviceTimeoutError';
  constructor(what: string, timeoutMs: number) {
    super('DEVICE_TIMEOUT', `${what}: no answer within ${timeoutMs} ms`);
  }
}
