/**
 * The printer's side of the Evolis escape-command protocol, byte for byte, modelled on a
 * documented printer: one of the Programming Guide A5013 rev. E models (Tattoo, New Pebble,
 * Dualys, Quantum, Kiosk) with the commands its page ticks, or a newer model (Primacy class)
 * as far as public sources show. It parses command frames as they arrive, answers `ERROR CDE`
 * to what the model does not know, accepts both documented `Dbc` forms and `Db`, decodes and
 * validates every panel, runs the mechanism with a cycle time per operation, keeps supplies
 * and counters, and answers as the guide's printers do. It accepts a job stream exactly as
 * Evolis' Windows driver sends it (`Pmi`, `Pdt`, `Mr`, `Ppws`, NUL padding; dpavlin/
 * Printer-EVOLIS test.windows/). It was written from those sources, not from our driver.
 *
 * Every fault can be injected now or armed for a stage of the next job (feed, print, eject),
 * including silence, garbled or truncated replies, and a download corrupted on the line. It
 * knows nothing of serial ports: a transport (the in-process binding or a pseudo-terminal in
 * `simulator-cli.ts`) feeds it bytes and carries its replies.
 *
 * Cycle times default to the figures of an Evolis Pebble-class printer (about 150 YMCKO cards
 * an hour: 1.5 s insert, 4 s per ribbon panel, 1 s eject); `timeScale` multiplies them
 * (0.01 in tests, 0 for no delay at all).
 */

import { EventEmitter } from 'node:events';
import { REV_E_COMMANDS, REV_E_MODELS, type RevEModel } from './evolis-command-table.js';
import {
  CommandFrameParser,
  DOWNLOAD_BITS,
  DOTS_PER_LINE,
  FAULT_REPLY_WORD,
  MONO_BYTES_PER_LINE,
  PANEL_LINES,
  encodeReply,
  isPanelName,
  type PanelName,
  type ParsedCommand,
  type ReplyTerminator,
} from './printer-codec.js';
import { decompressColourPanel, decompressMonoPanel, type RibbonType } from './panel-encoder.js';

export interface CycleTimesMs {
  /** Take a card from the feeder to the print head or a chip station. */
  insert: number;
  /** Print one ribbon panel (Y, M, C, K or O). */
  printPerPanel: number;
  /** Move the card out to the hopper or the reject tray. */
  eject: number;
}

/** Pebble-class figures: 1.5 + 5 × 4 + 1 ≈ 24 s per YMCKO card, i.e. about 150 cards an hour. */
export const REAL_CYCLE_TIMES_MS: Readonly<CycleTimesMs> = {
  insert: 1500,
  printPerPanel: 4000,
  eject: 1000,
};

export const RIBBON_PANELS: Readonly<Record<RibbonType, number>> = { ymcko: 5, k: 1 };

/** A rev. E model, or a newer (Primacy-class) one. */
export type SimulatedModel = RevEModel | 'primacy';

interface ModelSheet {
  /** `Rtp` answer. ASSUMED wording: the guide prints none; it carries the product name. */
  rtp: string;
  commands: ReadonlySet<string>;
  cardSensorWords: 'rev_e' | 'newer';
  terminator: ReplyTerminator;
}

/**
 * What Evolis' Windows driver sends to a Dualys 3 beyond the rev. E pages (meaning unknown,
 * answered OK): `Pdt;DU`, `Ppws;<n>`. Seen in dpavlin/Printer-EVOLIS test.windows/.
 */
const WINDOWS_DRIVER_EXTRAS = ['Pdt', 'Ppws'];

function revESheet(model: RevEModel, rtp: string): ModelSheet {
  const commands = new Set(
    Object.entries(REV_E_COMMANDS)
      .filter(([, entry]) => entry.models.includes(model))
      .map(([name]) => name),
  );
  if (model === 'dualys') for (const c of WINDOWS_DRIVER_EXTRAS) commands.add(c);
  return { rtp, commands, cardSensorWords: 'rev_e', terminator: 'cr' };
}

