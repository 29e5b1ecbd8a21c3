/**
 * The CardPrinter contract, run against every way the appliance reaches a printer: the
 * in-process simulator binding and a real serial port (a socat pseudo-terminal pair with the
 * simulator on the far end). The simulator is the printer here; its cycle times are scaled
 * down, and the tests wait on replies and status events, never on fixed sleeps.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PrinterFaultError,
  type CardArtwork,
  type CardPrinter,
  type PrinterFault,
  type PrinterStatus,
} from '../../drivers/printer/card-printer.js';
import type {
  SimulatedFault,
  SimulatedPrinterDevice,
} from '../../drivers/printer/simulated-printer-device.js';

export interface CardPrinterHarness {
  printer: CardPrinter;
  device: SimulatedPrinterDevice;
  /** Pull the cable (or kill the pty): the port disappears. */
  unplug(): Promise<void>;
  /** Put it back at the same path. */
  plug(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Timeouts the harnesses give the driver: short, since the simulator runs at 1/100 speed (a
 * YMCKO card takes about 240 ms), yet with room for a loaded two-core CI machine.
 */
export const CONTRACT_TIMEOUTS = {
  commandTimeoutMs: 1_000,
  insertTimeoutMs: 2_000,
  printTimeoutMs: 3_000,
  ejectTimeoutMs: 1_500,
  pollIntervalMs: 50,
  reconnectInitialDelayMs: 20,
  reconnectMaxDelayMs: 200,
} as const;
export const CONTRACT_TIME_SCALE = 0.01;

const W = 1016;
const H = 648;

/** A plain card: a colour band and a black block of "text". */
export function contractArtwork(): CardArtwork {
  const rgba = new Uint8Array(W * H * 4).fill(255);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const o = (y * W + x) * 4;
      if (x < 80) rgba.set([20, 110, 60, 255], o);
      else if (y >= 300 && y < 340 && x >= 200 && x < 700) rgba.set([0, 0, 0, 255], o);
    }
  }
  return { front: { widthPx: W, heightPx: H, rgba } };
}

/** Resolves with the first status matching `predicate`, from `status()` or the event stream. */
export function waitForStatus(
  printer: CardPrinter,
  predicate: (s: PrinterStatus) => boolean,
): Promise<PrinterStatus> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (s: PrinterStatus): void => {
      if (done || !predicate(s)) return;
      done = true;
      unsubscribe();
      resolve(s);
    };
    const unsubscribe = printer.onStatus(finish);
    printer.status().then(finish, () => undefined);
  });
}

async function expectFault(promise: Promise<unknown>): Promise<PrinterFaultError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PrinterFaultError);
  return error as PrinterFaultError;
}

type Stage = 'feed' | 'print' | 'eject';
const STAGES: Stage[] = ['feed', 'print', 'eject'];
const PHYSICAL: Array<Extract<PrinterFault, SimulatedFault>> = [
  'ribbon_out',
  'ribbon_mismatch',
  'feeder_empty',
  'card_jam',
  'cover_open',
  'hopper_full',
];
/** Standing faults a documented read shows (Rcr, Rr, Sk;f, Rse;o on the simulated Quantum). */
const READ_SHOWS: Array<Extract<PrinterFault, SimulatedFault>> = [
  'ribbon_out',
  'ribbon_mismatch',
  'feeder_empty',
  'cover_open',
];

