import { describe, expect, it } from 'vitest';
import type { RasterImage } from '../../../drivers/printer/card-printer.js';
import {
  compressColourPanel,
  compressMonoPanel,
  decompressColourPanel,
  decompressMonoPanel,
  encodeCardPanels,
  panelsToRaster,
} from '../../../drivers/printer/panel-encoder.js';
import {
  DOTS_PER_LINE,
  MONO_BYTES_PER_LINE,
  PANEL_LINES,
} from '../../../drivers/printer/printer-codec.js';

const W = 1016;
const H = 648;

function whiteCard(): RasterImage {
  return { widthPx: W, heightPx: H, rgba: new Uint8Array(W * H * 4).fill(255) };
}

function fillRect(
  image: RasterImage,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  rgb: [number, number, number],
): void {
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) image.rgba.set([...rgb, 255], (y * W + x) * 4);
  }
}

/** Deterministic pseudo-random bytes (xorshift) so failures reproduce. */
function noise(length: number, seed: number, density = 1): Uint8Array {
  let s = seed;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const r = (s >>> 0) % 1000;
    out[i] = r < density * 1000 ? (s >>> 8) & 0xff : 0;
  }
  return out;
}

describe('K/O panel compression (guide §4)', () => {
  it('writes a white line as 0x00, a black line as 0xFF and others as count + useful bytes', () => {
    const bits = new Uint8Array(PANEL_LINES * MONO_BYTES_PER_LINE);
    bits.fill(0xff, 11 * 81, 12 * 81); // line 11 black
    bits[12 * 81] = 0x80; // line 12: first dot
    bits[12 * 81 + 2] = 0x01; // … and the 24th
    const encoded = compressMonoPanel(bits)!;
    // Whole panel, as every capture of Evolis' Windows driver sends it: 1016 lines.
    expect(encoded).toMatchObject({ firstLine: 0, lineCount: PANEL_LINES });
    expect(Array.from(encoded.data.subarray(0, 11))).toEqual(new Array(11).fill(0x00));
    expect(Array.from(encoded.data.subarray(11, 16))).toEqual([0xff, 3, 0x80, 0x00, 0x01]);
    expect(encoded.data.length).toBe(PANEL_LINES - 1 + 4);
  });

  it('sends every white line as one byte, inside and outside the inked ones', () => {
    const bits = new Uint8Array(PANEL_LINES * MONO_BYTES_PER_LINE);
    bits[100 * 81] = 1;
    bits[102 * 81] = 1;
    const encoded = compressMonoPanel(bits)!;
    expect(encoded).toMatchObject({ firstLine: 0, lineCount: PANEL_LINES });
    expect(Array.from(encoded.data.subarray(100, 105))).toEqual([1, 1, 0x00, 1, 1]);
    expect(encoded.data.length).toBe(PANEL_LINES + 2);
  });

  it('returns nothing for a blank panel', () => {
    expect(compressMonoPanel(new Uint8Array(PANEL_LINES * MONO_BYTES_PER_LINE))).toBeUndefined();
  });

  it('round-trips sparse and dense random panels', () => {
    for (const [seed, density] of [
      [1, 0.01],
      [7, 0.3],
      [42, 1],
    ] as const) {
      const bits = noise(PANEL_LINES * MONO_BYTES_PER_LINE, seed, density);
      const encoded = compressMonoPanel(bits)!;
      expect(decompressMonoPanel(encoded.firstLine, encoded.data)).toEqual(bits);
    }
  });

  it('refuses data that runs past the panel or is cut short', () => {
    expect(() => decompressMonoPanel(1015, Uint8Array.from([0xff, 0xff]))).toThrow(RangeError);
    expect(() => decompressMonoPanel(0, Uint8Array.from([5, 1, 2]))).toThrow(RangeError);
    expect(() => decompressMonoPanel(0, Uint8Array.from([82]))).toThrow(RangeError);
  });
});