const MODEL_SHEETS: Readonly<Record<SimulatedModel, ModelSheet>> = {
  tattoo: revESheet('tattoo', 'Evolis Tattoo'),
  new_pebble: revESheet('new_pebble', 'Evolis New Pebble'),
  dualys: revESheet('dualys', 'Evolis Dualys'),
  quantum: revESheet('quantum', 'Evolis Quantum'),
  kiosk: revESheet('kiosk', 'Evolis Kiosk'),
  // Newer firmware: every rev. E command, the Windows driver's extras, and `Rrt`
  // (third-party code on the SDK reads `Rrt;count`). It ends replies with NUL, as the one
  // open USB driver expects. ASSUMED beyond those sources.
  primacy: {
    rtp: 'Evolis Primacy',
    commands: new Set([...Object.keys(REV_E_COMMANDS), ...WINDOWS_DRIVER_EXTRAS, 'Rrt']),
    cardSensorWords: 'newer',
    terminator: 'nul',
  },
};

export const SIMULATED_MODELS: readonly SimulatedModel[] = [...REV_E_MODELS, 'primacy'];

/** Physical faults (a standing condition until the operator clears it) and line faults. */
export type SimulatedFault =
  | 'ribbon_out'
  | 'ribbon_mismatch'
  | 'feeder_empty'
  | 'card_jam'
  | 'cover_open'
  | 'hopper_full'
  | 'mechanical'
  /** The printer stops answering (until cleared). */
  | 'silence'
  /** One reply arrives as noise. */
  | 'garbled'
  /** One reply stops half-way and never gets its terminator. */
  | 'truncated'
  /** The next download's payload is damaged on the line: the printer refuses it. */
  | 'corrupt_download';

/** When an injected fault strikes: at once, or when the next job reaches that stage. */
export type FaultStage = 'now' | 'feed' | 'print' | 'eject';

export type CardPosition = 'none' | 'print' | 'contact' | 'contactless' | 'jammed';

export interface SimulatedPrinterOptions {
  /** Which documented printer to be. Default `quantum` (has the contact station, `Sis`). */
  model?: SimulatedModel;
  /** Overrides the model's reply terminator (CR, LF or NUL). */
  replyTerminator?: ReplyTerminator;
  /** Multiplies every cycle time: 1 real time, 0.01 for tests, 0 no delay. Default 1. */
  timeScale?: number;
  cycleTimesMs?: Partial<CycleTimesMs>;
  /** Blank cards in the feeder. Default 100. */
  cardsInFeeder?: number;
  /** Where a card is at power-on: a card left inside stays there. Default none. */
  cardPosition?: CardPosition;
  /** Card sides the ribbon can still print. Default 200. */
  ribbonPrints?: number;
  ribbonType?: RibbonType;
  /** Cards between two cleanings before `Rlr;r` says cleaning is due. Default 1000. */
  cleaningIntervalCards?: number;
  /** The feeder's warning sensor trips at or below this many cards. Default 10. */
  feederWarningCards?: number;
  serialNumber?: string;
  firmware?: string;
}

export interface PrintedCard {
  ribbon: RibbonType;
  /** Decoded panels per side: K/O as 81 bytes × 1016 lines, Y/M/C as levels × 1016 lines. */
  front: Partial<Record<PanelName, Uint8Array>>;
  back?: Partial<Record<PanelName, Uint8Array>>;
}

export interface SimulatedPrinterSnapshot {
  model: SimulatedModel;
  cardsInFeeder: number;
  ribbonPrints: number;
  ribbonType: RibbonType;
  cardPosition: CardPosition;
  /** Faults in force now (physical and silence). */
  activeFaults: SimulatedFault[];
  /** Faults waiting for a stage of the next job. */
  armedFaults: Array<{ fault: SimulatedFault; at: Exclude<FaultStage, 'now'> }>;
  printed: number;
  rejected: number;
  /** Downloads refused since power-on (bad header, bad data). */
  refusedDownloads: number;
  /** `Rco;c` / `Rco;p`. */
  cardsInserted: number;
  panelsPrinted: number;
  cardsSinceCleaning: number;
  cleanings: number;
  /** `Pem` value in force. */
  errorMode: number;
  busy: boolean;
  hostConnected: boolean;
}

