/**
 * The real encoder: a PC/SC reader reached through pcscd with the `pcsclite` native
 * module, personalising the PIV card in it with the shared routine
 * (`piv-personalization.ts`). The module is loaded with a dynamic import so the appliance
 * still starts where it is missing.
 *
 * The reader is the one named in the options (exact name, else the first whose name
 * contains it) or the first reader pcscd lists. Reader arrival and removal, card insertion
 * and removal come from pcsclite's status events; when pcscd goes away (restart, crash)
 * the PC/SC context is dropped and re-established every `reconnectIntervalMs` until pcscd
 * answers again — the service never needs a restart. Personalizations run one at a time
 * on one queue; connect, every APDU exchange and disconnect have their own timeout.
 *
 * PC/SC errors become DeviceError: card gone → CARD_REMOVED, reader or pcscd gone →
 * READER_NOT_FOUND, card mute or wrong protocol → CARD_NOT_SUPPORTED, another program
 * holding the card → DEVICE_BUSY, no answer in time → DEVICE_TIMEOUT.
 */
import { EventEmitter } from 'node:events';
import { DeviceError } from '../errors.js';
import type { ApduTransport } from './apdu-channel.js';
import { decodeResponseApdu, toHex } from './apdu-codec.js';
import { SerialQueue, withTimeout } from './call-guard.js';
import { personalizePivCard, type PersonalizationStep } from './piv-personalization.js';
import {
  renewDigitalIdOnCard,
  type DigitalIdRenewalRequest,
  type DigitalIdRenewalResult,
} from './piv-renewal.js';
import {
  changePinOnCard,
  unblockPinOnCard,
  type PinChangeRequest,
  type PinOperationResult,
  type PinUnblockRequest,
} from './piv-pin-operations.js';
import { readCardIdentityOnCard, type CardIdentity } from './piv-card-identity.js';
import type {
  EncoderStatus,
  PersonalizationRequest,
  PersonalizationResult,
  PivEncoder,
} from './piv-encoder.js';

/** The part of pcsclite's reader object this driver uses (structural, so tests can fake it). */
export interface PcscReader extends EventEmitter {
  readonly name: string;
  connected: boolean;
  SCARD_SHARE_EXCLUSIVE: number;
  SCARD_SHARE_SHARED: number;
  SCARD_PROTOCOL_T0: number;
  SCARD_PROTOCOL_T1: number;
  SCARD_STATE_PRESENT: number;
  SCARD_RESET_CARD: number;
  SCARD_LEAVE_CARD: number;
  connect(
    options: { share_mode?: number; protocol?: number },
    callback: (error: unknown, protocol: number) => void,
  ): void;
  disconnect(disposition: number, callback: (error: unknown) => void): void;
  transmit(
    data: Buffer,
    maxResponseBytes: number,
    protocol: number,
    callback: (error: unknown, response: Buffer) => void,
  ): void;
  close(): void;
}

/** pcsclite's context: emits 'reader' for each reader and 'error' when pcscd goes away. */
export interface PcscContext extends EventEmitter {
  close(): void;
}

export type PcscContextFactory = () => PcscContext;

export interface EncoderLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface PcscPivEncoderOptions {
  /** Reader to use: exact name, else the first containing this text. Default: the first reader. */
  readerName?: string;
  /** Factory management key of the cards (default 010203…08 ×3). */
  factoryManagementKey?: Uint8Array;
  /** Longest wait for one APDU exchange, ms (default 20 000: RSA key generation on real cards is slow). */
  apduTimeoutMs?: number;
  /** Longest wait for SCardConnect / SCardDisconnect, ms (default 5 000). */
  connectTimeoutMs?: number;
  /** How long personalize() waits for a reader with a card before failing, ms (default 2 000). */
  cardWaitMs?: number;
  /** Interval between attempts to reach pcscd after it went away, ms (default 1 000). */
  reconnectIntervalMs?: number;
  /** After an ambiguous transmit failure, how long to wait for pcscd to report the card gone, ms (default 2 000). */
  removalGraceMs?: number;
  /** Test hook: called before each personalization step. */
  beforeStep?: (step: PersonalizationStep) => void | Promise<void>;
  /** Where the PC/SC context comes from (default: the `pcsclite` module, loaded on demand). */
  contextFactory?: PcscContextFactory;
  logger?: EncoderLogger;
}

