/**
 * Seed step 4: the appliance, acting as the local Identity Manager, generates the card
 * object: the next card number from the device's ranges (check digit included), a PIN and a
 * PUK from the cryptographic random source, a CHUID GUID, and the validity. Runs inside the
 * generate_card transaction so the number, the card and the state change commit together.
 * PIN and PUK are sealed before they touch the store and never enter audit or outbox in a
 * form the device can open: the PUK is also escrowed, sealed to the central Identity
 * Manager's key, and that blob travels to the centre with the card object. The device's own
 * copy of the PUK is kept only while the card may still be produced (production writes it to
 * the chip and can be retried) and destroyed in the transaction that ends that.
 */
import { allocateFrom } from '../core/card/card-number.js';
import { generateCardSecrets } from '../core/card/card-secrets.js';
import { cardValidity, type ValidityPolicy } from '../core/card/card-validity.js';
import type { Clock, RandomSource } from '../core/ports.js';
import { CARD_STATUSES, type CardRecord, type RequestRecord } from '../core/records.js';
import { pukEscrowContext, type SecretEscrow } from '../core/secret-escrow.js';
import type { SecretSealer } from '../core/secret-sealer.js';
import type { StoreTx } from '../core/store-ports.js';
import type { ProcessDefinition } from '../core/workflow/processes.js';
import { newId } from './workflow-engine.js';

export interface CardObjectPolicy {
  pinLength: number;
  /** Digits of a card number before its check digit. */
  cardNumberBaseDigits: number;
  validity: ValidityPolicy;
}

export interface CardObjectDeps {
  random: RandomSource;
  sealer: SecretSealer;
  clock: Clock;
  policy: CardObjectPolicy;
  /** The centre's escrow key; null until provisioned (the device then keeps its own copy). */
  escrow?: SecretEscrow | null;
}

/**
 * Once a card is past `generated` (produced, or ended before it), its PUK is never written to
 * a chip by this device again.
 */
export const PUK_NO_LONGER_NEEDED: readonly CardRecord['status'][] = CARD_STATUSES.filter(
  (s) => s !== 'generated',
);

/** Sealing contexts bind a sealed secret to its card. */
export const pinContext = (cardId: string) => `card:${cardId}:pin`;
export const pukContext = (cardId: string) => `card:${cardId}:puk`;

export async function generateCardObject(
  tx: StoreTx,
  request: RequestRecord,
  process: ProcessDefinition,
  at: string,
  deps: CardObjectDeps,
): Promise<CardRecord> {
  const person = await tx.persons.get(request.personId);
  if (!person) throw new Error(`person ${request.personId} of request ${request.id} is missing`);
  const allocation = allocateFrom(await tx.numberRanges.all(), deps.policy.cardNumberBaseDigits);
  await tx.numberRanges.advance(allocation.rangeId, allocation.base + 1);
  const { pin, puk } = generateCardSecrets(
    deps.random,
    allocation.cardNumber,
    deps.policy.pinLength,
  );
  // A temporary card for a forgotten badge is valid today only, whatever its process.
  const temporary = (await tx.cardLifecycle.linkToRequest(request.id))?.kind === 'temporary';
  const validity = temporary
    ? cardValidity('visitor', deps.clock.now(), deps.policy.validity)
    : cardValidity(process.cardType, deps.clock.now(), deps.policy.validity, person.validUntil);
  const id = newId();
  const card: CardRecord = {
    id,
    requestId: request.id,
    cardNumber: allocation.cardNumber,
    cardType: process.cardType,
    idType: process.idType,
    status: 'generated',
    pinSealed: deps.sealer.seal(pin, pinContext(id)),
    pukSealed: deps.sealer.seal(puk, pukContext(id)),
    pukEscrow: deps.escrow
      ? deps.escrow.seal(puk, pukEscrowContext(id, allocation.cardNumber))
      : null,
    guid: Buffer.from(deps.random.bytes(16)).toString('hex'),
    validFrom: validity.validFrom,
    validUntil: validity.validUntil,
    chipSerial: null,
    certificateDer: null,
    certificateSerial: null,
    revocationReason: null,
    pinRevealedAt: null,
    createdAt: at,
    updatedAt: at,
  };
  await tx.cards.insert(card);
  const facts = {
    cardId: id,
    cardNumber: card.cardNumber,
    cardType: card.cardType,
    idType: card.idType,
    validFrom: card.validFrom,
    validUntil: card.validUntil,
    numberRange: allocation.rangeId,
  };
  await tx.audit.append(
    {
      actor: 'system',
      action: 'card.generated',
      objectType: 'card',
      objectId: id,
      details: { requestId: request.id, ...facts },
    },
    at,
  );
  await tx.outbox.add(
    {
      aggregateType: 'card',
      aggregateId: id,
      type: 'card.generated',
      payload: {
        requestId: request.id,
        personId: request.personId,
        status: card.status,
        guid: card.guid,
        ...facts,
        // Sealed to the centre's key: opaque to the device and to anyone reading the outbox.
        ...(card.pukEscrow
          ? { pukEscrow: card.pukEscrow, pukEscrowKeyId: deps.escrow?.keyId ?? null }
          : {}),
      },
    },
    at,
  );
  return card;
}

/** Record a change of the card object's status in audit and outbox. */
export async function recordCardStatus(
  tx: StoreTx,
  card: CardRecord,
  status: CardRecord['status'],
  actor: string,
  at: string,
  facts: Record<string, unknown> = {},
  extra: { outboxFacts?: Record<string, unknown>; priority?: number } = {},
): Promise<void> {
  // The escrowed copy at the centre is the PUK from now on; without one the device keeps its own.
  const destroyPuk = PUK_NO_LONGER_NEEDED.includes(status) && !!card.pukEscrow;
  await tx.cards.update(card.id, {
    status,
    updatedAt: at,
    ...(destroyPuk ? { pukSealed: '' } : {}),
  });
  await tx.audit.append(
    {
      actor,
      action: `card.${status}`,
      objectType: 'card',
      objectId: card.id,
      details: { cardNumber: card.cardNumber, ...facts },
    },
    at,
  );
  await tx.outbox.add(
    {
      aggregateType: 'card',
      aggregateId: card.id,
      type: 'card.status_changed',
      payload: {
        cardId: card.id,
        cardNumber: card.cardNumber,
        requestId: card.requestId,
        status,
        at,
        ...facts,
        ...extra.outboxFacts,
      },
      ...(extra.priority !== undefined ? { priority: extra.priority } : {}),
    },
    at,
  );
}
