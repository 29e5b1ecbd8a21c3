import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import {
  CardLayoutError,
  renderCardArtwork,
  renderCardPreviewPng,
  type CardLayoutInput,
} from '../../../appliance/src/layout/card-layout.js';
import {
  CARD_TYPE_STYLE,
  escapeXml,
  fitFontSize,
} from '../../../appliance/src/layout/card-templates.js';
import type { RasterImage } from '../../../drivers/printer/card-printer.js';
import { encodeCardPanels } from '../../../drivers/printer/panel-encoder.js';

const base: CardLayoutInput = {
  cardType: 'employee',
  holderName: 'Grace Hopper',
  company: 'Navy Computing <&> Co',
  cardNumber: '4000123456',
  validFrom: '2025-11-26',
  validUntil: '2026-11-25',
  siteName: 'Lobby North',
};

function pixel(image: RasterImage, x: number, y: number): number[] {
  const o = (y * image.widthPx + x) * 4;
  return Array.from(image.rgba.subarray(o, o + 4));
}

function hex(color: string): number[] {
  return [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
}

/** A small solid PNG to stand in for a photo. */
function solidPng(color: string): Uint8Array {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="30" height="40"><rect width="30" height="40" fill="${color}"/></svg>`;
  return new Uint8Array(new Resvg(svg).render().asPng());
}

describe('renderCardArtwork', () => {
  it.each(['employee', 'contractor', 'visitor'] as const)(
    'renders a %s card at 1016 × 648 with its colour band',
    async (cardType) => {
      const art = await renderCardArtwork({ ...base, cardType });
      expect(art.front).toMatchObject({ widthPx: 1016, heightPx: 648 });
      expect(art.front.rgba.length).toBe(1016 * 648 * 4);
      expect(pixel(art.front, 500, 110).slice(0, 3)).toEqual(hex(CARD_TYPE_STYLE[cardType].band));
      expect(art.back !== undefined).toBe(cardType !== 'visitor');
    },
  );

  it('draws text and the QR code in pure black without grey edges, so they go to the K panel', async () => {
    const art = await renderCardArtwork(base);
    let grey = 0;
    let black = 0;
    const { rgba } = art.front;
    for (let i = 0; i < rgba.length; i += 4) {
      const [r, g, b] = [rgba[i]!, rgba[i + 1]!, rgba[i + 2]!];
      if (r === 0 && g === 0 && b === 0) black++;
      else if (r === g && g === b && r > 24 && r < 250) grey++;
    }
    expect(black).toBeGreaterThan(10_000);
    expect(grey).toBe(0);
    // The outer ring of the QR code's top-left finder pattern (7-dot modules, 21-dot offset).
    expect(pixel(art.front, 1016 - 40 - 190 + 24, 648 - 40 - 190 + 24).slice(0, 3)).toEqual([
      0, 0, 0,
    ]);
  });

  it('places the photo when there is one and leaves the area white otherwise', async () => {
    const withPhoto = await renderCardArtwork({
      ...base,
      photo: { mimeType: 'image/png', data: solidPng('#c83232') },
    });
    expect(pixel(withPhoto.front, 170, 330).slice(0, 3)).toEqual([200, 50, 50]);
    const without = await renderCardArtwork(base);
    expect(pixel(without.front, 170, 330).slice(0, 3)).toEqual([255, 255, 255]);
  });

  it("prints the site's logo on a tile in the band and its accent colour under the band", async () => {
    const plain = await renderCardArtwork(base);
    const branded = await renderCardArtwork({
      ...base,
      siteLogo: { mimeType: 'image/png', data: solidPng('#c00000') },
      accentColor: '#7a1fa2',
    });
    const band = hex(CARD_TYPE_STYLE.employee.band);
    // The logo's middle (tile at x 40..136, y 12..108) in its own colour, the band without it.
    expect(pixel(branded.front, 88, 25).slice(0, 3)).toEqual(hex('#c00000'));
    expect(pixel(plain.front, 88, 25).slice(0, 3)).toEqual(band);
    // The stripe (y 120..134) across the card, white without an accent colour.
    for (const x of [10, 500, 1000])
      expect(pixel(branded.front, x, 127).slice(0, 3)).toEqual(hex('#7a1fa2'));
    expect(pixel(plain.front, 500, 127).slice(0, 3)).toEqual([255, 255, 255]);
    // The photo, name and the rest of the card do not move.
    expect(pixel(branded.front, 500, 300)).toEqual(pixel(plain.front, 500, 300));
  });

  it('refuses an accent colour that is not #rrggbb and a logo that is not PNG or JPEG', async () => {
    await expect(
      renderCardArtwork({ ...base, accentColor: '#fff" onload="x' }),
    ).rejects.toBeInstanceOf(CardLayoutError);
    await expect(
      renderCardArtwork({
        ...base,
        siteLogo: { mimeType: 'image/svg+xml', data: new Uint8Array([60]) },
      }),
    ).rejects.toBeInstanceOf(CardLayoutError);
  });

  it('needs far fewer bytes on the line than raw panels for every card type', async () => {
    for (const cardType of ['employee', 'contractor', 'visitor'] as const) {
      const encoded = encodeCardPanels(await renderCardArtwork({ ...base, cardType }), {
        ribbon: 'ymcko',
      });
      expect(encoded.payloadBytes).toBeLessThan(encoded.rawBytes * 0.1);
    }
  });

  it.each([
    [{ holderName: '  ' }, 'holder name'],
    [{ cardNumber: '' }, 'card number'],
    [{ validUntil: '25-11-2026' }, 'validUntil'],
    [{ photo: { mimeType: 'image/gif', data: new Uint8Array(3) } }, 'PNG or JPEG'],
  ] as const)('refuses bad input %j', async (patch, message) => {
    await expect(renderCardArtwork({ ...base, ...patch } as CardLayoutInput)).rejects.toThrow(
      CardLayoutError,
    );
    await expect(renderCardArtwork({ ...base, ...patch } as CardLayoutInput)).rejects.toThrow(
      message,
    );
  });
});

describe('renderCardPreviewPng', () => {
  it('renders the requested side as a PNG', async () => {
    const front = await renderCardPreviewPng(base);
    const back = await renderCardPreviewPng({ ...base, side: 'back' });
    const signature = [0x89, 0x50, 0x4e, 0x47];
    expect(Array.from(front.subarray(0, 4))).toEqual(signature);
    expect(Array.from(back.subarray(0, 4))).toEqual(signature);
    expect(front.equals(back)).toBe(false);
  });

  it('refuses the back of a single-sided visitor badge', async () => {
    await expect(
      renderCardPreviewPng({ ...base, cardType: 'visitor', side: 'back' }),
    ).rejects.toThrow(CardLayoutError);
  });
});

describe('template helpers', () => {
  it('escapes markup in names', () => {
    expect(escapeXml(`<a href="x">&'`)).toBe('&#60;a href=&#34;x&#34;&#62;&#38;&#39;');
  });

  it('shrinks long names to fit and keeps short ones at the maximum', () => {
    expect(fitFontSize('Ann', 600, 60)).toBe(60);
    const long = 'Maximiliane Theodora von Hohenzollern-Sigmaringen';
    expect(fitFontSize(long, 600, 60)).toBeLessThan(60);
    expect(fitFontSize(long, 600, 60) * long.length * 0.62).toBeLessThanOrEqual(600);
  });
});
