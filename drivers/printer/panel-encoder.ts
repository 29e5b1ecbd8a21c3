/**
 * Card artwork (RGBA, 1016 × 648 at 300 dpi) → the ribbon panels the printer downloads, in the
 * guide's compressed formats (A5013 rev. E §4 "Data compression", p. 5), and back again
 * (the simulator decodes what it receives). Pure: no I/O.
 *
 * Why it is shaped this way: on a 115 200 baud line an uncompressed colour panel takes about a
 * minute. So we send the fewest bytes the card needs:
 * - pure black pixels (text and codes, rendered without anti-aliasing) go to the 1-bit K panel,
 *   not to three 7-bit colour panels;
 * - a colour panel with no ink is not downloaded at all;
 * - lines are compressed: K/O per line (blank, full, or "n useful bytes"), Y/M/C as runs, so
 *   a blank line costs one byte (K/O) or two (Y/M/C).
 * Every inked panel is sent whole (lines 0…1015) in the `Dbc;panel;levels;nbytes` form: that
 * is what every capture of Evolis' Windows driver shows (1016 lines each); the guide's
 * first-line form (p. 15) would save at most 2 kB a panel and no capture confirms a printer
 * takes it.
 *
 * Geometry (guide p. 14, "printing direction"): a panel is 1016 lines of 648 dots; line L is
 * column x = L of the landscape card, and dot d of a line is row y = 647 − d (the bitmap is
 * the card turned a quarter turn clockwise, as Evolis' own drivers send it).
 */

import type { CardArtwork, RasterImage } from './card-printer.js';
import {
  DOTS_PER_LINE,
  MONO_BYTES_PER_LINE,
  PANEL_LINES,
  rawPanelBytes,
  type PanelName,
} from './printer-codec.js';

/** Ribbon types as the `Pr` command names them (guide P commands): colour+black+overlay, or black only. */
export type RibbonType = 'ymcko' | 'k';

export const CARD_WIDTH_PX = PANEL_LINES;
export const CARD_HEIGHT_PX = DOTS_PER_LINE;

/** A pixel at or below this on every channel is "black" and is printed with the K panel. */
const K_BLACK_MAX_CHANNEL = 24;
/** With a K-only ribbon every pixel darker than this (luma, 0–255) is printed. */
const K_ONLY_LUMA_THRESHOLD = 128;
/** Pixels lighter than this on every channel carry no ink (paper white). */
const WHITE_MIN_CHANNEL = 250;

/** Colour levels are 7 bits (`Db` p2 = 128, guide p. 14). */
const COLOUR_MAX_LEVEL = 127;
/** YMC compression: the high bit marks a run (guide §4). */
const RUN_FLAG = 0x80;
const MAX_RUN = 255;
/** K/O compression: first byte of a line (guide §4). */
const MONO_WHITE_LINE = 0x00;
const MONO_BLACK_LINE = 0xff;

export interface EncodedPanel {
  panel: PanelName;
  /** First line carried (0: whole panels are sent, see the top). */
  firstLine: number;
  /** Lines carried in `data`. */
  lineCount: number;
  /** Compressed bytes, as the `Dbc` payload. */
  data: Uint8Array;
}

export interface EncodedSide {
  side: 'front' | 'back';
  /** Panels with ink, in print order (Y, M, C, K, O). Panels with no ink are left out. */
  panels: EncodedPanel[];
}

export interface EncodedCard {
  ribbon: RibbonType;
  sides: EncodedSide[];
  /** Sum of the compressed payloads. */
  payloadBytes: number;
  /** What the same sides cost as uncompressed whole-panel `Db` downloads of every ribbon panel. */
  rawBytes: number;
}

export interface PanelEncoderOptions {
  ribbon: RibbonType;
  /** Varnish the whole card with the O panel (YMCKO ribbon only). Default true. */
  overlay?: boolean;
}