const DEFAULTS = {
  apduTimeoutMs: 20_000,
  connectTimeoutMs: 5_000,
  cardWaitMs: 2_000,
  reconnectIntervalMs: 1_000,
  removalGraceMs: 2_000,
};
/** Room for any response a short or extended APDU can bring (65 536 data bytes + SW). */
const MAX_RESPONSE_BYTES = 65_538;
/** PC/SC Part 3 §3.2.2.1.3 pseudo-APDU: the reader returns the contactless card's UID. */
const GET_UID_APDU = Uint8Array.from([0xff, 0xca, 0x00, 0x00, 0x00]);

const silentLogger: EncoderLogger = { info: () => undefined, warn: () => undefined };

/** Load pcsclite's factory, or explain why it is not there. */
export async function loadPcscliteFactory(): Promise<PcscContextFactory> {
  try {
    const module = (await import('pcsclite')) as unknown as { default: PcscContextFactory };
    return module.default;
  } catch (error) {
    throw new DeviceError('READER_NOT_FOUND', 'the pcsclite native module is not available', {
      cause: error,
    });
  }
}

/** SCARD_* result codes (pcsc-lite pcsclite.h) and what each means for the encoder. */
const PCSC_ERROR_CODES: Record<
  number,
  'CARD_REMOVED' | 'READER_NOT_FOUND' | 'CARD_NOT_SUPPORTED' | 'DEVICE_BUSY' | 'CARD_ERROR'
> = {
  0x80100069: 'CARD_REMOVED', // SCARD_W_REMOVED_CARD
  0x8010000c: 'CARD_REMOVED', // SCARD_E_NO_SMARTCARD
  0x80100067: 'CARD_REMOVED', // SCARD_W_UNPOWERED_CARD
  0x80100068: 'CARD_ERROR', // SCARD_W_RESET_CARD: someone else reset the card under us
  0x8010001d: 'READER_NOT_FOUND', // SCARD_E_NO_SERVICE
  0x8010001e: 'READER_NOT_FOUND', // SCARD_E_SERVICE_STOPPED
  0x80100009: 'READER_NOT_FOUND', // SCARD_E_UNKNOWN_READER
  0x80100017: 'READER_NOT_FOUND', // SCARD_E_READER_UNAVAILABLE
  0x8010002e: 'READER_NOT_FOUND', // SCARD_E_NO_READERS_AVAILABLE
  0x80100003: 'READER_NOT_FOUND', // SCARD_E_INVALID_HANDLE (handle from a pcscd that restarted)
  0x8010000b: 'DEVICE_BUSY', // SCARD_E_SHARING_VIOLATION
  0x80100066: 'CARD_NOT_SUPPORTED', // SCARD_W_UNRESPONSIVE_CARD
  0x80100065: 'CARD_NOT_SUPPORTED', // SCARD_W_UNSUPPORTED_CARD
  0x8010000f: 'CARD_NOT_SUPPORTED', // SCARD_E_PROTO_MISMATCH
};

/** The SCARD_* code in a pcsclite error message ("…(0x80100069)"), if any. */
export function pcscErrorCode(error: unknown): number | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const match = /\(0x([0-9a-fA-F]{8})\)/.exec(message);
  return match ? Number.parseInt(match[1]!, 16) : undefined;
}

interface ReaderEntry {
  reader: PcscReader;
  cardPresent: boolean;
  atr: Uint8Array | undefined;
}

export class PcscPivEncoder implements PivEncoder {
  readonly kind = 'pcsc' as const;
  private readonly options: Required<
    Omit<
      PcscPivEncoderOptions,
      'readerName' | 'factoryManagementKey' | 'beforeStep' | 'contextFactory' | 'logger'
    >
  >;
  private readonly logger: EncoderLogger;
  private readonly queue = new SerialQueue();
  private readonly changes = new EventEmitter();
  private readonly listeners = new Set<(status: EncoderStatus) => void>();
  private readonly readers = new Map<string, ReaderEntry>();
  private context: PcscContext | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private lastStatusKey = '';

  /** Load pcsclite (unless a factory is given) and start watching pcscd. */
  static async create(options: PcscPivEncoderOptions = {}): Promise<PcscPivEncoder> {
    const factory = options.contextFactory ?? (await loadPcscliteFactory());
    return new PcscPivEncoder(factory, options);
  }

