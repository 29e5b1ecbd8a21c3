/**
 * Card layouts: artwork for the printer and PNG previews for staff. `cardArtworkRenderer` has
 * the shape of the production service's renderer port.
 */

export {
  CardLayoutError,
  renderCardArtwork,
  renderCardPreviewPng,
  type CardLayoutInput,
  type CardSide,
  type CardType,
} from './card-layout.js';

export { cardArtworkRenderer } from './lazy-card-artwork-renderer.js';
