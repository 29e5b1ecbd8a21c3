/**
 * `CardPrinter` over a serial line speaking the Evolis escape-command protocol (the codec is
 * `printer-codec.ts`). One queue serialises everything that touches the port: jobs, status
 * reads, reconnects. Every command waits for its reply with a timeout whose error is created
 * when the wait starts. The port is polled for status at an interval; when it disappears the
 * transport reopens it with backoff until it is back, and sets the printer up again (`Pem;2`:
 * the host manages errors, guide P commands).
 *
 * The binding is injectable: the native `@serialport/bindings-cpp` one in production (the
 * default), the in-process simulator binding for the embedded default and tests.
 *
 * Job sequence (after the Evolis SDK samples): `Pr;<ribbon>` → `Rlr;p` (card already in?) →
 * `Si` (feed) → `Ss` → `Sr` → `Dbc;…` per panel → [`Sv` → `Dbc;…`] → `Se` (print and eject).
 */

import type { BindingInterface } from '@serialport/bindings-interface' with {
  'resolution-mode': 'require',
};
import { SerialPortStream } from '@serialport/stream';
import { DeviceError, DeviceTimeoutError } from '../errors.js';
import {
  PrinterFaultError,
  type CardArtwork,
  type CardPrinter,
  type ChipStation,
  type PrintJobCounters,
  type PrinterFault,
  type PrinterStatus,
} from './card-printer.js';
import { encodeCardPanels, type EncodedCard, type RibbonType } from './panel-encoder.js';
import {
  ReplyFrameParser,
  classifyReply,
  describeBytes,
  encodeCommand,
  encodeCompressedDownload,
  parseCardPresent,
  parseStatusWord,
  type PrinterReply,
} from './printer-codec.js';

/** Default line speed of the Pebble/Dualys RS-232 port as shipped; set it to the printer's. */
export const DEFAULT_BAUD_RATE = 115_200;
/** A read or parameter command answers at once; this covers a busy firmware. */
export const COMMAND_TIMEOUT_MS = 3_000;
/** Feeding a card: about 1.5 s, more with a near-empty feeder. */
export const INSERT_TIMEOUT_MS = 15_000;
/** Printing and ejecting one YMCKO side takes about 25 s; two sides and a slow head, double. */
export const PRINT_TIMEOUT_MS = 90_000;
export const EJECT_TIMEOUT_MS = 10_000;
export const STATUS_POLL_INTERVAL_MS = 2_000;
export const RECONNECT_INITIAL_DELAY_MS = 250;
export const RECONNECT_MAX_DELAY_MS = 5_000;
/** Bits on the wire per byte at 8N1. */
const BITS_PER_BYTE_ON_WIRE = 10;

export interface PrinterLogger {
  debug(data: object, message: string): void;
  warn(data: object, message: string): void;
}

export interface SerialCardPrinterOptions {
  /** e.g. `/dev/ttyUSB0`, `/dev/ttyACM0`. */
  path: string;
  baudRate?: number;
  /** Defaults to the native binding (`@serialport/bindings-cpp` autoDetect). */
  binding?: BindingInterface;
  /** The ribbon loaded in the printer; a job asks for it with `Pr`. Default `ymcko`. */
  ribbon?: RibbonType;
  /** Reported as `kind`; 'simulated' when the far end is the simulator. */
  kind?: 'serial' | 'simulated';
  commandTimeoutMs?: number;
  insertTimeoutMs?: number;
  printTimeoutMs?: number;
  ejectTimeoutMs?: number;
  /** 0 disables polling. */
  pollIntervalMs?: number;
  reconnectInitialDelayMs?: number;
  reconnectMaxDelayMs?: number;
  logger?: PrinterLogger;
}

type JobStage = 'setup' | 'feed' | 'loaded';

/** Thrown inside a job when the printer answers with a fault word. */
class ReplyFault extends Error {
  constructor(
    readonly command: string,
    readonly fault: PrinterFault,
    readonly raw: string,
  ) {
    super(`${command}: ${raw}`);
  }
}

const silentLogger: PrinterLogger = { debug() {}, warn() {} };

