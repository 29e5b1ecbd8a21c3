/**
 * `CardPrinter` over a serial line speaking the Evolis escape-command protocol (the codec is
 * `printer-codec.ts`). One queue serialises everything that touches the port: jobs, status
 * reads, reconnects. Every command waits for its reply with a timeout whose error is created
 * when the wait starts. When the port disappears the transport reopens it with backoff.
 *
 * At connect time the driver learns the printer: `Rtp` (model → family, `printer-models.ts`),
 * `Rsn`, `Rfv`, `Rem` (error mode to restore), then each read the family documents is sent
 * once; what answers `ERROR CDE` (or `ERROR PARAMETRES`) is a capability the model lacks and
 * is never polled. Status is built from those documented reads only (the guide has no
 * general status command).
 *
 * A job, in the order of the guide's example (p. 69) and Evolis' drivers: `Pem;2` (the host
 * decides on errors, p. 20) → `Pr;<ribbon>` → checks (`Rcr` end mark, `Rlr;p` card inside,
 * `Rse;o` cover, `Sk;f` feeder, where the model has them) → `Si` or `Sis` unless our card is
 * already in → `Ss` → `Sr` (models that have it) → one `Dbc;panel;levels;nbytes` per inked
 * panel → [`Sv` → downloads] → `Se` (print and eject) → `Pem;<mode read at connect>`.
 * A refused download stops the job at once: nothing is printed, the card is spoiled.
 *
 * The binding is injectable: the native `@serialport/bindings-cpp` one in production (the
 * default), the in-process simulator binding for the embedded default and tests.
 */

import type { BindingInterface } from '@serialport/bindings-interface' with {
  'resolution-mode': 'require',
};
import { SerialPortStream } from '@serialport/stream';
import { DeviceError, DeviceTimeoutError } from '../errors.js';
import {
  PrinterFaultError,
  PrinterRefusedError,
  type CardArtwork,
  type CardPrinter,
  type ChipStation,
  type PrintJobCounters,
  type PrinterFault,
  type PrinterStatus,
  type PrinterWarning,
} from './card-printer.js';
import { encodeCardPanels, type EncodedCard, type RibbonType } from './panel-encoder.js';
import {
  MODEL_PROFILES,
  familyOfModelName,
  type PrinterModelProfile,
  type StatusRead,
} from './printer-models.js';
import {
  MONO_PANELS,
  ReplyFrameParser,
  classifyReply,
  describeBytes,
  encodeCommand,
  encodeCompressedDownload,
  parseCardSensor,
  parseCleaningDue,
  parseCount,
  parseCoverSensor,
  parseFeederSensor,
  parseRibbonAtEndMark,
  type CardPosition,
  type PrinterReply,
} from './printer-codec.js';

/**
 * The line speed to open the port at. The printer's serial port is disabled as shipped
 * (guide p. 7); `Pcom` enables it at the speed the installer chose (2400–115200). 115200 is
 * our recommendation, not a factory setting: set this to what `Pcom` was given.
 */
export const DEFAULT_BAUD_RATE = 115_200;
/** A read or parameter command answers at once; this covers a busy firmware. */
export const COMMAND_TIMEOUT_MS = 3_000;
/** Feeding a card: about 1.5 s, more with a near-empty feeder. */
export const INSERT_TIMEOUT_MS = 15_000;
/** Printing and ejecting one YMCKO side takes about 25 s; two sides and a slow head, double. */
export const PRINT_TIMEOUT_MS = 90_000;
export const EJECT_TIMEOUT_MS = 10_000;
/** The cleaning cycle runs a cleaning card five times back and forth (guide p. 41). */
export const CLEANING_TIMEOUT_MS = 120_000;
export const STATUS_POLL_INTERVAL_MS = 2_000;
export const RECONNECT_INITIAL_DELAY_MS = 250;
export const RECONNECT_MAX_DELAY_MS = 5_000;
/** Ribbon prints left at or below which the console warns "ribbon nearly out". */
export const RIBBON_LOW_PRINTS = 25;
/** Error mode restored after a job when `Rem` gave none (Evolis' sample restores `Pem;0`). */
const DEFAULT_RESTORE_ERROR_MODE = 0;
/** Bits on the wire per byte at 8N1. */
const BITS_PER_BYTE_ON_WIRE = 10;
/** Download levels per panel: 1-bit K/O, 7-bit colour (guide p. 6). */
const LEVELS = { mono: 2, colour: 128 } as const;

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
  cleaningTimeoutMs?: number;
  /** 0 disables polling. */
  pollIntervalMs?: number;
  reconnectInitialDelayMs?: number;
  reconnectMaxDelayMs?: number;
  /** Warn "ribbon nearly out" at or below this many prints left. */
  ribbonLowPrints?: number;
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

