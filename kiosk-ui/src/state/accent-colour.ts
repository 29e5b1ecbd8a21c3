/**
 * The text colour to put on a site's configured accent colour: white where it reads at WCAG
 * 2.2 AA (4.5:1 for normal text), black otherwise. A site picks its colour for its brand, not
 * for contrast; this keeps the attract screen readable whatever it picked.
 */

function channel(c: number): number {
  const s = c / 255;
  return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

/** WCAG relative luminance of `#rrggbb`. */
export function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return 0.2126 * channel(r!) + 0.7152 * channel(g!) + 0.0722 * channel(b!);
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

export function textColourOn(accent: string): '#ffffff' | '#000000' {
  return contrast(accent, '#ffffff') >= 4.5 ? '#ffffff' : '#000000';
}