export class SerialCardPrinter implements CardPrinter {
  readonly kind: 'serial' | 'simulated';
  private readonly path: string;
  private readonly baudRate: number;
  private readonly ribbon: RibbonType;
  private readonly timeouts: { command: number; insert: number; print: number; eject: number };
  private readonly pollIntervalMs: number;
  private readonly reconnectDelays: { initial: number; max: number };
  private readonly log: PrinterLogger;
  private bindingPromise: Promise<BindingInterface>;

  private port: SerialPortStream | undefined;
  private sessionReady = false;
  /**
   * Set when a command timed out: its reply may still come and would then be taken as the
   * answer to the next command, shifting every reply after it by one. The next exchange first
   * resynchronises on a reply it can recognise.
   */
  private outOfStep = false;
  private readonly replies = new ReplyFrameParser();
  private waiter: { command: string; settle: (line: string | Error) => void } | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private jobRunning = false;
  private closed = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelayMs: number;
  private readonly listeners = new Set<(status: PrinterStatus) => void>();
  private lastStatus: PrinterStatus | undefined;
  private identity: { model?: string; serialNumber?: string } = {};

  constructor(options: SerialCardPrinterOptions) {
    this.kind = options.kind ?? 'serial';
    this.path = options.path;
    this.baudRate = options.baudRate ?? DEFAULT_BAUD_RATE;
    this.ribbon = options.ribbon ?? 'ymcko';
    this.timeouts = {
      command: options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS,
      insert: options.insertTimeoutMs ?? INSERT_TIMEOUT_MS,
      print: options.printTimeoutMs ?? PRINT_TIMEOUT_MS,
      eject: options.ejectTimeoutMs ?? EJECT_TIMEOUT_MS,
    };
    this.pollIntervalMs = options.pollIntervalMs ?? STATUS_POLL_INTERVAL_MS;
    this.reconnectDelays = {
      initial: options.reconnectInitialDelayMs ?? RECONNECT_INITIAL_DELAY_MS,
      max: options.reconnectMaxDelayMs ?? RECONNECT_MAX_DELAY_MS,
    };
    this.reconnectDelayMs = this.reconnectDelays.initial;
    this.log = options.logger ?? silentLogger;
    this.bindingPromise = options.binding
      ? Promise.resolve(options.binding)
      : import('@serialport/bindings-cpp').then((m) => m.autoDetect() as BindingInterface);
    // Connect in the background; callers never wait on a fixed delay, only on the queue.
    void this.enqueue(() => this.openPort().catch(() => this.scheduleReconnect()));
    this.schedulePoll();
  }

  // ------------------------------------------------------------------------------ CardPrinter

  async status(): Promise<PrinterStatus> {
    this.assertOpen();
    if (this.jobRunning) return { ...this.lastStatus, ...this.identity, state: 'printing' };
    return this.enqueue(() => this.readStatus());
  }

  async insertToChipStation(station: ChipStation): Promise<void> {
    this.assertOpen();
    await this.runJob(async (job) => {
      await job.feed(station === 'contact' ? 'Sis' : 'Sic');
    });
  }

  async print(artwork: CardArtwork): Promise<PrintJobCounters> {
    this.assertOpen();
    // Encode before taking the queue: a bad artwork fails without touching the printer.
    const encoded = encodeCardPanels(artwork, { ribbon: this.ribbon });
    return this.runJob(async (job) => {
      await job.command('Pr', [this.ribbon]);
      const present = await job.read('Rlr', ['p']);
      if (parseCardPresent(present) === true) job.cardAlreadyIn();
      else await job.feed('Si');
      await this.sendSequence(job, encoded);
      await job.command('Se', [], this.timeouts.print);
      return { bytesSent: job.bytesSent };
    });
  }

  async reject(): Promise<void> {
    this.assertOpen();
    await this.runJob(async (job) => {
      await job.command('Ser', [], this.timeouts.eject);
    });
  }

