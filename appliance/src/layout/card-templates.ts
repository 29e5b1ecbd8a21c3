/**
 * The card layouts as SVG templates, one front (and a back where the card type has one) per
 * card type, at the printer's resolution: a CR-80 card is 1016 × 648 dots at 300 dpi, so one
 * SVG unit is one printer dot. Pure string building: no rendering, no I/O.
 *
 * Black content (text, QR code) is drawn in pure #000 without anti-aliasing
 * (`text-rendering="optimizeSpeed"`, `shape-rendering="crispEdges"`) so that the panel
 * encoder can put it on the printer's 1-bit K panel instead of three colour panels.
 */

import QRCode from 'qrcode';
import type { CardLayoutInput as CardLayoutPortInput } from '../services/ports.js';

export type CardType = CardLayoutPortInput['cardType'];
export type CardSide = 'front' | 'back';

/** What the production service passes (its renderer port), plus the side for previews. */
export interface CardLayoutInput extends CardLayoutPortInput {
  /** For previews: which side to show. Default 'front'. */
  side?: CardSide;
}

export const CARD_WIDTH_DOTS = 1016;
export const CARD_HEIGHT_DOTS = 648;

/** The colour band of each card type (and its label), so that guards tell them apart at a glance. */
export const CARD_TYPE_STYLE: Readonly<Record<CardType, { band: string; label: string }>> = {
  employee: { band: '#0b5fa5', label: 'EMPLOYEE' },
  contractor: { band: '#e07b00', label: 'CONTRACTOR' },
  visitor: { band: '#1e8e3e', label: 'VISITOR' },
};

/** Card types printed on both sides. Visitor badges are single-sided: they come back daily. */
export const CARD_TYPES_WITH_BACK: ReadonlySet<CardType> = new Set(['employee', 'contractor']);

const PHOTO_MIME_TYPES = new Set(['image/png', 'image/jpeg']);
const BAND_HEIGHT = 120;
const MARGIN = 40;
const PHOTO = { x: MARGIN, y: BAND_HEIGHT + 40, width: 270, height: 340 };
const QR_SIZE = 190;
/** The site logo sits on a white tile at the band's left, so any logo reads on any band. */
const LOGO_TILE = { x: MARGIN, y: 12, size: 96, inset: 6 };
/** The site's accent colour: a stripe under the band, below the card type's colour. */
export const ACCENT_STRIPE = { y: BAND_HEIGHT, height: 14 };
/** Rough advance of a DejaVu Sans glyph as a share of the font size, to shrink long names. */
const GLYPH_ADVANCE_EM = 0.62;

const BLACK = 'fill="#000" text-rendering="optimizeSpeed"';

export class CardLayoutError extends Error {
  override readonly name = 'CardLayoutError';
  readonly code = 'CARD_LAYOUT_INVALID';
}

export function validateLayoutInput(input: CardLayoutInput): void {
  if (!(input.cardType in CARD_TYPE_STYLE))
    throw new CardLayoutError(`unknown card type ${String(input.cardType)}`);
  if (input.holderName.trim() === '') throw new CardLayoutError('holder name is empty');
  if (input.cardNumber.trim() === '') throw new CardLayoutError('card number is empty');
  for (const [field, value] of [
    ['validFrom', input.validFrom],
    ['validUntil', input.validUntil],
  ] as const) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value))
      throw new CardLayoutError(`${field} must be YYYY-MM-DD`);
  }
  if (input.photo && !PHOTO_MIME_TYPES.has(input.photo.mimeType)) {
    throw new CardLayoutError(`photo must be PNG or JPEG, not ${input.photo.mimeType}`);
  }
  if (input.siteLogo && !PHOTO_MIME_TYPES.has(input.siteLogo.mimeType)) {
    throw new CardLayoutError(`site logo must be PNG or JPEG, not ${input.siteLogo.mimeType}`);
  }
  // It goes into an SVG attribute: only #rrggbb, never anything that could end the attribute.
  if (input.accentColor !== undefined && !/^#[0-9a-fA-F]{6}$/.test(input.accentColor)) {
    throw new CardLayoutError('accent colour must be #rrggbb');
  }
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Largest font size (≤ max) at which `text` fits `width` dots. */
export function fitFontSize(text: string, width: number, max: number, min = 18): number {
  const fitting = Math.floor(width / (Math.max(text.length, 1) * GLYPH_ADVANCE_EM));
  return Math.max(min, Math.min(max, fitting));
}

/** The card number as a QR code: black modules as one crisp path. */
export function qrCodePath(text: string, x: number, y: number, size: number): string {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const quiet = 2;
  const module = Math.floor(size / (n + 2 * quiet));
  const offset = Math.floor((size - module * n) / 2);
  let d = '';
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) {
      if (qr.modules.get(row, col))
        d += `M${x + offset + col * module} ${y + offset + row * module}h${module}v${module}h-${module}z`;
    }
  }
  return `<path d="${d}" fill="#000" shape-rendering="crispEdges"/>`;
}

function text(
  x: number,
  y: number,
  size: number,
  content: string,
  options: { bold?: boolean; mono?: boolean; anchor?: string; fill?: string } = {},
): string {
  const family = options.mono ? 'DejaVu Sans Mono' : 'DejaVu Sans';
  const weight = options.bold ? ' font-weight="bold"' : '';
  const anchor = options.anchor ? ` text-anchor="${options.anchor}"` : '';
  const fill = options.fill ? `fill="${options.fill}" text-rendering="optimizeSpeed"` : BLACK;
  return `<text x="${x}" y="${y}" font-family="${family}" font-size="${size}"${weight}${anchor} ${fill}>${escapeXml(content)}</text>`;
}