/** One host connection: bytes from the host go to `receive`; `disconnect` when the line drops. */
export interface PrinterHostLink {
  receive(bytes: Uint8Array): void;
  disconnect(): void;
}

type PhysicalFault = Exclude<
  SimulatedFault,
  'silence' | 'garbled' | 'truncated' | 'corrupt_download'
>;

/** Priority of the word a blocked command answers when several faults are in force. */
const STATUS_PRIORITY: readonly PhysicalFault[] = [
  'cover_open',
  'card_jam',
  'ribbon_mismatch',
  'ribbon_out',
  'feeder_empty',
  'hopper_full',
  'mechanical',
];

const LINE_FAULTS = new Set<SimulatedFault>([
  'silence',
  'garbled',
  'truncated',
  'corrupt_download',
]);

/** Fork-sensor levels (ASSUMED, see printer-codec `parseCoverSensor`). */
const SENSOR_INTERRUPTED_VOLTS = '4.92';
const SENSOR_CLEAR_VOLTS = '0.21';

interface Sequence {
  side: 'front' | 'back';
  front: Partial<Record<PanelName, Uint8Array>>;
  back?: Partial<Record<PanelName, Uint8Array>>;
}

export class SimulatedPrinterDevice extends EventEmitter {
  readonly modelName: SimulatedModel;
  /** What `Rtp` answers. */
  readonly model: string;
  readonly serialNumber: string;
  readonly firmware: string;
  private readonly sheet: ModelSheet;
  private readonly terminator: ReplyTerminator;
  private readonly cycle: CycleTimesMs;
  private readonly cleaningIntervalCards: number;
  private readonly feederWarningCards: number;
  private timeScale: number;
  private cardsInFeeder: number;
  private ribbonPrints: number;
  private ribbonType: RibbonType;
  private cardPosition: CardPosition = 'none';
  private readonly active = new Set<SimulatedFault>();
  private readonly armed: Array<{ fault: SimulatedFault; at: Exclude<FaultStage, 'now'> }> = [];
  private pendingLineFault: 'garbled' | 'truncated' | undefined;
  private printedCards: PrintedCard[] = [];
  private rejected = 0;
  private refusedDownloads = 0;
  private cardsInserted = 0;
  private panelsPrinted = 0;
  private cardsSinceCleaning = 0;
  private cleanings = 0;
  private errorMode = 0;
  private busy = false;
  private sequence: Sequence | undefined;
  private host: { send: (bytes: Uint8Array) => void; parser: CommandFrameParser } | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(options: SimulatedPrinterOptions = {}) {
    super();
    this.modelName = options.model ?? 'quantum';
    this.sheet = MODEL_SHEETS[this.modelName];
    this.terminator = options.replyTerminator ?? this.sheet.terminator;
    this.timeScale = options.timeScale ?? 1;
    this.cycle = { ...REAL_CYCLE_TIMES_MS, ...options.cycleTimesMs };
    this.cardsInFeeder = options.cardsInFeeder ?? 100;
    this.cardPosition = options.cardPosition ?? 'none';
    this.ribbonPrints = options.ribbonPrints ?? 200;
    this.ribbonType = options.ribbonType ?? 'ymcko';
    this.cleaningIntervalCards = options.cleaningIntervalCards ?? 1000;
    this.feederWarningCards = options.feederWarningCards ?? 10;
    this.model = this.sheet.rtp;
    this.serialNumber = options.serialNumber ?? 'SIM0000001';
    this.firmware = options.firmware ?? 'SIM 1.0.0';
  }