  private constructor(
    private readonly contextFactory: PcscContextFactory,
    private readonly config: PcscPivEncoderOptions,
  ) {
    this.options = {
      apduTimeoutMs: config.apduTimeoutMs ?? DEFAULTS.apduTimeoutMs,
      connectTimeoutMs: config.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      cardWaitMs: config.cardWaitMs ?? DEFAULTS.cardWaitMs,
      reconnectIntervalMs: config.reconnectIntervalMs ?? DEFAULTS.reconnectIntervalMs,
      removalGraceMs: config.removalGraceMs ?? DEFAULTS.removalGraceMs,
    };
    this.logger = config.logger ?? silentLogger;
    this.changes.setMaxListeners(0);
    this.establish();
  }

  // ---- watching pcscd ------------------------------------------------------------------

  private establish(): void {
    this.retryTimer = null;
    if (this.closed) return;
    let context: PcscContext;
    try {
      // Throws synchronously when pcscd is not running (SCardEstablishContext fails).
      context = this.contextFactory();
    } catch (error) {
      this.scheduleReconnect(error);
      return;
    }
    this.context = context;
    context.on('reader', (reader: PcscReader) => this.attachReader(reader));
    context.on('error', (error: unknown) => {
      if (this.context !== context) return;
      this.dropContext();
      this.scheduleReconnect(error);
    });
  }

  private scheduleReconnect(error: unknown): void {
    if (this.closed || this.retryTimer) return;
    this.logger.warn(
      { error: error instanceof Error ? error.message : String(error) },
      'pcscd unreachable; retrying',
    );
    this.retryTimer = setTimeout(() => this.establish(), this.options.reconnectIntervalMs);
    this.retryTimer.unref();
  }

  private dropContext(): void {
    const context = this.context;
    this.context = null;
    for (const entry of this.readers.values()) {
      try {
        entry.reader.close();
      } catch {
        // The reader's thread may already be gone with pcscd.
      }
    }
    this.readers.clear();
    try {
      context?.close();
    } catch {
      // Already closed by the failure that brought us here.
    }
    this.changed();
  }

  private attachReader(reader: PcscReader): void {
    const entry: ReaderEntry = { reader, cardPresent: false, atr: undefined };
    this.readers.set(reader.name, entry);
    this.logger.info({ reader: reader.name }, 'reader attached');
    // pcsclite emits 'error' on a reader when pcscd vanishes; unhandled it would crash the process.
    reader.on('error', (error: unknown) => {
      this.logger.warn(
        { reader: reader.name, error: error instanceof Error ? error.message : String(error) },
        'reader error',
      );
    });
    reader.on('status', (status: { state: number; atr?: Buffer }) => {
      if (this.readers.get(reader.name) !== entry) return;
      entry.cardPresent = (status.state & reader.SCARD_STATE_PRESENT) !== 0;
      entry.atr =
        entry.cardPresent && status.atr && status.atr.length > 0
          ? new Uint8Array(status.atr)
          : undefined;
      this.changed();
    });
    reader.on('end', () => {
      if (this.readers.get(reader.name) === entry) this.readers.delete(reader.name);
      this.logger.info({ reader: reader.name }, 'reader removed');
      this.changed();
    });
    this.changed();
  }

  private selectedReader(): ReaderEntry | undefined {
    const wanted = this.config.readerName;
    if (!wanted) return this.readers.values().next().value;
    return (
      this.readers.get(wanted) ??
      [...this.readers.values()].find((e) => e.reader.name.includes(wanted))
    );
  }

  private currentStatus(): EncoderStatus {
    const entry = this.selectedReader();
    const status: EncoderStatus = {
      readerPresent: entry !== undefined,
      cardPresent: entry?.cardPresent ?? false,
    };
    if (entry) status.readerName = entry.reader.name;
    return status;
  }

  private changed(): void {
    this.changes.emit('change');
    const status = this.currentStatus();
    const key = JSON.stringify(status);
    if (key === this.lastStatusKey) return;
    this.lastStatusKey = key;
    for (const listener of this.listeners) listener(status);
  }