function dataUri(photo: { mimeType: string; data: Uint8Array }): string {
  return `data:${photo.mimeType};base64,${Buffer.from(photo.data).toString('base64')}`;
}

export function frontSvg(input: CardLayoutInput): string {
  const style = CARD_TYPE_STYLE[input.cardType];
  const parts: string[] = [];
  parts.push(`<rect width="${CARD_WIDTH_DOTS}" height="${CARD_HEIGHT_DOTS}" fill="#fff"/>`);
  // The card type's colour band, with the site and the type in paper white (no ink).
  parts.push(`<rect width="${CARD_WIDTH_DOTS}" height="${BAND_HEIGHT}" fill="${style.band}"/>`);
  if (input.accentColor)
    parts.push(
      `<rect y="${ACCENT_STRIPE.y}" width="${CARD_WIDTH_DOTS}" height="${ACCENT_STRIPE.height}" fill="${input.accentColor}"/>`,
    );
  let siteX = MARGIN;
  if (input.siteLogo) {
    const { x, y, size, inset } = LOGO_TILE;
    parts.push(
      `<rect x="${x}" y="${y}" width="${size}" height="${size}" rx="10" fill="#fff"/>`,
      `<image x="${x + inset}" y="${y + inset}" width="${size - 2 * inset}" height="${size - 2 * inset}" preserveAspectRatio="xMidYMid meet" href="${dataUri(input.siteLogo)}"/>`,
    );
    siteX = x + size + 24;
  }
  parts.push(
    text(siteX, 78, fitFontSize(input.siteName, 600 - siteX, 44), input.siteName, {
      bold: true,
      fill: '#fff',
    }),
  );
  parts.push(
    text(CARD_WIDTH_DOTS - MARGIN, 80, 48, style.label, {
      bold: true,
      anchor: 'end',
      fill: '#fff',
    }),
  );

  let left = MARGIN;
  if (input.photo) {
    parts.push(
      `<clipPath id="photo"><rect x="${PHOTO.x}" y="${PHOTO.y}" width="${PHOTO.width}" height="${PHOTO.height}"/></clipPath>`,
      `<image x="${PHOTO.x}" y="${PHOTO.y}" width="${PHOTO.width}" height="${PHOTO.height}" preserveAspectRatio="xMidYMid slice" clip-path="url(#photo)" href="${dataUri(input.photo)}"/>`,
    );
    left = PHOTO.x + PHOTO.width + 36;
  }
  const textWidth = CARD_WIDTH_DOTS - left - MARGIN;
  parts.push(
    text(left, BAND_HEIGHT + 90, fitFontSize(input.holderName, textWidth, 60), input.holderName, {
      bold: true,
    }),
  );
  if (input.company)
    parts.push(
      text(left, BAND_HEIGHT + 150, fitFontSize(input.company, textWidth, 38), input.company),
    );

  const qrX = CARD_WIDTH_DOTS - MARGIN - QR_SIZE;
  const qrY = CARD_HEIGHT_DOTS - MARGIN - QR_SIZE;
  if (input.cardType === 'visitor') {
    // Visitors: the day is what a guard checks from across the lobby, so it is large.
    const sameDay = input.validFrom === input.validUntil;
    parts.push(text(left, BAND_HEIGHT + 230, 30, sameDay ? 'VALID ON' : 'VALID', { bold: true }));
    const dates = sameDay ? input.validFrom : `${input.validFrom} – ${input.validUntil}`;
    parts.push(
      text(left, BAND_HEIGHT + 320, fitFontSize(dates, qrX - left - 20, 86), dates, { bold: true }),
    );
  } else {
    parts.push(text(left, BAND_HEIGHT + 230, 28, `Valid from ${input.validFrom}`));
    parts.push(
      text(left, BAND_HEIGHT + 272, 28, `Valid until ${input.validUntil}`, { bold: true }),
    );
  }
  parts.push(text(left, CARD_HEIGHT_DOTS - MARGIN - 10, 34, input.cardNumber, { mono: true }));
  parts.push(qrCodePath(input.cardNumber, qrX, qrY, QR_SIZE));
  return wrap(parts);
}

export function backSvg(input: CardLayoutInput): string {
  const style = CARD_TYPE_STYLE[input.cardType];
  const parts: string[] = [];
  parts.push(`<rect width="${CARD_WIDTH_DOTS}" height="${CARD_HEIGHT_DOTS}" fill="#fff"/>`);
  parts.push(
    `<rect y="${CARD_HEIGHT_DOTS - 24}" width="${CARD_WIDTH_DOTS}" height="24" fill="${style.band}"/>`,
  );
  parts.push(text(MARGIN, 110, 34, 'This card remains the property of', {}));
  parts.push(
    text(MARGIN, 160, fitFontSize(input.siteName, 900, 40), input.siteName, { bold: true }),
  );
  parts.push(text(MARGIN, 230, 28, 'If found, please return it to the reception desk.'));
  parts.push(
    text(MARGIN, 290, 28, `Card ${input.cardNumber} · valid until ${input.validUntil}`, {}),
  );
  parts.push(qrCodePath(input.cardNumber, CARD_WIDTH_DOTS - MARGIN - QR_SIZE, 330, QR_SIZE));
  return wrap(parts);
}

function wrap(parts: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${CARD_WIDTH_DOTS}" height="${CARD_HEIGHT_DOTS}" viewBox="0 0 ${CARD_WIDTH_DOTS} ${CARD_HEIGHT_DOTS}">${parts.join('')}</svg>`;
}