  /** Whether this model answers `command` (by name) rather than `ERROR CDE`. */
  knows(command: string): boolean {
    return this.sheet.commands.has(command);
  }

  // ------------------------------------------------------------------------------ transport

  /**
   * Connects a host. Only one at a time: a new connection replaces the old one (as when a
   * cable is moved). A partial frame from the old connection is dropped.
   */
  connectHost(send: (bytes: Uint8Array) => void): PrinterHostLink {
    const parser = new CommandFrameParser();
    const host = { send, parser };
    this.host = host;
    return {
      receive: (bytes) => {
        if (this.host !== host) return;
        for (const event of parser.push(bytes)) {
          if (event.kind === 'command') this.enqueue(event.command);
          else {
            this.emit('garbage', event);
            // A download whose header or framing broke is refused, like any bad download.
            if (/download/.test(event.reason)) this.enqueueReply('ERROR PARAMETRES');
          }
        }
      },
      disconnect: () => {
        if (this.host === host) this.host = undefined;
      },
    };
  }

  // ------------------------------------------------------------------------------ test and diagnostics API

  /**
   * Injects a fault. `at: 'now'` (default) puts it in force at once; a stage arms it for the
   * next job that reaches that stage. Physical faults then stay until `clearFault` (the
   * operator fixes it); `garbled`/`truncated` spoil one reply; `corrupt_download` one
   * download; `silence` lasts until cleared.
   */
  injectFault(fault: SimulatedFault, options: { at?: FaultStage } = {}): void {
    const at = options.at ?? 'now';
    if (at === 'now') this.activate(fault);
    else this.armed.push({ fault, at });
  }

  /** The operator fixes a fault (or all of them). Clearing a jam removes the jammed card. */
  clearFault(fault?: SimulatedFault): void {
    const faults = fault ? [fault] : [...this.active, ...this.armed.map((a) => a.fault)];
    for (const f of faults) {
      this.active.delete(f);
      if (f === 'card_jam' && this.cardPosition === 'jammed') this.cardPosition = 'none';
      if (f === 'garbled' || f === 'truncated') this.pendingLineFault = undefined;
    }
    if (!fault) this.armed.length = 0;
    else
      for (let i = this.armed.length - 1; i >= 0; i--)
        if (this.armed[i]!.fault === fault) this.armed.splice(i, 1);
  }

  loadCards(count: number): void {
    this.cardsInFeeder += count;
    this.active.delete('feeder_empty');
  }

  replaceRibbon(prints: number, type: RibbonType = this.ribbonType): void {
    this.ribbonPrints = prints;
    this.ribbonType = type;
    this.active.delete('ribbon_out');
    this.active.delete('ribbon_mismatch');
  }

  /** Someone puts a card in by hand (or a previous job left one): the card sensor sees it. */
  placeCard(at: Exclude<CardPosition, 'none' | 'jammed'> = 'print'): void {
    this.cardPosition = at;
  }

  /** Wear: pretend `cards` more cards went through since the last cleaning. */
  addWear(cards: number): void {
    this.cardsSinceCleaning += cards;
  }

  setTimeScale(scale: number): void {
    this.timeScale = scale;
  }

  snapshot(): SimulatedPrinterSnapshot {
    return {
      model: this.modelName,
      cardsInFeeder: this.cardsInFeeder,
      ribbonPrints: this.ribbonPrints,
      ribbonType: this.ribbonType,
      cardPosition: this.cardPosition,
      activeFaults: [...this.active],
      armedFaults: this.armed.map((a) => ({ ...a })),
      printed: this.printedCards.length,
      rejected: this.rejected,
      refusedDownloads: this.refusedDownloads,
      cardsInserted: this.cardsInserted,
      panelsPrinted: this.panelsPrinted,
      cardsSinceCleaning: this.cardsSinceCleaning,
      cleanings: this.cleanings,
      errorMode: this.errorMode,
      busy: this.busy,
      hostConnected: this.host !== undefined,
    };
  }

