/**
 * A backlog of outbox events as a device offline for a long time would have: per card, its
 * holder created, the card object generated, produced and collected. Written straight into
 * the store, as the workflow would, for the SIGKILL test and the bench.
 */
import { randomUUID } from 'node:crypto';
import type { Store } from '../../appliance/src/core/store-ports.js';

/** Adds 4 events per card; returns how many events were added. */
export async function seedBacklog(store: Store, cards: number, at = new Date()): Promise<number> {
  const iso = at.toISOString();
  let added = 0;
  const CHUNK = 250;
  for (let start = 0; start < cards; start += CHUNK) {
    await store.transaction(async (tx) => {
      for (let i = start; i < Math.min(cards, start + CHUNK); i++) {
        const personId = randomUUID();
        const cardId = randomUUID();
        const requestId = randomUUID();
        const cardNumber = String(10_000_000 + i);
        await tx.outbox.add(
          {
            aggregateType: 'person',
            aggregateId: personId,
            type: 'person.created',
            payload: { personId, kind: 'visitor', name: `Visitor ${i}`, at: iso },
          },
          iso,
        );
        await tx.outbox.add(
          {
            aggregateType: 'card',
            aggregateId: cardId,
            type: 'card.generated',
            payload: {
              cardId,
              requestId,
              personId,
              cardNumber,
              cardType: 'visitor',
              idType: 'physical',
              status: 'generated',
              validFrom: '2026-11-26',
              validUntil: '2026-11-27',
            },
          },
          iso,
        );
        for (const status of ['produced', 'collected']) {
          await tx.outbox.add(
            {
              aggregateType: 'card',
              aggregateId: cardId,
              type: 'card.status_changed',
              payload: { cardId, cardNumber, requestId, status, at: iso },
            },
            iso,
          );
        }
        added += 4;
      }
    });
  }
  return added;
}
