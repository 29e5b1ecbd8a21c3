/**
 * The simulated printer's physical state kept in a file across restarts of the process that
 * hosts it: a real printer does not forget the blanks it fed, the cards it printed or
 * rejected, or a card left inside when its host dies. The file is written synchronously
 * before each reply leaves the device, so whatever the host was told is on disk; a host
 * killed before a reply sees the state from before that command on restart, as it would if
 * the command had never arrived.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import {
  SimulatedPrinterDevice,
  type CardPosition,
  type SimulatedPrinterOptions,
} from './simulated-printer-device.js';

export interface PersistedPrinterState {
  cardsInFeeder: number;
  cardPosition: CardPosition;
  /** Since the file was created. */
  printedTotal: number;
  rejectedTotal: number;
}

export function readPersistedPrinterState(file: string): PersistedPrinterState | null {
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as PersistedPrinterState;
}

export function createPersistentSimulatedPrinterDevice(
  file: string,
  options: SimulatedPrinterOptions = {},
): SimulatedPrinterDevice {
  const saved = readPersistedPrinterState(file);
  const device = new SimulatedPrinterDevice({
    ...options,
    ...(saved ? { cardsInFeeder: saved.cardsInFeeder, cardPosition: saved.cardPosition } : {}),
  });
  const base = { printed: saved?.printedTotal ?? 0, rejected: saved?.rejectedTotal ?? 0 };
  const save = () => {
    const now = device.snapshot();
    const state: PersistedPrinterState = {
      cardsInFeeder: now.cardsInFeeder,
      cardPosition: now.cardPosition,
      printedTotal: base.printed + now.printed,
      rejectedTotal: base.rejected + now.rejected,
    };
    writeFileSync(`${file}.tmp`, JSON.stringify(state));
    renameSync(`${file}.tmp`, file);
  };
  save();
  device.on('reply', save);
  return device;
}