/** Splits a card's artwork into compressed panel downloads. */
export function encodeCardPanels(artwork: CardArtwork, options: PanelEncoderOptions): EncodedCard {
  const sides: EncodedSide[] = [{ side: 'front', panels: encodeSide(artwork.front, options) }];
  if (artwork.back) sides.push({ side: 'back', panels: encodeSide(artwork.back, options) });
  const ribbonPanels: PanelName[] = options.ribbon === 'k' ? ['k'] : ['y', 'm', 'c', 'k', 'o'];
  const rawPerSide = ribbonPanels.reduce((sum, p) => sum + rawPanelBytes(p), 0);
  return {
    ribbon: options.ribbon,
    sides,
    payloadBytes: sides.reduce(
      (sum, s) => sum + s.panels.reduce((n, p) => n + p.data.length, 0),
      0,
    ),
    rawBytes: rawPerSide * sides.length,
  };
}

function encodeSide(image: RasterImage, options: PanelEncoderOptions): EncodedPanel[] {
  assertCardRaster(image);
  const mono = new Uint8Array(PANEL_LINES * MONO_BYTES_PER_LINE);
  const colour =
    options.ribbon === 'ymcko'
      ? {
          y: new Uint8Array(PANEL_LINES * DOTS_PER_LINE),
          m: new Uint8Array(PANEL_LINES * DOTS_PER_LINE),
          c: new Uint8Array(PANEL_LINES * DOTS_PER_LINE),
        }
      : undefined;
  const { rgba, widthPx } = image;
  for (let line = 0; line < PANEL_LINES; line++) {
    for (let dot = 0; dot < DOTS_PER_LINE; dot++) {
      const y = DOTS_PER_LINE - 1 - dot;
      const o = (y * widthPx + line) * 4;
      const alpha = rgba[o + 3]! / 255;
      // Composite over the white card.
      const r = rgba[o]! * alpha + 255 * (1 - alpha);
      const g = rgba[o + 1]! * alpha + 255 * (1 - alpha);
      const b = rgba[o + 2]! * alpha + 255 * (1 - alpha);
      const black = colour
        ? r <= K_BLACK_MAX_CHANNEL && g <= K_BLACK_MAX_CHANNEL && b <= K_BLACK_MAX_CHANNEL
        : 0.299 * r + 0.587 * g + 0.114 * b < K_ONLY_LUMA_THRESHOLD;
      if (black) {
        mono[line * MONO_BYTES_PER_LINE + (dot >> 3)]! |= 0x80 >> (dot & 7);
        continue;
      }
      if (!colour || (r >= WHITE_MIN_CHANNEL && g >= WHITE_MIN_CHANNEL && b >= WHITE_MIN_CHANNEL))
        continue;
      const i = line * DOTS_PER_LINE + dot;
      // Subtractive primaries: cyan absorbs red, magenta green, yellow blue.
      colour.c[i] = Math.round(((255 - r) * COLOUR_MAX_LEVEL) / 255);
      colour.m[i] = Math.round(((255 - g) * COLOUR_MAX_LEVEL) / 255);
      colour.y[i] = Math.round(((255 - b) * COLOUR_MAX_LEVEL) / 255);
    }
  }
  const panels: EncodedPanel[] = [];
  if (colour) {
    for (const name of ['y', 'm', 'c'] as const) {
      const encoded = compressColourPanel(colour[name]);
      if (encoded) panels.push({ panel: name, ...encoded });
    }
  }
  const k = compressMonoPanel(mono);
  if (k) panels.push({ panel: 'k', ...k });
  if (options.ribbon === 'ymcko' && options.overlay !== false) {
    const o = compressMonoPanel(new Uint8Array(PANEL_LINES * MONO_BYTES_PER_LINE).fill(0xff));
    if (o) panels.push({ panel: 'o', ...o });
  }
  return panels;
}

export function assertCardRaster(image: RasterImage): void {
  if (image.widthPx !== CARD_WIDTH_PX || image.heightPx !== CARD_HEIGHT_PX) {
    throw new RangeError(
      `card artwork must be ${CARD_WIDTH_PX}×${CARD_HEIGHT_PX}, not ${image.widthPx}×${image.heightPx}`,
    );
  }
  if (image.rgba.length !== CARD_WIDTH_PX * CARD_HEIGHT_PX * 4) {
    throw new RangeError(`card artwork must have ${CARD_WIDTH_PX * CARD_HEIGHT_PX * 4} RGBA bytes`);
  }
}

