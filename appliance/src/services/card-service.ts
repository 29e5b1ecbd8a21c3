/** Card objects for staff views: list and look up, never with their sealed secrets. */
import { NotFoundError } from '../core/errors.js';
import type { CardRecord } from '../core/records.js';
import type { CardQuery, Store } from '../core/store-ports.js';
import { withoutSecrets } from './request-service.js';

export type PublicCard = Omit<CardRecord, 'pinSealed' | 'pukSealed'>;

export class CardService {
  constructor(private readonly store: Store) {}

  async list(q: CardQuery): Promise<PublicCard[]> {
    return (await this.store.read((tx) => tx.cards.list(q))).map(withoutSecrets);
  }

  async get(id: string): Promise<PublicCard> {
    const card = await this.store.read((tx) => tx.cards.get(id));
    if (!card) throw new NotFoundError('card', id);
    return withoutSecrets(card);
  }
}