  /** Cards printed and ejected to the hopper so far, decoded. */
  printed(): readonly PrintedCard[] {
    return this.printedCards;
  }

  /** Real time one card takes at these cycle times (before `timeScale`), in ms. */
  cardCycleMs(sides = 1, ribbon: RibbonType = this.ribbonType): number {
    return (
      this.cycle.insert +
      sides * RIBBON_PANELS[ribbon] * this.cycle.printPerPanel +
      this.cycle.eject
    );
  }

  // ------------------------------------------------------------------------------ the printer

  private enqueue(command: ParsedCommand): void {
    this.emit('command', command);
    this.queue = this.queue
      .then(() => this.execute(command))
      .catch((error: unknown) => {
        this.emit('error', error);
      });
  }

  private enqueueReply(text: string): void {
    this.queue = this.queue.then(() => this.reply(text));
  }

  private async execute(command: ParsedCommand): Promise<void> {
    const { name, params } = command;
    if (!this.sheet.commands.has(name)) {
      // Guide §3: a command the printer does not have is answered ERROR CDE. A download
      // aborted this way voids the sequence as any refused download does.
      if (name.startsWith('D')) this.refuseDownload();
      return this.reply('ERROR CDE');
    }
    if (name.startsWith('R') || name === 'Sk') return this.reply(this.read(name, params));
    switch (name) {
      case 'Pem':
        return this.reply(this.setErrorMode(params));
      case 'Pr':
        return this.reply(this.selectRibbon(params[0]));
      case 'Pc':
      case 'Pl':
      case 'Ps':
      case 'Pmi':
      case 'Pos':
      case 'Pcom':
      case 'Mr':
      case 'Pdt':
      case 'Ppws':
        return this.reply('OK');
      case 'Si':
        return this.reply(await this.insert('print'));
      case 'Sis':
        return this.reply(await this.insert('contact'));
      case 'Sic':
        return this.reply(await this.insert('contactless'));
      case 'Ss':
        this.sequence = { side: 'front', front: {} };
        return this.reply('OK');
      case 'Sr':
      case 'Sv': {
        if (!this.sequence) return this.reply('ERROR CDE');
        this.sequence.side = name === 'Sr' ? 'front' : 'back';
        if (name === 'Sv') this.sequence.back ??= {};
        return this.reply('OK');
      }
      case 'Db':
      case 'Dbc':
        return this.reply(this.download(command));
      case 'Se':
        return this.reply(await this.printSequence());
      case 'Ser':
      case 'Seb':
        return this.reply(await this.rejectCard());
      case 'Scp':
        return this.reply(await this.cleaningCycle());
      case 'Srs':
        this.sequence = undefined;
        return this.reply('OK');
      default:
        return this.reply('ERROR CDE');
    }
  }

  private read(name: string, params: string[]): string {
    const newer = this.sheet.cardSensorWords === 'newer';
    switch (`${name}${params.length ? ';' + params.join(';') : ''}`) {
      case 'Rlr;p':
        if (this.cardPosition === 'none') return newer ? 'OK' : 'NO CARD';
        if (!newer) return 'ERR CARD';
        return this.cardPosition === 'contact'
          ? 'SMART CARD'
          : this.cardPosition === 'contactless'
            ? 'CONTACTLESS CARD'
            : 'CARD';
      case 'Rlr;r':
        // ASSUMED: OK when no cleaning is due (the guide names only the ERR answer).
        return this.cardsSinceCleaning >= this.cleaningIntervalCards ? 'ERR NEED CLEANING' : 'OK';
      case 'Rcr':
        // ASSUMED word for "on the end mark": the guide only says the answer is not OK.
        return this.ribbonPrints <= 0 || this.active.has('ribbon_out') ? 'ERROR RIBBON' : 'OK';
      case 'Rr': {
        // An injected mismatch: the ribbon set in the printer is not the one loaded for jobs.
        const set = this.active.has('ribbon_mismatch')
          ? this.ribbonType === 'k'
            ? 'ymcko'
            : 'k'
          : this.ribbonType;
        return set === 'k' ? 'kb' : set;
      }
      case 'Rco;c':
        return String(this.cardsInserted);
      case 'Rco;p':
        return String(this.panelsPrinted);
      case 'Rco;l':
        // "Return the number of card that we can print with the ribbon … not accurate".
        return String(Math.max(0, this.ribbonPrints));
      case 'Rrt;count':
        return String(Math.max(0, this.ribbonPrints));
      case 'Rse;o':
        return this.active.has('cover_open') ? SENSOR_CLEAR_VOLTS : SENSOR_INTERRUPTED_VOLTS;
      case 'Sk;f':
        return this.cardsInFeeder <= 0 || this.active.has('feeder_empty') ? '1' : '0';
      case 'Sk;w':
        return this.cardsInFeeder <= this.feederWarningCards ? '1' : '0';
      case 'Sk;s':
        return 'OK';
      case 'Rtp':
        return this.model;
      case 'Rsn':
        return this.serialNumber;
      case 'Rfv':
        return this.firmware;
      default:
        return 'ERROR PARAMETRES';
    }
  }