// ---------------------------------------------------------------------------------------------
// K and O panels: 1 bit per dot, 81 bytes per line (guide §4 "Compression of K and O")

/**
 * Compresses a whole 1016 × 81-byte panel, every line (see the top for why). Returns
 * undefined for a blank panel (nothing to send).
 */
export function compressMonoPanel(
  bits: Uint8Array,
): { firstLine: number; lineCount: number; data: Uint8Array } | undefined {
  if (bits.length !== PANEL_LINES * MONO_BYTES_PER_LINE) throw new RangeError('mono panel size');
  const range = inkedLineRange(PANEL_LINES, (line) => {
    const row = bits.subarray(line * MONO_BYTES_PER_LINE, (line + 1) * MONO_BYTES_PER_LINE);
    return row.some((b) => b !== 0);
  });
  if (!range) return undefined;
  const out: number[] = [];
  for (let line = 0; line < PANEL_LINES; line++) {
    const row = bits.subarray(line * MONO_BYTES_PER_LINE, (line + 1) * MONO_BYTES_PER_LINE);
    let last = MONO_BYTES_PER_LINE - 1;
    while (last >= 0 && row[last] === 0) last--;
    if (last < 0) out.push(MONO_WHITE_LINE);
    else if (row.every((b) => b === 0xff)) out.push(MONO_BLACK_LINE);
    else {
      // "the first byte indicates the number of useful bytes … the index of the last byte".
      out.push(last + 1);
      for (let i = 0; i <= last; i++) out.push(row[i]!);
    }
  }
  return {
    firstLine: 0,
    lineCount: PANEL_LINES,
    data: Uint8Array.from(out),
  };
}

