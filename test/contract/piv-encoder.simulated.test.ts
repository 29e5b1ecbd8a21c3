import { createSimulatedPivEncoder } from '../../drivers/encoder/simulated-piv-encoder.js';
import { SimulatedNonPivCard } from '../../drivers/encoder/simulated-piv-card.js';
import { describePivEncoderContract } from './piv-encoder.contract.js';

describePivEncoderContract('in-process simulated card', async () => {
  const encoder = createSimulatedPivEncoder({ autoFeed: false });
  return {
    encoder,
    insertFreshCard: async () => {
      encoder.removeCard();
      encoder.insertCard();
    },
    removeCard: async () => encoder.removeCard(),
    insertNonPivCard: async () => {
      encoder.removeCard();
      encoder.insertCard(new SimulatedNonPivCard());
    },
    dispose: () => encoder.close(),
  };
});