  private setErrorMode(params: string[]): string {
    const mode = Number(params[0]);
    if (!Number.isInteger(mode) || mode < 0 || mode > 255) return 'ERROR PARAMETRES';
    this.errorMode = mode;
    return 'OK';
  }

  /** The card's way through the printer is blocked now, if any, including spent supplies. */
  private blockingFault(): PhysicalFault | undefined {
    for (const f of STATUS_PRIORITY) if (this.active.has(f)) return f;
    if (this.cardPosition === 'jammed') return 'card_jam';
    if (this.ribbonPrints <= 0) return 'ribbon_out';
    if (this.cardsInFeeder <= 0 && this.cardPosition === 'none') return 'feeder_empty';
    return undefined;
  }

  private selectRibbon(type: string | undefined): string {
    // Rev. E names black `kb`; Evolis' Windows driver sends `k` (guide p. 25; capture).
    const asked = type === 'kb' ? 'k' : type?.toLowerCase();
    if (this.active.has('ribbon_mismatch') || asked !== this.ribbonType) return 'ERROR RIBBON';
    return 'OK';
  }

  private async insert(to: 'print' | 'contact' | 'contactless'): Promise<string | undefined> {
    if (this.cardPosition !== 'none' && this.cardPosition !== 'jammed') {
      // A card is already in: move it to the requested place.
      this.cardPosition = to;
      return 'OK';
    }
    const struck = this.strike('feed');
    // Gone silent: the printer stopped before it moved anything.
    if (this.active.has('silence')) return undefined;
    // A jam armed for the feed stage takes a card out of the feeder and sticks it inside.
    const jamsNow = struck === FAULT_REPLY_WORD.card_jam && this.cardsInFeeder > 0;
    if (!jamsNow) {
      const word = struck ?? this.blockingWord();
      if (word !== undefined) return word;
    }
    this.busy = true;
    try {
      this.cardsInFeeder -= 1;
      this.cardsInserted += 1;
      this.cardsSinceCleaning += 1;
      if (jamsNow) {
        await this.cycleDelay(this.cycle.insert / 2);
        this.cardPosition = 'jammed';
        return FAULT_REPLY_WORD.card_jam;
      }
      await this.cycleDelay(this.cycle.insert);
      this.cardPosition = to;
      return 'OK';
    } finally {
      this.busy = false;
    }
  }

  /**
   * A refused download voids the sequence: nothing of it is printed, `Se` finds no sequence.
   * ASSUMED: the guide does not say what a printer does after `ERROR PARAMETRES` mid-sequence;
   * printing nothing is the safe reading.
   */
  private refuseDownload(): string {
    this.refusedDownloads += 1;
    this.sequence = undefined;
    return 'ERROR PARAMETRES';
  }

