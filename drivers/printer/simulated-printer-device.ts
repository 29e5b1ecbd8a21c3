/**
 * The printer's side of the Evolis escape-command protocol, byte for byte: it parses command
 * frames as they arrive, runs the mechanism with a cycle time per operation, keeps supplies
 * that run out, and answers as the guide's printers do. Every fault can be injected now or
 * armed for a stage of the next job (feed, print, eject), including silence and garbled or
 * truncated replies. It knows nothing of serial ports: a transport (the in-process binding or
 * a pseudo-terminal in `simulator-cli.ts`) feeds it bytes and carries its replies.
 *
 * Cycle times default to the figures of an Evolis Pebble-class printer (about 150 YMCKO cards
 * an hour: 1.5 s insert, 4 s per ribbon panel, 1 s eject); `timeScale` multiplies them
 * (0.01 in tests, 0 for no delay at all).
 */

import { EventEmitter } from 'node:events';
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

/** Physical faults (a standing condition until the operator clears it) and line faults. */
export type SimulatedFault =
  | 'ribbon_out'
  | 'ribbon_mismatch'
  | 'feeder_empty'
  | 'card_jam'
  | 'cover_open'
  | 'offline'
  | 'mechanical'
  /** The printer stops answering (until cleared). */
  | 'silence'
  /** One reply arrives as noise. */
  | 'garbled'
  /** One reply stops half-way and never gets its CR. */
  | 'truncated';

/** When an injected fault strikes: at once, or when the next job reaches that stage. */
export type FaultStage = 'now' | 'feed' | 'print' | 'eject';

export type CardPosition = 'none' | 'print' | 'contact' | 'contactless' | 'jammed';

export interface SimulatedPrinterOptions {
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
  model?: string;
  serialNumber?: string;
  firmware?: string;
}

export interface PrintedCard {
  ribbon: RibbonType;
  /** Decoded panels per side: K/O as 81 bytes × 1016 lines, Y/M/C as 648 levels × 1016 lines. */
  front: Partial<Record<PanelName, Uint8Array>>;
  back?: Partial<Record<PanelName, Uint8Array>>;
}

export interface SimulatedPrinterSnapshot {
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
  busy: boolean;
  hostConnected: boolean;
}

/** One host connection: bytes from the host go to `receive`; `disconnect` when the line drops. */
export interface PrinterHostLink {
  receive(bytes: Uint8Array): void;
  disconnect(): void;
}

/** Priority of the word `Rst` reports when several faults are in force. */
const STATUS_PRIORITY: readonly SimulatedFault[] = [
  'offline',
  'cover_open',
  'card_jam',
  'ribbon_mismatch',
  'ribbon_out',
  'feeder_empty',
  'mechanical',
];

const LINE_FAULTS = new Set<SimulatedFault>(['silence', 'garbled', 'truncated']);

export class SimulatedPrinterDevice extends EventEmitter {
  readonly model: string;
  readonly serialNumber: string;
  readonly firmware: string;
  private readonly cycle: CycleTimesMs;
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
  private busy = false;
  private sequence:
    | {
        side: 'front' | 'back';
        front: Partial<Record<PanelName, Uint8Array>>;
        back?: Partial<Record<PanelName, Uint8Array>>;
      }
    | undefined;
  private host: { send: (bytes: Uint8Array) => void; parser: CommandFrameParser } | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(options: SimulatedPrinterOptions = {}) {
    super();
    this.timeScale = options.timeScale ?? 1;
    this.cycle = { ...REAL_CYCLE_TIMES_MS, ...options.cycleTimesMs };
    this.cardsInFeeder = options.cardsInFeeder ?? 100;
    this.cardPosition = options.cardPosition ?? 'none';
    this.ribbonPrints = options.ribbonPrints ?? 200;
    this.ribbonType = options.ribbonType ?? 'ymcko';
    this.model = options.model ?? 'Evolis Pebble (simulated)';
    this.serialNumber = options.serialNumber ?? 'SIM0000001';
    this.firmware = options.firmware ?? 'SIM 1.0.0';
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
          else this.emit('garbage', event);
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
   * operator fixes it); `garbled`/`truncated` spoil one reply; `silence` lasts until cleared.
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

  setTimeScale(scale: number): void {
    this.timeScale = scale;
  }