  async ejectLeftoverCard(): Promise<boolean> {
    this.assertOpen();
    return this.runJob(async (job) => {
      // `Rlr;p` is the card sensor the print job asks too; it answers CARD or NO CARD.
      const present = parseCardPresent(await job.read('Rlr', ['p']));
      if (present !== true) return false;
      await job.command('Ser', [], this.timeouts.eject);
      return true;
    });
  }

  onStatus(listener: (status: PrinterStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.pollTimer);
    clearTimeout(this.reconnectTimer);
    this.waiter?.settle(new DeviceError('DEVICE_CLOSED', 'printer closed'));
    await this.queue.catch(() => undefined);
    await this.closePort();
    this.listeners.clear();
  }

  // ------------------------------------------------------------------------------ jobs

  private async sendSequence(job: Job, encoded: EncodedCard): Promise<void> {
    await job.command('Ss');
    for (const side of encoded.sides) {
      await job.command(side.side === 'front' ? 'Sr' : 'Sv');
      for (const panel of side.panels) {
        const frame = encodeCompressedDownload(panel.panel, panel.firstLine, panel.data);
        await job.send('Dbc', frame, this.timeouts.command + this.wireTimeMs(frame.length) * 2);
      }
    }
  }

  /** Runs `body` in the queue and turns whatever goes wrong into the typed error callers expect. */
  private runJob<T>(body: (job: Job) => Promise<T>): Promise<T> {
    return this.enqueue(async () => {
      this.assertOpen();
      const job = new Job(this);
      this.jobRunning = true;
      this.publish({ ...this.lastStatus, ...this.identity, state: 'printing' });
      try {
        await this.ensureSession();
        const result = await body(job);
        this.jobRunning = false;
        void this.enqueue(() => this.readStatus()).catch(() => undefined);
        return result;
      } catch (error) {
        this.jobRunning = false;
        throw await this.jobError(job, error);
      } finally {
        this.jobRunning = false;
      }
    });
  }

  private async jobError(job: Job, error: unknown): Promise<Error> {
    if (this.closed) return new DeviceError('DEVICE_CLOSED', 'printer closed', { cause: error });
    let fault: PrinterFault;
    let raw: string;
    if (error instanceof ReplyFault) {
      fault = error.fault;
      raw = error.raw;
      if (fault === 'ribbon_out' && raw === 'ERROR RIBBON' && error.command !== 'Pr') {
        fault = await this.diagnoseRibbon();
      }
    } else if (error instanceof DeviceTimeoutError) {
      fault = 'not_answering';
      raw = `no answer to ${job.lastCommand}`;
    } else if (error instanceof DeviceError && error.code === 'DEVICE_DISCONNECTED') {
      fault = 'not_answering';
      raw = 'DISCONNECTED';
    } else if (error instanceof GarbledReplyError) {
      fault = 'not_answering';
      raw = error.message;
    } else {
      return error instanceof Error ? error : new Error(String(error));
    }
    const cardFed = await job.cardFed();
    this.publish({ ...this.identity, state: 'fault', fault, rawFault: raw });
    this.log.warn({ fault, raw, cardFed, command: job.lastCommand }, 'printer fault during job');
    return new PrinterFaultError(fault, cardFed, raw);
  }

  /**
   * `ERROR RIBBON` means "no ribbon or bad ribbon". Asking again for the job's ribbon type
   * tells them apart: a printer with the wrong ribbon refuses `Pr`, an exhausted one accepts it.
   */
  private async diagnoseRibbon(): Promise<PrinterFault> {
    try {
      const reply = await this.exchange(
        'Pr',
        encodeCommand('Pr', this.ribbon),
        this.timeouts.command,
      );
      return reply.kind === 'fault' && reply.fault === 'ribbon_mismatch'
        ? 'ribbon_mismatch'
        : 'ribbon_out';
    } catch {
      return 'ribbon_out';
    }
  }

  // ------------------------------------------------------------------------------ status

