/**
 * Card layouts: artwork for the printer and PNG previews for staff. `cardArtworkRenderer` has
 * the shape of the production service's renderer port.
 */

import {
  renderCardArtwork,
  renderCardPreviewPng,
  type CardLayoutInput,
  type CardSide,
} from './card-layout.js';

export {
  CardLayoutError,
  renderCardArtwork,
  renderCardPreviewPng,
  type CardLayoutInput,
  type CardSide,
  type CardType,
} from './card-layout.js';

export const cardArtworkRenderer = {
  render: renderCardArtwork,
  preview: (input: CardLayoutInput, side: CardSide) => renderCardPreviewPng({ ...input, side }),
};