/** What the driver learned about the printer on this connection. */
interface Session {
  profile: PrinterModelProfile;
  model?: string;
  serialNumber?: string;
  firmware?: string;
  /** Reads this printer answered when probed: the only ones polled. */
  reads: Set<StatusRead>;
  restoreErrorMode: number;
}

/** Which documented read shows that a fault reported during a job has gone. */
const CLEARED_BY: Partial<Record<PrinterFault, StatusRead>> = {
  ribbon_out: 'Rcr',
  ribbon_mismatch: 'Rr',
  feeder_empty: 'Sk;f',
  cover_open: 'Rse;o',
  card_jam: 'Rlr;p',
  card_inside: 'Rlr;p',
  cleaning_due: 'Rlr;r',
};

const silentLogger: PrinterLogger = { debug() {}, warn() {} };

export class SerialCardPrinter implements CardPrinter {
  readonly kind: 'serial' | 'simulated';
  private readonly path: string;
  private readonly baudRate: number;
  private readonly ribbon: RibbonType;
  private readonly timeouts: {
    command: number;
    insert: number;
    print: number;
    eject: number;
    cleaning: number;
  };
  private readonly pollIntervalMs: number;
  private readonly ribbonLowPrints: number;
  private readonly reconnectDelays: { initial: number; max: number };
  private readonly log: PrinterLogger;
  private bindingPromise: Promise<BindingInterface>;