  private async readStatus(): Promise<PrinterStatus> {
    let status: PrinterStatus;
    try {
      await this.ensureSession();
      const word = parseStatusWord(await this.exchangeRetryingGarble('Rst', []));
      if (!word) throw new GarbledReplyError('unknown status word');
      if (word.state === 'fault') {
        const fault =
          word.fault === 'ribbon_out' && word.raw === 'ERROR RIBBON'
            ? await this.diagnoseRibbon()
            : word.fault;
        status = { ...this.identity, state: 'fault', fault, rawFault: word.raw };
      } else {
        status = { ...this.identity, state: word.state === 'busy' ? 'printing' : 'ready' };
      }
      const ribbon = await this.exchangeRetryingGarble('Rrt', ['count']);
      if (ribbon.kind === 'value' && /^\d+$/.test(ribbon.value))
        status.ribbonRemaining = Number(ribbon.value);
    } catch (error) {
      if (this.closed) throw new DeviceError('DEVICE_CLOSED', 'printer closed', { cause: error });
      const raw =
        error instanceof DeviceError && error.code === 'DEVICE_DISCONNECTED'
          ? 'DISCONNECTED'
          : error instanceof Error
            ? error.message
            : String(error);
      status = { ...this.identity, state: 'fault', fault: 'not_answering', rawFault: raw };
    }
    this.publish(status);
    return status;
  }

  /** A read answered with noise is asked once more: reads have no side effects. */
  private async exchangeRetryingGarble(name: string, params: string[]): Promise<PrinterReply> {
    const frame = encodeCommand(name, ...params);
    const first = await this.exchange(name, frame, this.timeouts.command);
    if (first.kind !== 'garbled') return first;
    const second = await this.exchange(name, frame, this.timeouts.command);
    if (second.kind === 'garbled')
      throw new GarbledReplyError(`garbled reply to ${name}: ${describeBytes(second.raw)}`);
    return second;
  }

  private schedulePoll(): void {
    if (this.closed || this.pollIntervalMs <= 0) return;
    this.pollTimer = setTimeout(() => {
      if (this.closed) return;
      if (!this.jobRunning && this.port?.isOpen) {
        this.enqueue(() => this.readStatus())
          .catch(() => undefined)
          .finally(() => this.schedulePoll());
      } else this.schedulePoll();
    }, this.pollIntervalMs);
    this.pollTimer.unref?.();
  }

  private publish(status: PrinterStatus): void {
    const previous = this.lastStatus;
    this.lastStatus = status;
    if (previous && JSON.stringify(previous) === JSON.stringify(status)) return;
    for (const listener of this.listeners) {
      try {
        listener(status);
      } catch (error) {
        this.log.warn({ error }, 'status listener threw');
      }
    }
  }

  // ------------------------------------------------------------------------------ transport

  /** Runs `task` after everything queued before it; a failed task does not block the queue. */
  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private assertOpen(): void {
    if (this.closed) throw new DeviceError('DEVICE_CLOSED', 'printer closed');
  }

  private async openPort(): Promise<void> {
    if (this.closed || this.port?.isOpen) return;
    const binding = await this.bindingPromise;
    const port = new SerialPortStream({
      binding,
      path: this.path,
      baudRate: this.baudRate,
      autoOpen: false,
    });
    await new Promise<void>((resolve, reject) =>
      port.open((error) => (error ? reject(error) : resolve())),
    );
    if (this.closed) {
      await new Promise<void>((resolve) => port.close(() => resolve()));
      return;
    }
    this.port = port;
    this.sessionReady = false;
    this.outOfStep = false;
    this.replies.reset();
    this.reconnectDelayMs = this.reconnectDelays.initial;
    port.on('data', (chunk: Buffer) => this.onData(chunk));
    port.on('error', (error: Error) =>
      this.log.warn({ error: error.message }, 'serial port error'),
    );
    port.on('close', (error: Error | null) => this.onPortClosed(port, error));
    this.log.debug({ path: this.path, baudRate: this.baudRate }, 'serial port open');
  }

