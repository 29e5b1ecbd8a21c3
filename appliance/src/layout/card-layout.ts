/**
 * Card artwork and previews from a card's data: fills the SVG template of its card type
 * (`card-templates.ts`) and renders it with resvg at the printer's 300 dpi. The result is the
 * `CardArtwork` the printer driver takes (RGBA, 1016 × 648 per side) or a PNG for staff to see
 * before production. No Fastify, SQLite or concrete driver here: only the driver's types.
 *
 * Fonts: DejaVu Sans, loaded from files so that a card renders the same on every device
 * whatever else is installed.
 */

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Resvg as ResvgClass } from '@resvg/resvg-js';
import type { CardArtwork, RasterImage } from '../../../drivers/printer/card-printer.js';
import {
  CARD_HEIGHT_DOTS,
  CARD_TYPES_WITH_BACK,
  CARD_WIDTH_DOTS,
  CardLayoutError,
  backSvg,
  frontSvg,
  validateLayoutInput,
  type CardLayoutInput,
  type CardSide,
} from './card-templates.js';

export {
  CardLayoutError,
  type CardLayoutInput,
  type CardSide,
  type CardType,
} from './card-templates.js';

/**
 * DejaVu from the `dejavu-fonts-ttf` npm package, so that a fresh install renders cards
 * without any system font package and every device renders them alike.
 */
export const FONT_DIR =
  process.env.CARDKIOSK_FONT_DIR ??
  join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSansMono.ttf'];

function fontFiles(): string[] {
  const files = FONT_FILES.map((f) => join(FONT_DIR, f));
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length > 0) {
    throw new CardLayoutError(
      `card fonts missing (${missing.join(', ')}): reinstall the npm package dejavu-fonts-ttf or set CARDKIOSK_FONT_DIR`,
    );
  }
  return files;
}

/**
 * The renderer's native module, loaded on the first card drawn rather than at start: loading it
 * was ~80 ms of a start on this machine (more on a Pi) and resident memory the whole time, for
 * work that only production and previews do.
 */
let resvgModule: Promise<typeof ResvgClass> | null = null;
function loadResvg(): Promise<typeof ResvgClass> {
  resvgModule ??= import('@resvg/resvg-js').then(
    (m) => (m as { Resvg?: typeof ResvgClass }).Resvg ?? m.default.Resvg,
    (err: unknown) => {
      resvgModule = null; // a later card tries again
      throw err;
    },
  );
  return resvgModule;
}

async function render(svg: string): Promise<{ raster: RasterImage; png: () => Buffer }> {
  const Resvg = await loadResvg();
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'original' },
    font: { fontFiles: fontFiles(), loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' },
    background: '#ffffff',
  });
  const image = resvg.render();
  if (image.width !== CARD_WIDTH_DOTS || image.height !== CARD_HEIGHT_DOTS) {
    throw new CardLayoutError(
      `rendered ${image.width}×${image.height}, expected ${CARD_WIDTH_DOTS}×${CARD_HEIGHT_DOTS}`,
    );
  }
  return {
    raster: { widthPx: image.width, heightPx: image.height, rgba: new Uint8Array(image.pixels) },
    png: () => image.asPng(),
  };
}

function svgFor(input: CardLayoutInput, side: CardSide): string {
  if (side === 'back' && !CARD_TYPES_WITH_BACK.has(input.cardType)) {
    throw new CardLayoutError(`${input.cardType} cards have no back`);
  }
  return side === 'front' ? frontSvg(input) : backSvg(input);
}

/** The artwork to print: front, and back for card types printed on both sides. */
export async function renderCardArtwork(input: CardLayoutInput): Promise<CardArtwork> {
  validateLayoutInput(input);
  const front = (await render(svgFor(input, 'front'))).raster;
  if (!CARD_TYPES_WITH_BACK.has(input.cardType)) return { front };
  return { front, back: (await render(svgFor(input, 'back'))).raster };
}

/** A PNG of one side (`input.side`, default front) at print resolution, for the staff preview. */
export async function renderCardPreviewPng(input: CardLayoutInput): Promise<Buffer> {
  validateLayoutInput(input);
  return (await render(svgFor(input, input.side ?? 'front'))).png();
}