  private port: SerialPortStream | undefined;
  private session: Session | undefined;
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
  /** A card this driver parked (at a chip station) and has not printed or rejected yet. */
  private parked = false;
  /**
   * A card a failed job of ours left in the printer (its reject failed too, e.g. cover open):
   * spoiled, so the next job sends it to the reject box before it takes a blank.
   */
  private leftover = false;
  /** A fault a job met, shown until a read shows it gone or a later command succeeds. */
  private jobFault: { fault: PrinterFault; raw: string } | undefined;
  private closed = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelayMs: number;
  private readonly listeners = new Set<(status: PrinterStatus) => void>();
  private lastStatus: PrinterStatus | undefined;

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
      cleaning: options.cleaningTimeoutMs ?? CLEANING_TIMEOUT_MS,
    };
    this.pollIntervalMs = options.pollIntervalMs ?? STATUS_POLL_INTERVAL_MS;
    this.ribbonLowPrints = options.ribbonLowPrints ?? RIBBON_LOW_PRINTS;
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
    if (this.jobRunning) return { ...this.lastStatus, ...this.identity(), state: 'printing' };
    return this.enqueue(() => this.readStatus());
  }

  async insertToChipStation(station: ChipStation): Promise<void> {
    this.assertOpen();
    await this.runJob(async (job, session) => {
      const command = station === 'contact' ? 'Sis' : 'Sic';
      const has =
        station === 'contact' ? session.profile.contactStation : session.profile.contactlessStation;
      if (!has) {
        throw new PrinterRefusedError(
          command,
          'not documented for this model',
          false,
          `to park a card at the ${station} station (${session.profile.label} has none)`,
        );
      }
      await job.command('Pem', ['2']);
      await this.preJobChecks(job, session, { mayHoldOurCard: false });
      await job.feed(command);
      this.parked = true;
    });
  }

  async print(artwork: CardArtwork): Promise<PrintJobCounters> {
    this.assertOpen();
    // Encode before taking the queue: a bad artwork fails without touching the printer.
    const encoded = encodeCardPanels(artwork, { ribbon: this.ribbon });
    return this.runJob(async (job, session) => {
      if (encoded.sides.length > 1 && !session.profile.printsBack) {
        throw new PrinterRefusedError(
          'Sv',
          'not documented for this model',
          false,
          `a two-sided card (${session.profile.label} prints one side)`,
        );
      }
      await job.command('Pem', ['2']);
      await job.command('Pr', [this.ribbon]);
      const position = await this.preJobChecks(job, session, { mayHoldOurCard: true });
      // Our card waits at the chip station: print on it (the sensor, where there is one, must
      // still see it). Any other card was refused by the checks above.
      if (this.parked && !this.leftover && position !== 'none') job.cardAlreadyIn();
      else await job.feed('Si');
      await this.sendSequence(job, session, encoded);
      await job.command('Se', [], this.timeouts.print);
      this.parked = false;
      this.leftover = false;
      await this.restoreErrorMode(job, session);
      return { bytesSent: job.bytesSent };
    });
  }

  async reject(): Promise<void> {
    this.assertOpen();
    await this.runJob(async (job, session) => {
      await job.command('Ser', [], this.timeouts.eject);
      this.parked = false;
      this.leftover = false;
      await this.restoreErrorMode(job, session);
    });
  }

  async clean(): Promise<void> {
    this.assertOpen();
    await this.runJob(async (job, session) => {
      if (!session.profile.cleaning)
        throw new PrinterRefusedError('Scp', 'not documented', false, 'the cleaning cycle');
      await job.command('Pem', ['2']);
      await job.command('Scp', [], this.timeouts.cleaning);
      await this.restoreErrorMode(job, session);
    });
  }

  async ejectLeftoverCard(): Promise<boolean> {
    this.assertOpen();
    return this.runJob(async (job, session) => {
      // `Rlr;p` is the card sensor the print job asks too (both generations' answers).
      if (!session.reads.has('Rlr;p')) return false;
      const position = parseCardSensor(await job.read('Rlr;p'));
      if (position === undefined || position === 'none') return false;
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

  /**
   * What the guide says to check before a job (p. 32 `Rcr` "useful to check before sending a
   * new job"; p. 34 `Rlr;p`; p. 37 `Rse`; p. 64 `Sk;f`), each only where the model answered
   * it at connect time. Refuses with a plain reason before a blank is spoiled. Returns where
   * the card sensor sees a card (undefined when the model has no such read).
   */
  private async preJobChecks(
    job: Job,
    session: Session,
    options: { mayHoldOurCard: boolean },
  ): Promise<CardPosition | undefined> {
    const has = (read: StatusRead): boolean => session.reads.has(read);
    if (has('Rcr') && parseRibbonAtEndMark(await job.read('Rcr'))) {
      throw new PrinterFaultError('ribbon_out', false, 'ribbon on its end mark (Rcr)');
    }
    if (has('Rse;o') && parseCoverSensor(await job.read('Rse;o')) === 'open') {
      throw new PrinterFaultError('cover_open', false, 'cover open (Rse;o)');
    }
    if (has('Sk;f') && parseFeederSensor(await job.read('Sk;f')) === true && !this.parked) {
      throw new PrinterFaultError('feeder_empty', false, 'feeder empty (Sk;f)');
    }
    if (!has('Rlr;p')) return undefined;
    const position = parseCardSensor(await job.read('Rlr;p'));
    if (position === undefined || position === 'none') return position;
    if (options.mayHoldOurCard && this.parked && !this.leftover) return position;
    if (this.leftover) {
      await job.command('Ser', [], this.timeouts.eject);
      this.leftover = false;
      this.parked = false;
      return 'none';
    }
    throw new PrinterFaultError('card_inside', false, 'a card is already in the printer (Rlr;p)');
  }

  private async sendSequence(job: Job, session: Session, encoded: EncodedCard): Promise<void> {
    await job.command('Ss');
    for (const side of encoded.sides) {
      if (side.side === 'back') await job.command('Sv');
      else if (session.profile.selectsFrontSide) await job.command('Sr');
      for (const panel of side.panels) {
        const levels = MONO_PANELS.includes(panel.panel) ? LEVELS.mono : LEVELS.colour;
        const frame = encodeCompressedDownload(panel.panel, levels, panel.data);
        await job.send(
          'Dbc',
          frame,
          this.timeouts.command + this.wireTimeMs(frame.length) * 2,
          `the ${panel.panel} panel download (${side.side})`,
        );
      }
    }
  }

  /** Back to the error mode the printer had (`Rem` at connect), as Evolis' sample does. */
  private async restoreErrorMode(job: Job, session: Session): Promise<void> {
    await job.command('Pem', [String(session.restoreErrorMode)]);
  }

  /** Runs `body` in the queue and turns whatever goes wrong into the typed error callers expect. */
  private runJob<T>(body: (job: Job, session: Session) => Promise<T>): Promise<T> {
    return this.enqueue(async () => {
      this.assertOpen();
      const job = new Job(this);
      this.jobRunning = true;
      this.publish({ ...this.lastStatus, ...this.identity(), state: 'printing' });
      try {
        const session = await this.ensureSession();
        const result = await body(job, session);
        this.jobRunning = false;
        this.jobFault = undefined;
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
    if (error instanceof PrinterRefusedError) {
      const cardFed = error.cardFed || (await job.cardFed());
      if (cardFed) this.leftover = true;
      this.log.warn({ command: error.command, reply: error.reply, cardFed }, 'printer refused');
      return new PrinterRefusedError(error.command, error.reply, cardFed, error.what);
    }
    if (error instanceof PrinterFaultError && !error.cardFed && job.stage() === 'setup') {
      // A pre-job check refused: nothing moved.
      const raw = error.rawFault ?? error.fault;
      this.jobFault = { fault: error.fault, raw };
      this.publish({ ...this.identity(), state: 'fault', fault: error.fault, rawFault: raw });
      return error;
    }
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
    if (cardFed) this.leftover = true;
    this.jobFault = { fault, raw };
    this.publish({ ...this.identity(), state: 'fault', fault, rawFault: raw });
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

  private identity(): Partial<PrinterStatus> {
    const session = this.session;
    if (!session) return {};
    return {
      ...(session.model !== undefined ? { model: session.model } : {}),
      ...(session.serialNumber !== undefined ? { serialNumber: session.serialNumber } : {}),
      ...(session.firmware !== undefined ? { firmware: session.firmware } : {}),
      family: session.profile.family,
      capabilities: [...session.reads],
    };
  }

  /** Builds the status from the reads this printer answered at connect time, and only those. */
  private async readStatus(): Promise<PrinterStatus> {
    let status: PrinterStatus;
    try {
      const session = await this.ensureSession();
      const faults: Array<{ fault: PrinterFault; raw: string }> = [];
      const warnings: PrinterWarning[] = [];
      const cleared = new Set<PrinterFault>();
      const found: Partial<PrinterStatus> = {};
      for (const read of [...session.reads]) {
        const [name = '', ...params] = read.split(';');
        const reply = await this.exchangeRetryingGarble(name, params);
        if (reply.kind === 'rejected') {
          // The printer no longer has it (a different model behind the same port): stop asking.
          session.reads.delete(read);
          continue;
        }
        if (reply.kind === 'fault' && !(read === 'Rlr;r' && reply.fault === 'cleaning_due')) {
          faults.push({ fault: reply.fault, raw: `${read}: ${reply.raw}` });
          continue;
        }
        this.applyRead(read, reply, found, faults, warnings, cleared);
      }
      if (found.ribbonRemaining !== undefined && found.ribbonRemaining <= this.ribbonLowPrints)
        warnings.push('ribbon_low');
      const jobFault = this.jobFault;
      const clearedBy = jobFault ? CLEARED_BY[jobFault.fault] : undefined;
      if (jobFault && clearedBy && session.reads.has(clearedBy) && cleared.has(jobFault.fault))
        this.jobFault = undefined;
      if (jobFault?.fault === 'not_answering') this.jobFault = undefined;
      const fault = faults[0] ?? this.jobFault;
      status = {
        ...this.identity(),
        ...found,
        state: fault ? 'fault' : 'ready',
        ...(fault ? { fault: fault.fault, rawFault: fault.raw } : {}),
        warnings: [...new Set(warnings)],
      };
    } catch (error) {
      if (this.closed) throw new DeviceError('DEVICE_CLOSED', 'printer closed', { cause: error });
      const raw =
        error instanceof DeviceError && error.code === 'DEVICE_DISCONNECTED'
          ? 'DISCONNECTED'
          : error instanceof Error
            ? error.message
            : String(error);
      status = { ...this.identity(), state: 'fault', fault: 'not_answering', rawFault: raw };
    }
    this.publish(status);
    return status;
  }

  /** Folds one read's answer into the status, its faults, warnings, and what it shows cleared. */
  private applyRead(
    read: StatusRead,
    reply: PrinterReply,
    found: Partial<PrinterStatus>,
    faults: Array<{ fault: PrinterFault; raw: string }>,
    warnings: PrinterWarning[],
    cleared: Set<PrinterFault>,
  ): void {
    switch (read) {
      case 'Rlr;p': {
        const position = parseCardSensor(reply);
        if (position === 'none') {
          cleared.add('card_jam');
          cleared.add('card_inside');
        }
        break;
      }
      case 'Rlr;r': {
        const due = parseCleaningDue(reply);
        if (due) warnings.push('cleaning_due');
        else if (due === false) cleared.add('cleaning_due');
        break;
      }
      case 'Rcr': {
        const atEnd = parseRibbonAtEndMark(reply);
        if (atEnd) faults.push({ fault: 'ribbon_out', raw: 'ribbon on its end mark (Rcr)' });
        else if (atEnd === false) cleared.add('ribbon_out');
        break;
      }
      case 'Rr':
        if (reply.kind === 'value') {
          found.ribbonType = reply.value;
          // Rev. E names black `kb` (p. 25); Evolis' Windows driver calls it `k`.
          const loaded = reply.value === 'kb' ? 'k' : reply.value.toLowerCase();
          if (loaded !== this.ribbon)
            faults.push({
              fault: 'ribbon_mismatch',
              raw: `ribbon ${reply.value} set, ${this.ribbon} expected (Rr)`,
            });
          else cleared.add('ribbon_mismatch');
        }
        break;
      case 'Rco;c':
        found.cardsInserted = parseCount(reply);
        break;
      case 'Rco;p':
        found.panelsPrinted = parseCount(reply);
        break;
      case 'Rco;l':
        // "Not accurate" (p. 31); newer firmware's Rrt;count wins when both answer.
        found.ribbonRemaining ??= parseCount(reply);
        break;
      case 'Rrt;count':
        found.ribbonRemaining = parseCount(reply) ?? found.ribbonRemaining;
        break;
      case 'Rse;o': {
        const cover = parseCoverSensor(reply);
        found.cover = cover;
        if (cover === 'open') faults.push({ fault: 'cover_open', raw: 'cover open (Rse;o)' });
        else if (cover === 'closed') cleared.add('cover_open');
        break;
      }
      case 'Sk;f': {
        const empty = parseFeederSensor(reply);
        if (empty) faults.push({ fault: 'feeder_empty', raw: 'feeder empty (Sk;f)' });
        else if (empty === false) cleared.add('feeder_empty');
        if (empty === true) found.cardsInFeeder = 0;
        break;
      }
      case 'Sk;w':
        if (parseFeederSensor(reply)) warnings.push('feeder_near_empty');
        break;
    }
    for (const key of Object.keys(found) as Array<keyof PrinterStatus>)
      if (found[key] === undefined) delete found[key];
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
    this.session = undefined;
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
    this.session = undefined;
    this.waiter?.settle(
      new DeviceError('DEVICE_DISCONNECTED', `printer port ${this.path} closed`, {
        cause: error ?? undefined,
      }),
    );
    if (this.closed) return;
    this.log.warn({ path: this.path, error: error?.message }, 'printer port disconnected');
    this.publish({
      ...this.identity(),
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

  /**
   * Opens the port if needed and learns the printer once per connection: model, serial
   * number, firmware, error mode, and which of its family's reads it answers.
   */
  private async ensureSession(): Promise<Session> {
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
    if (this.session) return this.session;
    const model = await this.learn('Rtp');
    const profile = MODEL_PROFILES[familyOfModelName(model)];
    const serialNumber = await this.learn('Rsn');
    // `Rfv` is ticked for Quantum and Kiosk only (p. 32): elsewhere ERROR CDE, no firmware.
    const firmware = await this.learn('Rfv');
    // `Rem` "returns two values: current mode, saved mode" (p. 32); the separator is not
    // shown, so we take the first number. ASSUMED; a real printer's answer would confirm it.
    const rem = /^\s*(\d+)/.exec((await this.learn('Rem')) ?? '');
    const reads = new Set<StatusRead>();
    for (const read of profile.reads) {
      const [name = '', ...params] = read.split(';');
      const reply = await this.exchangeRetryingGarble(name, params);
      // ERROR CDE / ERROR PARAMETRES: the model does not have this read. Anything else,
      // a fault word included, is an answer: the read exists.
      if (reply.kind !== 'rejected') reads.add(read);
    }
    this.session = {
      profile,
      ...(model !== undefined ? { model } : {}),
      ...(serialNumber !== undefined ? { serialNumber } : {}),
      ...(firmware !== undefined ? { firmware } : {}),
      reads,
      restoreErrorMode: rem ? Number(rem[1]) : DEFAULT_RESTORE_ERROR_MODE,
    };
    this.log.debug(
      { model, family: profile.family, firmware, reads: [...reads] },
      'printer identified',
    );
    return this.session;
  }

  /** A read's value, or undefined when the printer does not have it (or answers no value). */
  private async learn(name: string): Promise<string | undefined> {
    const reply = await this.exchangeRetryingGarble(name, []);
    return reply.kind === 'value' ? reply.value : undefined;
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
    const serial = this.session?.serialNumber;
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

  /** Used by Job: whether the printer's card sensor sees a card, if the model has one. */
  async probeCardPresent(): Promise<boolean | undefined> {
    if (this.session && !this.session.reads.has('Rlr;p')) return undefined;
    try {
      const position = parseCardSensor(
        await this.exchange('Rlr', encodeCommand('Rlr', 'p'), this.timeouts.command),
      );
      return position === undefined ? undefined : position !== 'none';
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
  private at: JobStage = 'setup';

  constructor(private readonly printer: SerialCardPrinter) {}

  stage(): JobStage {
    return this.at;
  }

  /**
   * Sends one frame and returns the reply; a fault word throws ReplyFault, a refusal throws
   * PrinterRefusedError naming `what` was refused (e.g. "the k panel download").
   */
  async send(
    name: string,
    frame: Uint8Array,
    timeoutMs: number,
    what = name,
  ): Promise<PrinterReply> {
    this.lastCommand = name;
    this.bytesSent += frame.length;
    const reply = await this.printer.exchange(name, frame, timeoutMs);
    if (reply.kind === 'fault') throw new ReplyFault(name, reply.fault, reply.raw);
    if (reply.kind === 'garbled')
      throw new GarbledReplyError(`garbled reply to ${name}: ${describeBytes(reply.raw)}`);
    if (reply.kind === 'rejected')
      throw new PrinterRefusedError(name, reply.raw, this.at === 'loaded', what);
    return reply;
  }

  command(
    name: string,
    params: string[] = [],
    timeoutMs = this.printer.commandTimeoutMs,
  ): Promise<PrinterReply> {
    return this.send(name, encodeCommand(name, ...params), timeoutMs);
  }

  /** A read inside a job: its answer as it is (fault words and refusals included). */
  async read(command: StatusRead): Promise<PrinterReply> {
    const [name = '', ...params] = command.split(';');
    this.lastCommand = name;
    const frame = encodeCommand(name, ...params);
    this.bytesSent += frame.length;
    const reply = await this.printer.exchange(name, frame, this.printer.commandTimeoutMs);
    if (reply.kind === 'garbled')
      throw new GarbledReplyError(`garbled reply to ${name}: ${describeBytes(reply.raw)}`);
    return reply;
  }

  async feed(name: 'Si' | 'Sis' | 'Sic'): Promise<void> {
    this.at = 'feed';
    await this.command(name, [], this.printer.insertTimeoutMs);
    this.at = 'loaded';
  }

  cardAlreadyIn(): void {
    this.at = 'loaded';
  }

  /**
   * Whether a blank card left the feeder in this job and is now spoiled. During a feed the
   * printer's card sensor decides (a jam takes a card, an empty feeder does not); when it
   * cannot be asked we assume it stayed in the feeder, since the printer never acknowledged it.
   */
  async cardFed(): Promise<boolean> {
    if (this.at === 'loaded') return true;
    if (this.at === 'setup') return false;
    return (await this.printer.probeCardPresent()) ?? false;
  }
}