  private onPortClosed(port: SerialPortStream, error: Error | null): void {
    if (this.port !== port) return;
    this.port = undefined;
    this.sessionReady = false;
    this.waiter?.settle(
      new DeviceError('DEVICE_DISCONNECTED', `printer port ${this.path} closed`, {
        cause: error ?? undefined,
      }),
    );
    if (this.closed) return;
    this.log.warn({ path: this.path, error: error?.message }, 'printer port disconnected');
    this.publish({
      ...this.identity,
      state: 'fault',
      fault: 'not_answering',
      rawFault: 'DISCONNECTED',
    });
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = this.reconnectDelayMs;
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, this.reconnectDelays.max);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.enqueue(async () => {
        try {
          await this.openPort();
          await this.readStatus();
        } catch (error) {
          this.log.debug(
            { error: error instanceof Error ? error.message : String(error) },
            'reconnect failed',
          );
          this.scheduleReconnect();
        }
      });
    }, delay);
    this.reconnectTimer.unref?.();
  }

  private async closePort(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  /** Sets the printer up for host error management once per connection (guide: `Pem;2`). */
  private async ensureSession(): Promise<void> {
    if (!this.port?.isOpen) {
      try {
        await this.openPort();
      } catch (error) {
        this.scheduleReconnect();
        throw new DeviceError('DEVICE_DISCONNECTED', `cannot open printer port ${this.path}`, {
          cause: error,
        });
      }
    }
    if (this.sessionReady) return;
    const reply = await this.exchange('Pem', encodeCommand('Pem', 2), this.timeouts.command);
    if (reply.kind === 'garbled')
      throw new GarbledReplyError(`garbled reply to Pem: ${describeBytes(reply.raw)}`);
    this.sessionReady = true;
    if (!this.identity.model) {
      const model = await this.exchange('Rtp', encodeCommand('Rtp'), this.timeouts.command);
      const serial = await this.exchange('Rsn', encodeCommand('Rsn'), this.timeouts.command);
      this.identity = {
        ...(model.kind === 'value' ? { model: model.value } : {}),
        ...(serial.kind === 'value' ? { serialNumber: serial.value } : {}),
      };
    }
  }

  /**
   * Writes one frame and waits for its reply line. The timeout error is created here, when the
   * wait starts, so it carries the caller's stack.
   */
  async exchange(command: string, frame: Uint8Array, timeoutMs: number): Promise<PrinterReply> {
    if (this.outOfStep) await this.resynchronise();
    return this.exchangeInStep(command, frame, timeoutMs);
  }

  private exchangeInStep(
    command: string,
    frame: Uint8Array,
    timeoutMs: number,
  ): Promise<PrinterReply> {
    const timeoutError = new DeviceTimeoutError(`printer ${command}`, timeoutMs);
    const port = this.port;
    if (!port?.isOpen) {
      return Promise.reject(
        new DeviceError('DEVICE_DISCONNECTED', `printer port ${this.path} is not open`),
      );
    }
    // A reply cut short earlier must not prefix this one.
    this.replies.reset();
    return new Promise<PrinterReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.waiter === waiter) this.waiter = undefined;
        this.outOfStep = true;
        reject(timeoutError);
      }, timeoutMs);
      const waiter = {
        command,
        settle: (line: string | Error) => {
          clearTimeout(timer);
          if (this.waiter === waiter) this.waiter = undefined;
          if (line instanceof Error) reject(line);
          else resolve(classifyReply(command, line));
        },
      };
      this.waiter = waiter;
      port.write(Buffer.from(frame), (error) => {
        if (error)
          waiter.settle(
            new DeviceError('DEVICE_DISCONNECTED', `write to ${this.path} failed`, {
              cause: error,
            }),
          );
      });
    });
  }

  /**
   * Ask for the serial number (a reply no other command gives) and drop every line until it
   * comes back: whatever arrives before it answers commands that already gave up. Without a
   * known serial number yet, wait until the line has been quiet for a command timeout.
   */
  private async resynchronise(): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) return;
    const serial = this.identity.serialNumber;
    const timeoutMs = this.timeouts.command;
    const timeoutError = new DeviceTimeoutError('printer resynchronisation', timeoutMs);
    this.replies.reset();
    await new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout>;
      const done = (error?: Error) => {
        clearTimeout(timer);
        if (this.waiter === waiter) this.waiter = undefined;
        if (error) reject(error);
        else {
          this.outOfStep = false;
          resolve();
        }
      };
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => (serial ? done(timeoutError) : done()), timeoutMs);
      };
      const waiter = {
        command: 'Rsn',
        settle: (line: string | Error) => {
          if (line instanceof Error) return done(line);
          this.log.debug(
            { reply: describeBytes(line) },
            'dropped a late reply while resynchronising',
          );
          if (serial) {
            const reply = classifyReply('Rsn', line);
            if (reply.kind === 'value' && reply.value === serial) return done();
          }
          // Still hearing late replies: restart the wait from this one.
          if (!serial) arm();
        },
      };
      this.waiter = waiter;
      arm();
      if (serial) {
        port.write(Buffer.from(encodeCommand('Rsn')), (error) => {
          if (error)
            done(
              new DeviceError('DEVICE_DISCONNECTED', `write to ${this.path} failed`, {
                cause: error,
              }),
            );
        });
      }
    });
  }

  private onData(chunk: Buffer): void {
    for (const line of this.replies.push(chunk)) {
      const waiter = this.waiter;
      const text = 'text' in line ? line.text : `\u0000${describeBytes(line.overflow)}`;
      if (waiter) waiter.settle(text);
      else
        this.log.debug(
          { reply: describeBytes(text) },
          'reply nobody waited for (late or unsolicited)',
        );
    }
  }

  /** Time to clock `bytes` out at the configured baud rate. */
  wireTimeMs(bytes: number): number {
    return Math.ceil((bytes * BITS_PER_BYTE_ON_WIRE * 1000) / this.baudRate);
  }

  /** Used by Job: knows whether the printer's card sensor sees a card, if it answers. */
  async probeCardPresent(): Promise<boolean | undefined> {
    try {
      return parseCardPresent(
        await this.exchange('Rlr', encodeCommand('Rlr', 'p'), this.timeouts.command),
      );
    } catch {
      return undefined;
    }
  }

  get commandTimeoutMs(): number {
    return this.timeouts.command;
  }

  get insertTimeoutMs(): number {
    return this.timeouts.insert;
  }
}

