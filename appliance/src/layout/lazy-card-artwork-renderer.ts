/**
 * The production service's renderer port, with the layout code (templates, the QR encoder,
 * the SVG rasteriser) loaded on the first card or preview rather than at every start of the
 * service: most starts print nothing before the kiosk's first screen is up.
 */
import type { CardArtwork } from '../../../drivers/printer/card-printer.js';
import type { CardLayoutInput, CardSide } from './card-layout.js';

const layout = () => import('./card-layout.js');

export const cardArtworkRenderer = {
  render: async (input: CardLayoutInput): Promise<CardArtwork> =>
    (await layout()).renderCardArtwork(input),
  preview: async (input: CardLayoutInput, side: CardSide): Promise<Buffer> =>
    (await layout()).renderCardPreviewPng({ ...input, side }),
};