  /** Resolve once `predicate` holds (checked now and on every change), or with false after `timeoutMs`. */
  private waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    if (predicate()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onChange = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.changes.off('change', onChange);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.changes.off('change', onChange);
        resolve(predicate());
      }, timeoutMs);
      this.changes.on('change', onChange);
    });
  }

  /** Wait until the encoder's reader is listed (and, if asked, holds a card). */
  async waitForReader(timeoutMs: number, withCard = false): Promise<EncoderStatus> {
    await this.waitFor(() => {
      const entry = this.selectedReader();
      return entry !== undefined && (!withCard || entry.cardPresent);
    }, timeoutMs);
    return this.currentStatus();
  }

  /** Wait until the card is out (or the reader gone). */
  async waitForCardRemoval(timeoutMs: number): Promise<EncoderStatus> {
    await this.waitFor(() => !(this.selectedReader()?.cardPresent ?? false), timeoutMs);
    return this.currentStatus();
  }

  // ---- PivEncoder -----------------------------------------------------------------------

  async status(): Promise<EncoderStatus> {
    return this.currentStatus();
  }

  onStatus(listener: (status: EncoderStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  personalize(request: PersonalizationRequest): Promise<PersonalizationResult> {
    return this.queue.run(() => this.personalizeNow(request));
  }

  unblockPin(request: PinUnblockRequest): Promise<PinOperationResult> {
    return this.queue.run(() => this.withCard((transport) => unblockPinOnCard(transport, request)));
  }

  changePin(request: PinChangeRequest): Promise<PinOperationResult> {
    return this.queue.run(() => this.withCard((transport) => changePinOnCard(transport, request)));
  }

  renewDigitalId(request: DigitalIdRenewalRequest): Promise<DigitalIdRenewalResult> {
    return this.queue.run(() =>
      this.withCard((transport) => renewDigitalIdOnCard(transport, request)),
    );
  }

  readCardIdentity(): Promise<CardIdentity> {
    return this.queue.run(() => this.withCard((transport) => readCardIdentityOnCard(transport)));
  }

  /**
   * Connect to the card in the selected reader, run `fn` over a transport with the same
   * timeouts and error mapping as personalisation, and disconnect (resetting the card so no
   * PIN status survives). Personalisation and the operations on a card after hand-over.
   */
  private async withCard<T>(
    fn: (
      transport: ApduTransport,
      card: { reader: string; atr: Uint8Array | undefined },
    ) => Promise<T>,
  ): Promise<T> {
    if (this.closed) throw new DeviceError('DEVICE_CLOSED', 'encoder is closed');
    await this.waitFor(() => this.selectedReader()?.cardPresent ?? false, this.options.cardWaitMs);
    const entry = this.selectedReader();
    if (!entry)
      throw new DeviceError(
        'READER_NOT_FOUND',
        this.context ? 'encoder reader not found' : 'pcscd is not reachable',
      );
    if (!entry.cardPresent) throw new DeviceError('CARD_REMOVED', 'no card in the encoder');
    const { reader } = entry;
    const protocol = await this.connect(reader);
    let cardBroken = false;
    const transport: ApduTransport = {
      transmit: async (apdu) => {
        try {
          const reply = await withTimeout(
            this.transmit(reader, apdu, protocol),
            this.options.apduTimeoutMs,
            'APDU exchange with the card',
          );
          // vpcd (and some readers) hand back an empty buffer when the card vanished mid-command.
          if (reply.length < 2) throw new Error('response without a status word');
          return reply;
        } catch (error) {
          cardBroken = true;
          throw await this.explain(error, entry, 'transmit');
        }
      },
    };
    try {
      return await fn(transport, { reader: reader.name, atr: entry.atr });
    } finally {
      await this.disconnect(reader, cardBroken);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.dropContext();
    this.listeners.clear();
  }

  private personalizeNow(request: PersonalizationRequest): Promise<PersonalizationResult> {
    return this.withCard(async (transport, { reader, atr }) => {
      const routineOptions = {
        fallbackChipId: async (): Promise<string | undefined> => {
          // Contactless readers answer FF CA with the chip UID; contact cards refuse it.
          const reply = decodeResponseApdu(await transport.transmit(GET_UID_APDU));
          if (reply.sw === 0x9000 && reply.data.length > 0) return `uid:${toHex(reply.data)}`;
          return atr ? `atr:${toHex(atr)}` : undefined;
        },
        ...(this.config.factoryManagementKey
          ? { factoryManagementKey: this.config.factoryManagementKey }
          : {}),
        ...(this.config.beforeStep ? { beforeStep: this.config.beforeStep } : {}),
      };
      const result = await personalizePivCard(transport, request, routineOptions);
      this.logger.info({ reader, apdus: result.apdusExchanged }, 'card personalised');
      return result;
    });
  }

  private connect(reader: PcscReader): Promise<number> {
    const attempt = new Promise<number>((resolve, reject) => {
      const options = {
        share_mode: reader.SCARD_SHARE_EXCLUSIVE,
        protocol: reader.SCARD_PROTOCOL_T0 | reader.SCARD_PROTOCOL_T1,
      };
      const open = (): void =>
        reader.connect(options, (error, protocol) =>
          error ? reject(error as Error) : resolve(protocol),
        );
      // pcsclite keeps `connected` set after a card was pulled; drop the stale handle first.
      if (reader.connected) reader.disconnect(reader.SCARD_LEAVE_CARD, () => open());
      else open();
    });
    return withTimeout(attempt, this.options.connectTimeoutMs, 'PC/SC connect').catch(
      async (error: unknown) => {
        throw await this.explain(error, this.selectedReader(), 'connect');
      },
    );
  }

  private transmit(reader: PcscReader, apdu: Uint8Array, protocol: number): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      reader.transmit(Buffer.from(apdu), MAX_RESPONSE_BYTES, protocol, (error, response) => {
        if (error) reject(error as Error);
        else resolve(new Uint8Array(response));
      });
    });
  }

  /** Disconnect and reset the card (drops PIN status); never throws, never hangs. */
  private async disconnect(reader: PcscReader, cardBroken: boolean): Promise<void> {
    if (!reader.connected) return;
    const done = new Promise<void>((resolve) => {
      reader.disconnect(cardBroken ? reader.SCARD_LEAVE_CARD : reader.SCARD_RESET_CARD, () =>
        resolve(),
      );
    });
    await withTimeout(done, this.options.connectTimeoutMs, 'PC/SC disconnect').catch(
      (error: unknown) => {
        this.logger.warn(
          { reader: reader.name, error: (error as Error).message },
          'disconnect did not complete',
        );
      },
    );
  }

  /** Turn a PC/SC failure into a DeviceError; for unclear ones ask pcscd whether the card is still there. */
  private async explain(
    error: unknown,
    entry: ReaderEntry | undefined,
    phase: string,
  ): Promise<DeviceError> {
    if (error instanceof DeviceError) return error;
    const code = pcscErrorCode(error);
    const mapped = code === undefined ? undefined : PCSC_ERROR_CODES[code];
    const detail = `${phase}: ${error instanceof Error ? error.message : String(error)}`;
    if (mapped) return new DeviceError(mapped, detail, { cause: error });
    // SCARD_E_NOT_TRANSACTED, SCARD_E_COMM_DATA_LOST and the like: usually the card was
    // yanked mid-exchange, which pcscd confirms with its next status poll.
    const gone = await this.waitFor(
      () =>
        !this.context ||
        !entry ||
        this.readers.get(entry.reader.name) !== entry ||
        !entry.cardPresent,
      this.options.removalGraceMs,
    );
    if (gone) {
      const readerGone = !this.context || !entry || this.readers.get(entry.reader.name) !== entry;
      return new DeviceError(readerGone ? 'READER_NOT_FOUND' : 'CARD_REMOVED', detail, {
        cause: error,
      });
    }
    return new DeviceError('CARD_ERROR', detail, { cause: error });
  }
}

/**
 * List the readers pcscd knows, waiting at most `timeoutMs` for the first to appear.
 * Returns [] when pcscd or the pcsclite module is missing. For the composition root's
 * "real or simulated" decision.
 */
export async function listPcscReaders(
  timeoutMs = 1_000,
  contextFactory?: PcscContextFactory,
): Promise<string[]> {
  let factory: PcscContextFactory;
  try {
    factory = contextFactory ?? (await loadPcscliteFactory());
  } catch {
    return [];
  }
  let context: PcscContext;
  try {
    context = factory();
  } catch {
    return [];
  }
  const names: string[] = [];
  const readers: PcscReader[] = [];
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    context.on('reader', (reader: PcscReader) => {
      reader.on('error', () => undefined);
      readers.push(reader);
      names.push(reader.name);
      clearTimeout(timer);
      // Readers arrive in one burst; give the rest of the burst a moment.
      setImmediate(resolve);
    });
    context.on('error', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  for (const reader of readers) reader.close();
  context.close();
  return names;
}