/** Inverse of `compressMonoPanel`: a whole 1016 × 81-byte panel. Throws RangeError on bad data. */
export function decompressMonoPanel(firstLine: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(PANEL_LINES * MONO_BYTES_PER_LINE);
  let line = firstLine;
  let i = 0;
  while (i < data.length) {
    if (line >= PANEL_LINES) throw new RangeError('mono data runs past the last line');
    const first = data[i++]!;
    const at = line * MONO_BYTES_PER_LINE;
    if (first === MONO_BLACK_LINE) out.fill(0xff, at, at + MONO_BYTES_PER_LINE);
    else if (first !== MONO_WHITE_LINE) {
      if (first > MONO_BYTES_PER_LINE) throw new RangeError(`mono line of ${first} bytes`);
      if (i + first > data.length) throw new RangeError('mono line cut short');
      out.set(data.subarray(i, i + first), at);
      i += first;
    }
    line++;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Y, M, C panels: 7-bit levels, one byte per isolated dot or two per run (guide §4
// "Compression of the YMC panels"); a run with counter 0 ends the line: the rest is blank.

export function compressColourPanel(
  levels: Uint8Array,
): { firstLine: number; lineCount: number; data: Uint8Array } | undefined {
  if (levels.length !== PANEL_LINES * DOTS_PER_LINE) throw new RangeError('colour panel size');
  const range = inkedLineRange(PANEL_LINES, (line) =>
    levels.subarray(line * DOTS_PER_LINE, (line + 1) * DOTS_PER_LINE).some((v) => v !== 0),
  );
  if (!range) return undefined;
  const out: number[] = [];
  for (let line = 0; line < PANEL_LINES; line++) {
    const row = levels.subarray(line * DOTS_PER_LINE, (line + 1) * DOTS_PER_LINE);
    let last = DOTS_PER_LINE - 1;
    while (last >= 0 && row[last] === 0) last--;
    let i = 0;
    while (i <= last) {
      const value = Math.min(row[i]!, COLOUR_MAX_LEVEL);
      let run = 1;
      while (
        i + run <= last &&
        run < MAX_RUN &&
        Math.min(row[i + run]!, COLOUR_MAX_LEVEL) === value
      )
        run++;
      if (run === 1) out.push(value);
      else out.push(RUN_FLAG | value, run);
      i += run;
    }
    if (last < DOTS_PER_LINE - 1) out.push(RUN_FLAG, 0);
  }
  return {
    firstLine: 0,
    lineCount: PANEL_LINES,
    data: Uint8Array.from(out),
  };
}

/**
 * Inverse of `compressColourPanel` for any documented depth (guide p. 5): `bits` 7 (128
 * levels), 6 or 5. In the 6- and 5-bit modes the run byte's bits 6 (and 5) each add 256 to
 * the counter. Returns 1016 × 648 levels; throws RangeError on bad data.
 */
export function decompressColourPanel(firstLine: number, data: Uint8Array, bits = 7): Uint8Array {
  if (bits !== 5 && bits !== 6 && bits !== 7) throw new RangeError(`colour depth ${bits}`);
  const valueMask = (1 << bits) - 1;
  const out = new Uint8Array(PANEL_LINES * DOTS_PER_LINE);
  let line = firstLine;
  let dot = 0;
  let i = 0;
  const endLine = (): void => {
    line++;
    dot = 0;
  };
  while (i < data.length) {
    if (line >= PANEL_LINES) throw new RangeError('colour data runs past the last line');
    const byte = data[i++]!;
    if ((byte & RUN_FLAG) === 0) {
      out[line * DOTS_PER_LINE + dot] = byte & valueMask;
      dot++;
    } else {
      if (i >= data.length) throw new RangeError('colour run without a counter');
      let count = data[i++]!;
      // Bits between the flag and the value extend the counter by 256 each (5/6-bit modes).
      for (let b = bits; b < 7; b++) if (byte & (1 << b)) count += 256;
      if (count === 0) {
        endLine();
        continue;
      }
      if (dot + count > DOTS_PER_LINE) throw new RangeError('colour run past the end of a line');
      const at = line * DOTS_PER_LINE + dot;
      out.fill(byte & valueMask, at, at + count);
      dot += count;
    }
    if (dot === DOTS_PER_LINE) endLine();
  }
  if (dot !== 0) throw new RangeError('colour data ends inside a line');
  return out;
}

function inkedLineRange(
  lines: number,
  inked: (line: number) => boolean,
): { first: number; last: number } | undefined {
  let first = -1;
  let last = -1;
  for (let line = 0; line < lines; line++) {
    if (inked(line)) {
      if (first < 0) first = line;
      last = line;
    }
  }
  return first < 0 ? undefined : { first, last };
}

/** Back to RGBA (for checks and previews): what the printer would lay down, ink as colour. */
export function panelsToRaster(panels: Partial<Record<PanelName, Uint8Array>>): RasterImage {
  const rgba = new Uint8Array(CARD_WIDTH_PX * CARD_HEIGHT_PX * 4);
  for (let y = 0; y < CARD_HEIGHT_PX; y++) {
    for (let x = 0; x < CARD_WIDTH_PX; x++) {
      const line = x;
      const dot = DOTS_PER_LINE - 1 - y;
      const o = (y * CARD_WIDTH_PX + x) * 4;
      const k = panels.k
        ? (panels.k[line * MONO_BYTES_PER_LINE + (dot >> 3)]! >> (7 - (dot & 7))) & 1
        : 0;
      if (k) {
        rgba.set([0, 0, 0, 255], o);
        continue;
      }
      const level = (p: Uint8Array | undefined): number => (p ? p[line * DOTS_PER_LINE + dot]! : 0);
      const toChannel = (v: number): number => Math.round(255 - (v * 255) / COLOUR_MAX_LEVEL);
      rgba.set(
        [toChannel(level(panels.c)), toChannel(level(panels.m)), toChannel(level(panels.y)), 255],
        o,
      );
    }
  }
  return { widthPx: CARD_WIDTH_PX, heightPx: CARD_HEIGHT_PX, rgba };
}
