/**
 * Escrow the PUKs of cards generated before the centre's escrow key was configured (a device
 * used before provisioning): each PUK is opened with the device key, sealed to the centre,
 * and sent with the card object; if the card can no longer be produced, the device's own copy
 * is destroyed in the same transaction. Runs at start; idempotent.
 */
import type { Clock } from '../core/ports.js';
import { pukEscrowContext, type SecretEscrow } from '../core/secret-escrow.js';
import type { SecretSealer } from '../core/secret-sealer.js';
import type { Store } from '../core/store-ports.js';
import { PUK_NO_LONGER_NEEDED, pukContext } from './card-object-factory.js';
import type { Logger } from './ports.js';

const CARDS_PER_ROUND = 100;

export async function escrowPendingPuks(deps: {
  store: Store;
  sealer: SecretSealer;
  escrow: SecretEscrow;
  clock: Clock;
  log: Logger;
}): Promise<number> {
  const { store, sealer, escrow, clock } = deps;
  let escrowed = 0;
  for (;;) {
    const cards = await store.read((tx) => tx.cards.withoutEscrow(CARDS_PER_ROUND));
    if (cards.length === 0) break;
    for (const card of cards) {
      await store.transaction(async (tx) => {
        const current = await tx.cards.get(card.id);
        if (!current || current.pukEscrow || !current.pukSealed) return;
        const at = clock.now().toISOString();
        const pukEscrow = escrow.seal(
          sealer.open(current.pukSealed, pukContext(current.id)),
          pukEscrowContext(current.id, current.cardNumber),
        );
        const destroy = PUK_NO_LONGER_NEEDED.includes(current.status);
        await tx.cards.update(current.id, {
          pukEscrow,
          updatedAt: at,
          ...(destroy ? { pukSealed: '' } : {}),
        });
        await tx.audit.append(
          {
            actor: 'system',
            action: 'card.puk_escrowed',
            objectType: 'card',
            objectId: current.id,
            details: { cardNumber: current.cardNumber, keyId: escrow.keyId },
          },
          at,
        );
        await tx.outbox.add(
          {
            aggregateType: 'card',
            aggregateId: current.id,
            type: 'card.puk_escrowed',
            payload: {
              cardId: current.id,
              cardNumber: current.cardNumber,
              pukEscrow,
              pukEscrowKeyId: escrow.keyId,
              at,
            },
          },
          at,
        );
        escrowed++;
      });
    }
  }
  if (escrowed)
    deps.log.info({ cards: escrowed }, 'escrowed the PUKs of earlier cards to the centre');
  return escrowed;
}
