/**
 * Attaches a simulated card to pcscd through the vpcd virtual reader (Debian
 * `vsmartcard-vpcd`): pcscd's vpcd driver listens on TCP (35963 for "Virtual PCD 00 00",
 * 35964 for "00 01"); the card side connects as a client. Every message both ways is a
 * 2-byte big-endian length and that many bytes. From the reader: 00 power off, 01 power on,
 * 02 reset, 04 "send your ATR"; anything longer is a command APDU, answered with one
 * response APDU. Closing the connection is a card removal, connecting again an insertion.
 *
 * The client keeps re-connecting while the card is "inserted" (pcscd restarts close the
 * socket), with a bounded interval, until `remove()` or `close()`.
 */
import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import type { SimulatedCard } from './simulated-piv-card.js';

export const VPCD_DEFAULT_PORT = 35_963;
const FRAME_HEADER_BYTES = 2;
const CONTROL = { POWER_OFF: 0x00, POWER_ON: 0x01, RESET: 0x02, GET_ATR: 0x04 } as const;
const DEFAULT_RECONNECT_INTERVAL_MS = 250;

export interface VpcdClientOptions {
  card: SimulatedCard;
  host?: string;
  port?: number;
  /** Wait between connection attempts while inserted and not connected, in ms. */
  reconnectIntervalMs?: number;
  /**
   * Called for each command APDU before the card sees it. Returning 'remove' pulls the
   * card (closes the connection) instead of answering, as a card yanked mid-command.
   */
  onApdu?: (apdu: Uint8Array) => 'remove' | void;
}

/** Encode one vpcd frame. */
export function encodeVpcdFrame(payload: Uint8Array): Uint8Array {
  if (payload.length > 0xffff) throw new RangeError('vpcd frame payload over 65535 bytes');
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  out[0] = payload.length >> 8;
  out[1] = payload.length & 0xff;
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** Incremental decoder: feed it bytes as they arrive, in any split, and collect frames. */
export class VpcdFrameDecoder {
  private buffer = new Uint8Array(0);

  push(chunk: Uint8Array): Uint8Array[] {
    const joined = new Uint8Array(this.buffer.length + chunk.length);
    joined.set(this.buffer, 0);
    joined.set(chunk, this.buffer.length);
    const frames: Uint8Array[] = [];
    let offset = 0;
    while (joined.length - offset >= FRAME_HEADER_BYTES) {
      const length = (joined[offset]! << 8) | joined[offset + 1]!;
      if (joined.length - offset - FRAME_HEADER_BYTES < length) break;
      frames.push(joined.slice(offset + FRAME_HEADER_BYTES, offset + FRAME_HEADER_BYTES + length));
      offset += FRAME_HEADER_BYTES + length;
    }
    this.buffer = joined.slice(offset);
    return frames;
  }
}

/**
 * Card side of one vpcd message: returns the reply frame payload, or undefined for power
 * and reset notices (which get no reply).
 */
export function answerVpcdMessage(
  card: SimulatedCard,
  message: Uint8Array,
): Uint8Array | undefined {
  if (message.length === 1) {
    switch (message[0]) {
      case CONTROL.POWER_OFF:
        card.powerOff();
        return undefined;
      case CONTROL.POWER_ON:
        card.powerOn();
        return undefined;
      case CONTROL.RESET:
        card.reset();
        return undefined;
      case CONTROL.GET_ATR:
        return card.atr;
      default:
        return undefined;
    }
  }
  return card.process(message);
}

export class VpcdClient extends EventEmitter {
  private card: SimulatedCard;
  private socket: Socket | null = null;
  private inserted = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly host: string;
  private readonly port: number;
  private readonly reconnectIntervalMs: number;

  constructor(private readonly options: VpcdClientOptions) {
    super();
    this.card = options.card;
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? VPCD_DEFAULT_PORT;
    this.reconnectIntervalMs = options.reconnectIntervalMs ?? DEFAULT_RECONNECT_INTERVAL_MS;
  }

  get connected(): boolean {
    return this.socket !== null;
  }

  get currentCard(): SimulatedCard {
    return this.card;
  }

  /** Replace the card (takes effect at the next insertion). */
  swapCard(card: SimulatedCard): void {
    this.card = card;
  }

  /**
   * Insert the card: connect, and keep reconnecting after a drop. Resolves once connected,
   * or rejects after `timeoutMs` (the client keeps trying in the background until removed).
   */
  insert(timeoutMs = 10_000): Promise<void> {
    if (this.closed) return Promise.reject(new Error('vpcd client is closed'));
    this.inserted = true;
    if (this.socket) return Promise.resolve();
    const connectedError = new Error(
      `vpcd: no connection to ${this.host}:${this.port} within ${timeoutMs} ms`,
    );
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('connected', onConnected);
        reject(connectedError);
      }, timeoutMs);
      const onConnected = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.once('connected', onConnected);
      if (!this.retryTimer) this.connect();
    });
  }

  /** Pull the card: close the connection and stop reconnecting. Resolves once closed. */
  remove(): Promise<void> {
    this.inserted = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const socket = this.socket;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once('close', () => resolve());
      socket.destroy();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.remove();
    this.removeAllListeners();
  }

  private connect(): void {
    this.retryTimer = null;
    if (!this.inserted || this.closed) return;
    const socket = new Socket();
    const decoder = new VpcdFrameDecoder();
    let opened = false;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      opened = true;
      this.socket = socket;
      this.emit('connected');
    });
    socket.on('data', (chunk: Buffer) => {
      for (const message of decoder.push(new Uint8Array(chunk))) {
        if (message.length > 1 && this.options.onApdu?.(message) === 'remove') {
          void this.remove();
          return;
        }
        const reply = answerVpcdMessage(this.card, message);
        if (reply) socket.write(encodeVpcdFrame(reply));
      }
    });
    // Errors end in 'close'; the retry logic lives there.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.socket === socket) this.socket = null;
      if (opened) {
        this.card.powerOff();
        this.emit('disconnected');
      }
      if (this.inserted && !this.closed) {
        this.retryTimer = setTimeout(() => this.connect(), this.reconnectIntervalMs);
      }
    });
    socket.connect(this.port, this.host);
  }
}