class GarbledReplyError extends Error {}

/** One job's commands, its byte count, and how far the card got (for `cardFed`). */
class Job {
  bytesSent = 0;
  lastCommand = '';
  private stage: JobStage = 'setup';

  constructor(private readonly printer: SerialCardPrinter) {}

  async send(name: string, frame: Uint8Array, timeoutMs: number): Promise<PrinterReply> {
    this.lastCommand = name;
    this.bytesSent += frame.length;
    const reply = await this.printer.exchange(name, frame, timeoutMs);
    if (reply.kind === 'fault') throw new ReplyFault(name, reply.fault, reply.raw);
    if (reply.kind === 'garbled')
      throw new GarbledReplyError(`garbled reply to ${name}: ${describeBytes(reply.raw)}`);
    if (reply.kind === 'rejected')
      throw new DeviceError('DEVICE_PROTOCOL', `printer refused ${name}: ${reply.raw}`);
    return reply;
  }

  command(
    name: string,
    params: string[] = [],
    timeoutMs = this.printer.commandTimeoutMs,
  ): Promise<PrinterReply> {
    return this.send(name, encodeCommand(name, ...params), timeoutMs);
  }

  read(name: string, params: string[]): Promise<PrinterReply> {
    return this.command(name, params);
  }

  async feed(name: 'Si' | 'Sis' | 'Sic'): Promise<void> {
    this.stage = 'feed';
    await this.command(name, [], this.printer.insertTimeoutMs);
    this.stage = 'loaded';
  }

  cardAlreadyIn(): void {
    this.stage = 'loaded';
  }

  /**
   * Whether a blank card left the feeder in this job and is now spoiled. During a feed the
   * printer's card sensor decides (a jam takes a card, an empty feeder does not); when it
   * cannot be asked we assume it stayed in the feeder, since the printer never acknowledged it.
   */
  async cardFed(): Promise<boolean> {
    if (this.stage === 'loaded') return true;
    if (this.stage === 'setup') return false;
    return (await this.printer.probeCardPresent()) ?? false;
  }
}
