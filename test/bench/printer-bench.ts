/**
 * Printer benchmark for `npm run bench`: per card type, the bytes a card costs on the serial
 * line against the raw size of its ribbon panels, and the time to render and encode a card
 * against the time the printer takes to print it. Print time is computed from the simulator's
 * real cycle times (insert, per panel, eject), not slept; line time from the baud rate.
 */

import { performance } from 'node:perf_hooks';
import { renderCardArtwork, type CardLayoutInput } from '../../appliance/src/layout/index.js';
import { DEFAULT_BAUD_RATE, createSimulatedCardPrinter } from '../../drivers/printer/index.js';
import { encodeCardPanels } from '../../drivers/printer/panel-encoder.js';

const RUNS_PER_CARD_TYPE = 5;
const BITS_PER_BYTE_ON_WIRE = 10;

const CARD: Omit<CardLayoutInput, 'cardType'> = {
  holderName: 'Grace Brewster Murray Hopper',
  company: 'Analytical Engines Ltd',
  cardNumber: '4000123456',
  validFrom: '2025-11-26',
  validUntil: '2026-11-25',
  siteName: 'Lobby North',
};

function lineSeconds(bytes: number, baudRate = DEFAULT_BAUD_RATE): number {
  return Math.round(((bytes * BITS_PER_BYTE_ON_WIRE) / baudRate) * 100) / 100;
}

export async function runPrinterBench(): Promise<Record<string, unknown>> {
  // No delay in the simulator: we measure bytes, and compute print time from cycle times.
  const printer = createSimulatedCardPrinter({ pollIntervalMs: 0, device: { timeScale: 0 } });
  const results: Record<string, unknown> = { baudRate: DEFAULT_BAUD_RATE, ribbon: 'ymcko' };
  try {
    for (const cardType of ['employee', 'contractor', 'visitor'] as const) {
      const input = { ...CARD, cardType };
      let renderMs = 0;
      let encodeMs = 0;
      let encoded = encodeCardPanels(await renderCardArtwork(input), { ribbon: 'ymcko' });
      for (let i = 0; i < RUNS_PER_CARD_TYPE; i++) {
        const t0 = performance.now();
        const artwork = await renderCardArtwork(input);
        const t1 = performance.now();
        encoded = encodeCardPanels(artwork, { ribbon: 'ymcko' });
        const t2 = performance.now();
        renderMs += t1 - t0;
        encodeMs += t2 - t1;
      }
      const { bytesSent } = await printer.print(await renderCardArtwork(input));
      const sides = encoded.sides.length;
      const printMs = printer.device.cardCycleMs(sides, 'ymcko');
      results[cardType] = {
        sides,
        panelsSent: encoded.sides
          .map((s) => `${s.side}:${s.panels.map((p) => p.panel).join('')}`)
          .join(' '),
        bytesSentPerCard: bytesSent,
        rawPanelBytes: encoded.rawBytes,
        bytesSentVsRaw: Math.round((bytesSent / encoded.rawBytes) * 10_000) / 10_000,
        lineSecondsSent: lineSeconds(bytesSent),
        lineSecondsRaw: lineSeconds(encoded.rawBytes),
        renderMsPerCard: Math.round(renderMs / RUNS_PER_CARD_TYPE),
        encodeMsPerCard: Math.round(encodeMs / RUNS_PER_CARD_TYPE),
        simulatedPrintMsPerCard: printMs,
        renderAndEncodeVsPrint:
          Math.round(((renderMs + encodeMs) / RUNS_PER_CARD_TYPE / printMs) * 10_000) / 10_000,
      };
    }
  } finally {
    await printer.close();
  }
  return results;
}
