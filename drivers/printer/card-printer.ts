/**
 * The card printer as the appliance sees it, whatever is on the other end: a real printer
 * on a serial line, or the simulator. Implementations serialise their calls (one job at a
 * time) and bound every device call with a timeout.
 */

import { DeviceError } from '../errors.js';

/** Faults a printer can report; each is something an operator can act on. */
export type PrinterFault =
  | 'ribbon_out'
  | 'ribbon_mismatch'
  | 'feeder_empty'
  | 'card_jam'
  | 'cover_open'
  | 'hopper_full'
  | 'cleaning_due'
  /** A card is in the printer that this job did not put there. */
  | 'card_inside'
  | 'magnetic'
  | 'not_answering'
  | 'mechanical';

export type PrinterState = 'ready' | 'printing' | 'fault';

/** Something to see to before it stops production (lobby warnings). */
export type PrinterWarning = 'ribbon_low' | 'feeder_near_empty' | 'cleaning_due';

export interface PrinterStatus {
  state: PrinterState;
  /** Set when state is 'fault'. */
  fault?: PrinterFault;
  /** The device's own code or message for the fault, kept for diagnostics. */
  rawFault?: string;
  model?: string;
  serialNumber?: string;
  firmware?: string;
  /** The model family the driver placed the printer in, and its capabilities as learned. */
  family?: string;
  /** Reads this printer answered at connect time (the ones it is polled with). */
  capabilities?: string[];
  /** `Rr`: the ribbon type the printer has set. */
  ribbonType?: string;
  /** Blank cards left in the feeder, when the device can tell. */
  cardsInFeeder?: number;
  /** Ribbon prints left, when the device can tell (`Rrt;count`, or `Rco;l` "not accurate"). */
  ribbonRemaining?: number;
  /** `Rco;c`: cards the printer has taken in over its life. */
  cardsInserted?: number;
  /** `Rco;p`: ribbon panels printed over its life. */
  panelsPrinted?: number;
  /** Cover as the sensor says, when the model has one (`Rse;o`). */
  cover?: 'open' | 'closed' | 'unknown';
  /** Warnings for the production administrator; empty when nothing needs doing. */
  warnings?: PrinterWarning[];
}

/** An RGBA raster of one card side, row-major, 4 bytes per dot. */
export interface RasterImage {
  widthPx: number;
  heightPx: number;
  rgba: Uint8Array;
}

export interface CardArtwork {
  front: RasterImage;
  back?: RasterImage;
}

/** Where the card is stopped before printing so an encoder can reach the chip. */
export type ChipStation = 'contact' | 'contactless';

export interface PrintJobCounters {
  /** Bytes sent over the line for this card (0 for in-memory devices). */
  bytesSent: number;
}

export interface CardPrinter {
  /** 'serial' for a real printer, 'simulated' for the simulator. */
  readonly kind: 'serial' | 'simulated';
  /** Query the device now. Never throws for a device fault: it is reported in the status. */
  status(): Promise<PrinterStatus>;
  /**
   * Take a blank card from the feeder and park it under the chip station.
   * Throws PrinterFaultError when the printer reports a fault (feeder empty, jam, ...).
   */
  insertToChipStation(station: ChipStation): Promise<void>;
  /**
   * Print the artwork on the card (feeding one first unless a card is already in the
   * printer) and eject it to the output hopper. Throws PrinterFaultError on a fault.
   */
  print(artwork: CardArtwork): Promise<PrintJobCounters>;
  /** Eject the card in the printer to the reject tray (a spoiled card). No-op when empty. */
  reject(): Promise<void>;
  /**
   * Run the printer's cleaning cycle (`Scp`, guide p. 41): the operator has loaded a cleaning
   * card. Throws PrinterFaultError on a fault, DeviceError when the model has no cleaning cycle.
   */
  clean(): Promise<void>;
  /**
   * After a restart: when the card sensor sees a card left inside (a job cut off by the
   * stop), eject it to the reject tray and return true; false when the printer is empty or
   * cannot tell. Optional: a printer without a card sensor does not have it.
   */
  ejectLeftoverCard?(): Promise<boolean>;
  /** Subscribe to status changes (polling or unsolicited); returns an unsubscribe function. */
  onStatus(listener: (status: PrinterStatus) => void): () => void;
  close(): Promise<void>;
}

export class PrinterFaultError extends DeviceError {
  override readonly name = 'PrinterFaultError';
  constructor(
    readonly fault: PrinterFault,
    /** true when a blank card was taken from the feeder and is now spoiled. */
    readonly cardFed: boolean,
    /** The printer's own word, or the read that showed the fault. */
    readonly rawFault?: string,
  ) {
    super('PRINTER_FAULT', `printer fault: ${fault}${rawFault ? ` (${rawFault})` : ''}`);
  }
}

/**
 * The printer refused a command of the job (`ERROR CDE`, `ERROR PARAMETRES`,
 * `OPT NOT AVAILABLE`), or the model does not document what the job needs. Nothing of the
 * job was printed; `cardFed` says whether a blank is now spoiled.
 */
export class PrinterRefusedError extends DeviceError {
  override readonly name = 'PrinterRefusedError';
  constructor(
    readonly command: string,
    /** The printer's answer, or why the driver did not send the command. */
    readonly reply: string,
    readonly cardFed: boolean,
    /** What was refused, in words: "the k panel download (front)". */
    readonly what: string,
  ) {
    super('DEVICE_PROTOCOL', `the printer refused ${what}: ${reply}`);
  }
}
