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
  | 'offline'
  | 'not_answering'
  | 'mechanical';

export type PrinterState = 'ready' | 'printing' | 'fault';

export interface PrinterStatus {
  state: PrinterState;
  /** Set when state is 'fault'. */
  fault?: PrinterFault;
  /** The device's own code or message for the fault, kept for diagnostics. */
  rawFault?: string;
  model?: string;
  serialNumber?: string;
  /** Blank cards left in the feeder, when the device can tell. */
  cardsInFeeder?: number;
  /** Ribbon prints left, when the device can tell. */
  ribbonRemaining?: number;
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
    rawFault?: string,
  ) {
    super('PRINTER_FAULT', `printer fault: ${fault}${rawFault ? ` (${rawFault})` : ''}`);
  }
}