describe('Y/M/C panel compression (guide §4)', () => {
  it('codes isolated dots in one byte, runs in two, and ends a line early with a zero counter', () => {
    const levels = new Uint8Array(PANEL_LINES * DOTS_PER_LINE);
    levels.set([5, 9, 9, 9], 3 * DOTS_PER_LINE);
    const encoded = compressColourPanel(levels)!;
    expect(encoded).toMatchObject({ firstLine: 0, lineCount: PANEL_LINES });
    // Lines 0–2 blank (0x80 0x00 each), then line 3.
    expect(Array.from(encoded.data.subarray(0, 11))).toEqual([
      0x80,
      0,
      0x80,
      0,
      0x80,
      0,
      5,
      0x80 | 9,
      3,
      0x80,
      0,
    ]);
  });

  it('splits runs longer than 255 and needs no end marker for a full line', () => {
    const levels = new Uint8Array(PANEL_LINES * DOTS_PER_LINE);
    levels.fill(127, 0, DOTS_PER_LINE);
    const encoded = compressColourPanel(levels)!;
    expect(Array.from(encoded.data.subarray(0, 8))).toEqual([
      0xff, 255, 0xff, 255, 0xff, 138, 0x80, 0,
    ]);
    expect(encoded.data.length).toBe(6 + (PANEL_LINES - 1) * 2);
    expect(decompressColourPanel(0, encoded.data)).toEqual(levels);
  });

  it('round-trips random levels', () => {
    const levels = noise(PANEL_LINES * DOTS_PER_LINE, 99, 0.2).map((v) => v & 0x7f);
    const encoded = compressColourPanel(levels)!;
    expect(decompressColourPanel(encoded.firstLine, encoded.data)).toEqual(levels);
  });

  it('decodes the 6- and 5-bit run forms, whose spare bits add 256 to the counter (guide p. 5)', () => {
    // 6 bits: 0x80 | 0x40 (counter + 256) | value 3, counter 44 → 300 dots of 3; 5 bits:
    // 0x80 | 0x40 | 0x20 (+512) | value 7, counter 0 → 512 dots of 7… then the rest.
    const six = decompressColourPanel(0, Uint8Array.from([0xc3, 44, 0x83, 255, 0x83, 93]), 6);
    expect(six.subarray(0, 648).every((v) => v === 3)).toBe(true);
    const five = decompressColourPanel(0, Uint8Array.from([0xe7, 0, 0x87, 136]), 5);
    expect(five.subarray(0, 648).every((v) => v === 7)).toBe(true);
  });

  it('refuses malformed runs', () => {
    expect(() => decompressColourPanel(0, Uint8Array.from([0x85]))).toThrow(RangeError);
    expect(() =>
      decompressColourPanel(0, Uint8Array.from([0x85, 255, 0x85, 255, 0x85, 255])),
    ).toThrow(RangeError);
    expect(() => decompressColourPanel(0, Uint8Array.from([1, 2, 3]))).toThrow(RangeError);
  });
});

describe('encodeCardPanels', () => {
  it('maps card column x to panel line x and row y to dot 647 − y', () => {
    const card = whiteCard();
    fillRect(card, 10, 0, 11, 1, [0, 0, 0]);
    const side = encodeCardPanels({ front: card }, { ribbon: 'k' }).sides[0]!;
    const k = side.panels.find((p) => p.panel === 'k')!;
    expect(k.firstLine).toBe(0);
    const bits = decompressMonoPanel(k.firstLine, k.data);
    expect(bits[10 * MONO_BYTES_PER_LINE + 80]).toBe(0x01); // dot 647
  });

  it('prints black text on K only: no colour panel is sent for a black-and-white card', () => {
    const card = whiteCard();
    fillRect(card, 100, 100, 600, 140, [0, 0, 0]);
    const encoded = encodeCardPanels({ front: card }, { ribbon: 'ymcko' });
    expect(encoded.sides[0]!.panels.map((p) => p.panel)).toEqual(['k', 'o']);
    // 500 lines × (count + 69 bytes) for K, one byte a line for the overlay: under 2 % of raw.
    expect(encoded.payloadBytes).toBeLessThan(encoded.rawBytes * 0.02);
  });

  it('sends only the colour panels that carry ink, each whole', () => {
    const card = whiteCard();
    fillRect(card, 0, 0, 120, H, [0, 90, 200]); // a blue band on the left
    const encoded = encodeCardPanels({ front: card }, { ribbon: 'ymcko', overlay: false });
    const panels = encoded.sides[0]!.panels;
    expect(panels.map((p) => p.panel)).toEqual(['y', 'm', 'c']);
    for (const p of panels) expect(p).toMatchObject({ firstLine: 0, lineCount: PANEL_LINES });
    const back = panelsToRaster({
      y: decompressColourPanel(panels[0]!.firstLine, panels[0]!.data),
      m: decompressColourPanel(panels[1]!.firstLine, panels[1]!.data),
      c: decompressColourPanel(panels[2]!.firstLine, panels[2]!.data),
    });
    const o = (300 * W + 50) * 4;
    expect(Math.abs(back.rgba[o]! - 0)).toBeLessThanOrEqual(3);
    expect(Math.abs(back.rgba[o + 1]! - 90)).toBeLessThanOrEqual(3);
    expect(Math.abs(back.rgba[o + 2]! - 200)).toBeLessThanOrEqual(3);
  });

  it('thresholds everything onto K with a black-only ribbon', () => {
    const card = whiteCard();
    fillRect(card, 0, 0, 10, 10, [90, 90, 90]); // dark grey: printed
    fillRect(card, 20, 0, 30, 10, [200, 200, 200]); // light grey: not printed
    const encoded = encodeCardPanels({ front: card }, { ribbon: 'k' });
    const k = encoded.sides[0]!.panels[0]!;
    expect(k).toMatchObject({ panel: 'k', firstLine: 0, lineCount: PANEL_LINES });
    expect(encoded.rawBytes).toBe(82_296);
  });

  it('encodes a back side and counts its raw size', () => {
    const encoded = encodeCardPanels(
      { front: whiteCard(), back: whiteCard() },
      { ribbon: 'ymcko' },
    );
    expect(encoded.sides.map((s) => s.side)).toEqual(['front', 'back']);
    expect(encoded.rawBytes).toBe(2 * (3 * 576_072 + 2 * 82_296));
  });

  it('refuses artwork of the wrong size', () => {
    expect(() =>
      encodeCardPanels(
        { front: { widthPx: 10, heightPx: 10, rgba: new Uint8Array(400) } },
        { ribbon: 'k' },
      ),
    ).toThrow(RangeError);
  });
});
