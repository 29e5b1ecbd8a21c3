/**
 * Card objects for staff: list and look up (never with their sealed secrets), and revoke a
 * card that was lost, stolen, returned or damaged. Revocation revokes the card's certificate
 * at once (so the next CRL lists it), records the new status, and puts the change at the
 * front of the outbox so the central Identity Manager learns it first.
 */
import { ConflictError, DomainError, ForbiddenError, NotFoundError } from '../core/errors.js';
import type { Clock } from '../core/ports.js';
import type { CardRecord } from '../core/records.js';
import { actorLabel, type Actor, type StaffRole } from '../core/roles.js';
import type { CardQuery, Store } from '../core/store-ports.js';
import { recordCardStatus } from './card-object-factory.js';
import type { CertificateRevocation, RevocationReason } from './ports.js';
import { withoutSecrets } from './request-service.js';
import type { DomainEvents } from './domain-events.js';

export type PublicCard = Omit<CardRecord, 'pinSealed' | 'pukSealed'>;

export const CARD_REVOCATION_REASONS = ['lost', 'stolen', 'returned', 'damaged'] as const;
export type CardRevocationReason = (typeof CARD_REVOCATION_REASONS)[number];

/** RFC 5280 reason codes: a lost or stolen card's key may be in other hands. */
const CRL_REASON: Record<CardRevocationReason, RevocationReason> = {
  lost: 'keyCompromise',
  stolen: 'keyCompromise',
  returned: 'cessationOfOperation',
  damaged: 'superseded',
};

const REVOKERS: readonly StaffRole[] = [
  'security_staff',
  'card_production_admin',
  'registration_officer',
];
const REVOCABLE: readonly CardRecord['status'][] = ['produced', 'collected', 'active', 'suspended'];
/** Revocations jump the outbox queue. */
export const REVOCATION_PRIORITY = 0;

export class CardService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly ca: CertificateRevocation | null,
    private readonly events?: DomainEvents,
  ) {}

  async list(q: CardQuery): Promise<PublicCard[]> {
    return (await this.store.read((tx) => tx.cards.list(q))).map(withoutSecrets);
  }

  async get(id: string): Promise<PublicCard> {
    const card = await this.store.read((tx) => tx.cards.get(id));
    if (!card) throw new NotFoundError('card', id);
    return withoutSecrets(card);
  }

  async revoke(
    actor: Actor,
    cardId: string,
    reason: CardRevocationReason,
    note?: string,
  ): Promise<PublicCard> {
    // A revocation done in the central Identity Manager reaches the device through sync.
    // The system returns a badge at sign-out and revokes one that never came back.
    const allowed =
      actor.kind === 'central' ||
      (actor.kind === 'system' && (reason === 'returned' || reason === 'lost')) ||
      (actor.kind === 'staff' && REVOKERS.some((r) => actor.roles.includes(r)));
    if (!allowed) {
      throw new ForbiddenError(`revoking a card needs one of the roles: ${REVOKERS.join(', ')}`);
    }
    const card = await this.store.read((tx) => tx.cards.get(cardId));
    if (!card) throw new NotFoundError('card', cardId);
    if (!REVOCABLE.includes(card.status))
      throw new ConflictError(`card ${card.cardNumber} is ${card.status} and cannot be revoked`);
    const at = this.clock.now();
    if (card.certificateSerial) {
      if (!this.ca)
        throw new DomainError(
          'SERVICE_UNAVAILABLE',
          'no certificate authority is configured to revoke this card’s certificate',
        );
      // Certificate first: if the database write below fails, a retry finds it already revoked.
      await this.ca.revoke(card.certificateSerial, CRL_REASON[reason], at);
    }
    const status = reason === 'returned' ? 'returned' : 'revoked';
    const updated = await this.store.transaction(async (tx) => {
      const current = await tx.cards.get(cardId);
      if (!current || !REVOCABLE.includes(current.status))
        throw new ConflictError(`card ${card.cardNumber} changed meanwhile`);
      const iso = at.toISOString();
      // A card revoked before it was handed over keeps no PIN.
      await tx.cards.update(cardId, { revocationReason: reason, pinSealed: null });
      await recordCardStatus(
        tx,
        current,
        status,
        actorLabel(actor),
        iso,
        {
          reason,
          ...(note ? { note } : {}),
          certificateSerial: card.certificateSerial,
          crlReason: card.certificateSerial ? CRL_REASON[reason] : null,
        },
        { priority: REVOCATION_PRIORITY },
      );
      return (await tx.cards.get(cardId)) as CardRecord;
    });
    this.events?.emit('device.changed');
    return withoutSecrets(updated);
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