  private download(command: ParsedCommand): string {
    if (!this.sequence) return 'ERROR CDE';
    const [panelParam, levelsParam] = command.params;
    const levels = Number(levelsParam);
    const bits = DOWNLOAD_BITS[levels];
    if (!isPanelName(panelParam) || bits === undefined || !command.data)
      return this.refuseDownload();
    const panel: PanelName = panelParam;
    const mono = panel === 'k' || panel === 'o';
    // K and O are 2 levels, Y/M/C 32/64/128 (guide p. 6, p. 15).
    if (mono !== (levels === 2)) return this.refuseDownload();
    let data = command.data;
    if (this.active.has('corrupt_download') || this.strikeLine('corrupt_download')) {
      this.active.delete('corrupt_download');
      // Noise on the line: the first line arrives longer than any line can be.
      data = mono
        ? Uint8Array.from([0xfe, ...data.subarray(1)])
        : Uint8Array.from([0x81, 255, 0x81, 255, 0x81, 255, ...data.subarray(6)]);
    }
    try {
      let bitmap: Uint8Array;
      if (command.name === 'Dbc') {
        // p. 6 form: panel;levels;nbytes (lines from 0); p. 15 form adds the first line.
        const firstLine = command.params.length === 4 ? Number(command.params[2]) : 0;
        bitmap = mono
          ? decompressMonoPanel(firstLine, data)
          : decompressColourPanel(firstLine, data, bits);
      } else {
        bitmap = unpackRawPanel(panel, bits, data);
      }
      const side =
        this.sequence.side === 'front' ? this.sequence.front : (this.sequence.back ??= {});
      side[panel] = bitmap;
      return 'OK';
    } catch {
      return this.refuseDownload();
    }
  }

  private async printSequence(): Promise<string | undefined> {
    const sequence = this.sequence;
    if (!sequence) return 'ERROR CDE';
    if (this.cardPosition === 'none') {
      // `Se` without a card in the printer takes one first (Evolis' Windows driver sends no
      // `Si`: `Pmi;F` then the sequence).
      const fed = await this.insert('print');
      if (fed !== 'OK') return fed;
    }
    const blocked = this.blockingWord();
    if (blocked) return blocked;
    this.busy = true;
    try {
      const sides = sequence.back ? 2 : 1;
      const printTimeMs = sides * RIBBON_PANELS[this.ribbonType] * this.cycle.printPerPanel;
      const atPrint = this.strike('print');
      if (atPrint !== undefined || this.active.has('silence')) {
        await this.cycleDelay(printTimeMs / 2);
        if (this.active.has('card_jam')) this.cardPosition = 'jammed';
        return atPrint;
      }
      await this.cycleDelay(printTimeMs);
      this.ribbonPrints = Math.max(0, this.ribbonPrints - sides);
      this.panelsPrinted += sides * RIBBON_PANELS[this.ribbonType];
      const atEject = this.strike('eject');
      if (atEject !== undefined || this.active.has('silence')) {
        if (this.active.has('card_jam')) this.cardPosition = 'jammed';
        return atEject;
      }
      await this.cycleDelay(this.cycle.eject);
      this.cardPosition = 'none';
      const card: PrintedCard = {
        ribbon: this.ribbonType,
        front: sequence.front,
        ...(sequence.back ? { back: sequence.back } : {}),
      };
      this.printedCards.push(card);
      this.sequence = undefined;
      this.emit('printed', card);
      return 'OK';
    } finally {
      this.busy = false;
    }
  }

  private async rejectCard(): Promise<string | undefined> {
    if (this.cardPosition === 'jammed') return FAULT_REPLY_WORD.card_jam;
    if (this.cardPosition === 'none') return 'OK';
    if (this.active.has('cover_open')) return FAULT_REPLY_WORD.cover_open;
    this.busy = true;
    try {
      await this.cycleDelay(this.cycle.eject);
      this.cardPosition = 'none';
      this.rejected += 1;
      this.sequence = undefined;
      return 'OK';
    } finally {
      this.busy = false;
    }
  }

