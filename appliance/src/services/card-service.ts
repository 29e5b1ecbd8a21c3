/**
 * Card objects for staff: list and look up (never with their sealed secrets), and revoke a
 * card that was lost, stolen, returned or damaged through the card lifecycle table (the
 * lifecycle service revokes the certificate at once, so the next CRL lists it, records the
 * new status with history and audit, and puts the change at the front of the outbox).
 */
import type { CardEvent } from '../core/card/card-guards.js';
import { DomainError, NotFoundError } from '../core/errors.js';
import type { Clock } from '../core/ports.js';
import type { CardRecord } from '../core/records.js';
import type { Actor } from '../core/roles.js';
import type { CardQuery, Store } from '../core/store-ports.js';
import type { CardLifecycleService } from './card-lifecycle-service.js';
import type { CertificateRevocation } from './ports.js';
import { withoutSecrets } from './request-service.js';
import type { DomainEvents } from './domain-events.js';

export type PublicCard = Omit<CardRecord, 'pinSealed' | 'pukSealed'>;

export const CARD_REVOCATION_REASONS = ['lost', 'stolen', 'returned', 'damaged'] as const;
export type CardRevocationReason = (typeof CARD_REVOCATION_REASONS)[number];

/** Revocations jump the outbox queue. */
export const REVOCATION_PRIORITY = 0;

export class CardService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly ca: CertificateRevocation | null,
    private readonly events: DomainEvents | undefined,
    private readonly lifecycle: CardLifecycleService,
  ) {}

  async list(q: CardQuery): Promise<PublicCard[]> {
    return (await this.store.read((tx) => tx.cards.list(q))).map(withoutSecrets);
  }

  async get(id: string): Promise<PublicCard> {
    const card = await this.store.read((tx) => tx.cards.get(id));
    if (!card) throw new NotFoundError('card', id);
    return withoutSecrets(card);
  }

  /**
   * `POST /api/cards/:id/revoke` and the revocations of sync and visits, through the lifecycle
   * table: lost, stolen and damaged are its `revoke` event (the reason picks the CRL reason),
   * returned its `return` event; who may, in which status, is the table's to say. The outbox
   * payload keeps this API's reason and note.
   */
  async revoke(
    actor: Actor,
    cardId: string,
    reason: CardRevocationReason,
    note?: string,
  ): Promise<PublicCard> {
    const trimmed = note?.trim();
    const event: CardEvent =
      reason === 'returned'
        ? { type: 'return', ...(trimmed ? { reason: trimmed } : {}) }
        : { type: 'revoke', revokeReason: reason, ...(trimmed ? { reason: trimmed } : {}) };
    const { card } = await this.lifecycle.apply(cardId, event, actor, {
      details: { reason, ...(trimmed ? { note: trimmed } : {}) },
    });
    this.events?.emit('device.changed');
    return card;
  }

  async crlDer(): Promise<Uint8Array> {
    if (!this.ca)
      throw new DomainError('SERVICE_UNAVAILABLE', 'no certificate authority is configured');
    return this.ca.currentCrlDer();
  }

  async deltaCrlDer(): Promise<Uint8Array> {
    if (!this.ca)
      throw new DomainError('SERVICE_UNAVAILABLE', 'no certificate authority is configured');
    return this.ca.currentDeltaCrlDer();
  }

  async chainPem(): Promise<string> {
    if (!this.ca)
      throw new DomainError('SERVICE_UNAVAILABLE', 'no certificate authority is configured');
    return this.ca.chainPem();
  }
}