  snapshot(): SimulatedPrinterSnapshot {
    return {
      cardsInFeeder: this.cardsInFeeder,
      ribbonPrints: this.ribbonPrints,
      ribbonType: this.ribbonType,
      cardPosition: this.cardPosition,
      activeFaults: [...this.active],
      armedFaults: this.armed.map((a) => ({ ...a })),
      printed: this.printedCards.length,
      rejected: this.rejected,
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

  private async execute(command: ParsedCommand): Promise<void> {
    const { name, params } = command;
    if (name.startsWith('R')) return this.reply(this.read(name, params));
    switch (name) {
      case 'Pem':
      case 'Pc':
      case 'Pmi':
      case 'Pl':
      case 'Ps':
        return this.reply('OK');
      case 'Pr':
        return this.reply(this.selectRibbon(params[0]));
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
        return this.reply(await this.rejectCard());
      default:
        return this.reply('ERROR CDE');
    }
  }

  private read(name: string, params: string[]): string {
    switch (`${name}${params.length ? ';' + params.join(';') : ''}`) {
      case 'Rst':
        return this.statusWord();
      case 'Rlr;p':
        return this.cardPosition === 'none' ? 'NO CARD' : 'CARD';
      case 'Rrt;count':
        return String(this.ribbonPrints);
      case 'Rtp':
        return this.model;
      case 'Rsn':
        return this.serialNumber;
      case 'Rfv':
        return this.firmware;
      default:
        return 'ERROR CDE';
    }
  }

  private statusWord(): string {
    const fault = this.blockingFault();
    if (fault) return FAULT_REPLY_WORD[fault];
    return this.busy ? 'BUSY' : 'READY';
  }

  /** The fault that stops the mechanism now, if any, including supplies that ran out. */
  private blockingFault():
    Exclude<SimulatedFault, 'silence' | 'garbled' | 'truncated'> | undefined {
    for (const f of STATUS_PRIORITY)
      if (this.active.has(f))
        return f as Exclude<SimulatedFault, 'silence' | 'garbled' | 'truncated'>;
    if (this.cardPosition === 'jammed') return 'card_jam';
    if (this.ribbonPrints <= 0) return 'ribbon_out';
    if (this.cardsInFeeder <= 0 && this.cardPosition === 'none') return 'feeder_empty';
    return undefined;
  }

  private selectRibbon(type: string | undefined): string {
    if (this.active.has('ribbon_mismatch') || type?.toLowerCase() !== this.ribbonType)
      return 'ERROR RIBBON';
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
      if (jamsNow) {
        // The card left the feeder and stuck on its way in.
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

  private download(command: ParsedCommand): string {
    if (!this.sequence) return 'ERROR CDE';
    const [panelParam, p2] = command.params;
    if (!isPanelName(panelParam) || !command.data) return 'ERROR PARAMETRES';
    const panel: PanelName = panelParam;
    try {
      let bitmap: Uint8Array;
      if (command.name === 'Dbc') {
        const firstLine = Number(p2);
        bitmap =
          panel === 'k' || panel === 'o'
            ? decompressMonoPanel(firstLine, command.data)
            : decompressColourPanel(firstLine, command.data);
      } else {
        bitmap = unpackRawPanel(panel, DOWNLOAD_BITS[Number(p2)] ?? 0, command.data);
      }
      const side =
        this.sequence.side === 'front' ? this.sequence.front : (this.sequence.back ??= {});
      side[panel] = bitmap;
      return 'OK';
    } catch {
      return 'ERROR PARAMETRES';
    }
  }

  private async printSequence(): Promise<string | undefined> {
    const sequence = this.sequence;
    if (!sequence) return 'ERROR CDE';
    if (this.cardPosition === 'none') {
      // `Se` without a card in the printer takes one first (the Evolis sample sends no `Si`).
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
    const blocked = this.active.has('cover_open') ? FAULT_REPLY_WORD.cover_open : undefined;
    if (blocked) return blocked;
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
   * Faults armed for `stage` strike now. Returns the reply word of a physical one (which
   * stays in force); line faults only change how replies travel.
   */
  private strike(stage: Exclude<FaultStage, 'now'>): string | undefined {
    let word: string | undefined;
    for (let i = 0; i < this.armed.length;) {
      const entry = this.armed[i]!;
      if (entry.at !== stage) {
        i++;
        continue;
      }
      this.armed.splice(i, 1);
      this.activate(entry.fault);
      if (!LINE_FAULTS.has(entry.fault) && word === undefined) {
        word =
          FAULT_REPLY_WORD[
            entry.fault as Exclude<SimulatedFault, 'silence' | 'garbled' | 'truncated'>
          ];
      }
    }
    return word;
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
      host.send(Uint8Array.from([0xf8, 0x1c, 0x7f, 0xa5, 0x00, 0xe3, 0x0d]));
    } else if (lineFault === 'truncated') {
      const frame = encodeReply(text);
      host.send(frame.subarray(0, Math.max(1, Math.floor((frame.length - 1) / 2))));
    } else {
      host.send(encodeReply(text));
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

/** `Db` data: dots packed MSB first, `bits` per dot, whole panel. */
function unpackRawPanel(panel: PanelName, bits: number, data: Uint8Array): Uint8Array {
  if (bits === 0) throw new RangeError('bad Db depth');
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
    // Scale to the 7-bit levels the compressed format uses.
    out[i] = bits === 7 ? v : Math.round((v * 127) / ((1 << bits) - 1));
  }
  return out;
}