  /**
   * `Scp` (guide p. 41): takes the cleaning card the operator loaded, runs it back and forth,
   * ejects it. We do not model the "no ribbon" check or the cleaning card itself.
   */
  private async cleaningCycle(): Promise<string | undefined> {
    if (this.cardPosition === 'jammed') return FAULT_REPLY_WORD.card_jam;
    if (this.active.has('cover_open')) return FAULT_REPLY_WORD.cover_open;
    this.busy = true;
    try {
      await this.cycleDelay(this.cycle.insert + 10 * this.cycle.eject);
      this.cardsSinceCleaning = 0;
      this.cleanings += 1;
      return 'OK';
    } finally {
      this.busy = false;
    }
  }

  /**
   * Faults armed for `stage` strike now. Returns the reply word of a physical one (which
   * stays in force); line faults only change how replies travel.
   */
  private strike(stage: Exclude<FaultStage, 'now'>): string | undefined {
    let word: string | undefined;
    for (let i = 0; i < this.armed.length;) {
      const entry = this.armed[i]!;
      if (entry.at !== stage || entry.fault === 'corrupt_download') {
        i++;
        continue;
      }
      this.armed.splice(i, 1);
      this.activate(entry.fault);
      if (!LINE_FAULTS.has(entry.fault) && word === undefined) {
        word = FAULT_REPLY_WORD[entry.fault as PhysicalFault];
      }
    }
    return word;
  }

  /** A `corrupt_download` armed for any stage strikes the next download. */
  private strikeLine(fault: 'corrupt_download'): boolean {
    const i = this.armed.findIndex((a) => a.fault === fault);
    if (i < 0) return false;
    this.armed.splice(i, 1);
    return true;
  }

  private blockingWord(): string | undefined {
    const fault = this.blockingFault();
    return fault ? FAULT_REPLY_WORD[fault] : undefined;
  }

  private activate(fault: SimulatedFault): void {
    if (fault === 'garbled' || fault === 'truncated') this.pendingLineFault = fault;
    else this.active.add(fault);
  }

  /** Sends a reply the way the line is now: silent, garbled, cut short, or whole. */
  private reply(text: string | undefined): void {
    if (text === undefined || this.active.has('silence')) return;
    const host = this.host;
    const lineFault = this.pendingLineFault;
    this.pendingLineFault = undefined;
    this.emit('reply', text);
    if (!host) return;
    if (lineFault === 'garbled') {
      // Noise as a line with a wrong baud rate or a broken ground produces it.
      host.send(Uint8Array.from([0xf8, 0x1c, 0x7f, 0xa5, 0xe3, 0x0d]));
    } else if (lineFault === 'truncated') {
      const frame = encodeReply(text, this.terminator);
      host.send(frame.subarray(0, Math.max(1, Math.floor((frame.length - 1) / 2))));
    } else {
      host.send(encodeReply(text, this.terminator));
    }
  }

  private cycleDelay(ms: number): Promise<void> {
    const scaled = ms * this.timeScale;
    return new Promise((resolve) => {
      if (scaled <= 0) setImmediate(resolve);
      else setTimeout(resolve, scaled);
    });
  }
}

/** `Db` data: dots packed MSB first, `bits` per dot, whole panel (guide p. 14). */
function unpackRawPanel(panel: PanelName, bits: number, data: Uint8Array): Uint8Array {
  if (panel === 'k' || panel === 'o') {
    if (bits !== 1) throw new RangeError('K and O panels are 1 bit per dot');
    return data.slice(0, PANEL_LINES * MONO_BYTES_PER_LINE);
  }
  const out = new Uint8Array(PANEL_LINES * DOTS_PER_LINE);
  let bitPos = 0;
  for (let i = 0; i < out.length; i++) {
    let v = 0;
    for (let b = 0; b < bits; b++, bitPos++)
      v = (v << 1) | ((data[bitPos >> 3]! >> (7 - (bitPos & 7))) & 1);
    out[i] = v;
  }
  return out;
}