export function describeCardPrinterContract(
  name: string,
  create: () => Promise<CardPrinterHarness>,
): void {
  describe(`CardPrinter contract: ${name}`, () => {
    let h: CardPrinterHarness;

    beforeAll(async () => {
      h = await create();
    });
    afterAll(async () => {
      await h?.close();
    });

    /** After a fault: the operator fixes it, the spoiled card goes to the reject tray. */
    async function recover(): Promise<void> {
      h.device.clearFault();
      await h.printer.reject();
      await waitForStatus(h.printer, (s) => s.state === 'ready');
    }

    it('reports ready with the model and serial number it read', async () => {
      const status = await waitForStatus(h.printer, (s) => s.state === 'ready');
      expect(status).toMatchObject({
        state: 'ready',
        model: h.device.model,
        serialNumber: h.device.serialNumber,
        firmware: h.device.firmware,
        family: 'quantum',
        cover: 'closed',
        warnings: [],
      });
      expect(status.ribbonRemaining).toBe(h.device.snapshot().ribbonPrints);
      expect(status.cardsInserted).toBe(h.device.snapshot().cardsInserted);
      // A rev. E Quantum: the newer reads were probed, refused, and are never polled.
      expect(status.capabilities).toContain('Rlr;p');
      expect(status.capabilities).not.toContain('Rrt;count');
    });

    it('prints a card: the printer receives its panels and ejects it', async () => {
      const before = h.device.snapshot();
      const counters = await h.printer.print(contractArtwork());
      const after = h.device.snapshot();
      expect(after.printed).toBe(before.printed + 1);
      expect(after.cardsInFeeder).toBe(before.cardsInFeeder - 1);
      expect(after.ribbonPrints).toBe(before.ribbonPrints - 1);
      const card = h.device.printed().at(-1)!;
      expect(Object.keys(card.front).sort()).toEqual(['c', 'k', 'm', 'o', 'y']);
      // The black block sits on K: line 400 (x = 400), dots 308…347 (y = 339…300).
      expect(card.front.k![400 * 81 + Math.floor(320 / 8)]).not.toBe(0);
      expect(counters.bytesSent).toBeGreaterThan(0);
      expect(counters.bytesSent).toBeLessThan(200_000);
    });

    it('prints on the card it parked under the chip station without feeding another', async () => {
      const before = h.device.snapshot();
      await h.printer.insertToChipStation('contact');
      expect(h.device.snapshot().cardPosition).toBe('contact');
      await h.printer.print(contractArtwork());
      const after = h.device.snapshot();
      expect(after.cardsInFeeder).toBe(before.cardsInFeeder - 1);
      expect(after.printed).toBe(before.printed + 1);
    });

    it('reports a standing fault a documented read shows, and clears it', async () => {
      for (const fault of READ_SHOWS) {
        h.device.injectFault(fault);
        const status = await h.printer.status();
        expect(status).toMatchObject({ state: 'fault', fault });
        h.device.clearFault(fault);
        expect(await h.printer.status()).toMatchObject({ state: 'ready' });
      }
    });

    for (const fault of PHYSICAL) {
      for (const stage of STAGES) {
        const cardFed = stage !== 'feed' || fault === 'card_jam';
        it(`turns ${fault} at ${stage} into PrinterFaultError(${fault}, cardFed=${cardFed}) and recovers`, async () => {
          h.device.injectFault(fault, { at: stage });
          const error = await expectFault(h.printer.print(contractArtwork()));
          expect(error.fault).toBe(fault);
          expect(error.cardFed).toBe(cardFed);
          expect(error.code).toBe('PRINTER_FAULT');
          expect(await h.printer.status()).toMatchObject({ state: 'fault' });
          await recover();
          await h.printer.print(contractArtwork());
        });
      }
    }

    const LINE: Array<{ fault: SimulatedFault; cardFedAtFeed: boolean }> = [
      // Silent before it moved: the feed never happened.
      { fault: 'silence', cardFedAtFeed: false },
      // The card was fed, only the answer was spoiled.
      { fault: 'garbled', cardFedAtFeed: true },
      { fault: 'truncated', cardFedAtFeed: true },
    ];
    for (const { fault, cardFedAtFeed } of LINE) {
      for (const stage of STAGES) {
        const cardFed = stage === 'feed' ? cardFedAtFeed : true;
        it(`turns ${fault} at ${stage} into not_answering (cardFed=${cardFed}) without hanging`, async () => {
          h.device.injectFault(fault, { at: stage });
          const error = await expectFault(h.printer.print(contractArtwork()));
          expect(error.fault).toBe('not_answering');
          expect(error.cardFed).toBe(cardFed);
          await recover();
          await h.printer.print(contractArtwork());
        });
      }
    }

    it('reports a silent printer as not answering, then ready again', async () => {
      h.device.injectFault('silence');
      expect(await h.printer.status()).toMatchObject({ state: 'fault', fault: 'not_answering' });
      h.device.clearFault('silence');
      await waitForStatus(h.printer, (s) => s.state === 'ready');
    });

    it('runs out of supplies', async () => {
      const { cardsInFeeder, ribbonPrints } = h.device.snapshot();
      h.device.replaceRibbon(1);
      await h.printer.print(contractArtwork());
      const ribbonOut = await expectFault(h.printer.print(contractArtwork()));
      expect(ribbonOut).toMatchObject({ fault: 'ribbon_out', cardFed: false });
      h.device.replaceRibbon(ribbonPrints);
      h.device.loadCards(-h.device.snapshot().cardsInFeeder);
      const empty = await expectFault(h.printer.print(contractArtwork()));
      expect(empty).toMatchObject({ fault: 'feeder_empty', cardFed: false });
      expect(await h.printer.status()).toMatchObject({ state: 'fault', fault: 'feeder_empty' });
      h.device.loadCards(cardsInFeeder);
      await waitForStatus(h.printer, (s) => s.state === 'ready');
    });

    it('fails a job when the port disappears mid-print, and prints again once it is back', async () => {
      const statuses: PrinterStatus[] = [];
      const unsubscribe = h.printer.onStatus((s) => statuses.push(s));
      const printing = new Promise<void>((resolve) => {
        const onCommand = (command: { name: string }): void => {
          if (command.name !== 'Se') return;
          h.device.off('command', onCommand);
          resolve();
        };
        h.device.on('command', onCommand);
      });
      // Take the outcome at once: the job fails while unplug() is still waiting for the line.
      const job = expectFault(h.printer.print(contractArtwork()));
      await printing;
      await h.unplug();
      const error = await job;
      expect(error).toMatchObject({ fault: 'not_answering', cardFed: true });
      await waitForStatus(h.printer, (s) => s.fault === 'not_answering');
      await h.plug();
      await waitForStatus(h.printer, (s) => s.state === 'ready');
      unsubscribe();
      expect(statuses.some((s) => s.fault === 'not_answering')).toBe(true);
      await h.printer.reject();
      await h.printer.print(contractArtwork());
    });
  });
}
