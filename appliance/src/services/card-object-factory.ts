/**
 * Seed step 4: the appliance, acting as the local Identity Manager, generates the card
 * object: the next card number from the device's ranges (check digit included), a PIN and a
 * PUK from the cryptographic random source, a CHUID GUID, and the validity. Runs inside the
 * generate_card transaction so the number, the card and the state change commit together.
 * PIN and PUK are sealed before they touch the store and never enter audit or outbox.
 */
import { allocateFrom } from '../core/card/card-number.js';
import { generateCardSecrets } from '../core/card/card-secrets.js';
import { cardValidity, type ValidityPolicy } from '../core/card/card-validity.js';
import type { Clock, RandomSource } from '../core/ports.js';
import type { CardRecord, RequestRecord } from '../core/records.js';
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
}

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
  const validity = cardValidity(
    process.cardType,
    deps.clock.now(),
    deps.policy.validity,
    person.validUntil,
  );
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
  await tx.cards.update(card.id, { status, updatedAt: at });
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
