/**
 * PIN unblock and PIN change on a handed-over card, through the lifecycle table (the status
 * stays as it is; history, audit and outbox record the operation, never a PIN or PUK).
 *
 * Where the PUK comes from, by site policy:
 * - the device's own sealed copy, where the site keeps one (no centre escrow key configured,
 *   so the device never destroyed its copy after production);
 * - otherwise the central Identity Manager releases it for this one card and this one
 *   unblock: the device sends a fresh P-256 public key, the centre opens its escrowed copy
 *   and seals the PUK to that key (ECIES, context naming the card and the release), records
 *   the release on the card, and the device opens it in memory and forgets the key;
 * - when neither is possible the call fails with PUK_UNAVAILABLE saying why.
 * The PUK is used for the one RESET RETRY COUNTER and never stored, logged or returned.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { DeviceError } from '../../../drivers/errors.js';
import type { PivEncoder } from '../../../drivers/encoder/piv-encoder.js';
import { DomainError } from '../core/errors.js';
import type { CardRecord } from '../core/records.js';
import { actorLabel, type Actor } from '../core/roles.js';
import type { SecretSealer } from '../core/secret-sealer.js';
import type { Store } from '../core/store-ports.js';
import { openEscrow } from '../crypto/ecies-escrow.js';
import { pukContext } from './card-object-factory.js';
import type { ApplyCardResult, CardLifecycleService } from './card-lifecycle-service.js';

/** Context a released PUK is sealed under: this card, this release. */
export const pukReleaseContext = (cardId: string, releaseId: string): string =>
  `card:${cardId}:puk-release:${releaseId}`;

/** The centre's side of a PUK release (the SCIM client implements it). */
export interface PukReleaser {
  /**
   * Ask the centre to release the escrowed PUK of this card, sealed to `recipientPublicKeyPem`
   * under pukReleaseContext(cardId, releaseId). Throws SyncError when the centre is away.
   */
  releasePuk(request: {
    cardId: string;
    releaseId: string;
    reason: string;
    requestedBy: string;
    recipientPublicKeyPem: string;
  }): Promise<{ sealedPuk: string }>;
}

export class CardPinService {
  constructor(
    private readonly deps: {
      store: Store;
      lifecycle: CardLifecycleService;
      encoder: PivEncoder;
      sealer: SecretSealer;
      /** The centre, when the device syncs with one; null: no central release. */
      releaser: PukReleaser | null;
      /** Digits in a new PIN (the device's `pinLength`), for the kiosk keypad. */
      pinLength?: number;
    },
  ) {}

  /**
   * What the desk needs before offering the keypad: where the PUK would come from, why there
   * is none (the same words an unblock would fail with), and how many digits a new PIN has.
   */
  async pinOptions(cardId: string): Promise<{
    source: 'device-copy' | 'central-release' | 'none';
    reason: string | null;
    pinLength: number;
  }> {
    const card = await this.deps.store.read((tx) => tx.cards.get(cardId));
    const pinLength = this.deps.pinLength ?? DEFAULT_PIN_LENGTH;
    if (!card) return { source: 'none', reason: null, pinLength };
    const source = this.sourceFor(card);
    return { source, reason: source === 'none' ? noPukReason(card) : null, pinLength };
  }

  async unblock(
    cardId: string,
    newPin: string,
    actor: Actor,
    reason: string,
  ): Promise<ApplyCardResult> {
    return this.deps.lifecycle.apply(cardId, { type: 'unblock_pin', reason }, actor, {
      chip: async (card) => {
        const { puk, facts } = await this.obtainPuk(card, actor, reason);
        await onCard(() => this.deps.encoder.unblockPin({ expectedGuid: card.guid, puk, newPin }));
        return { facts };
      },
    });
  }

  async change(
    cardId: string,
    currentPin: string,
    newPin: string,
    actor: Actor,
  ): Promise<ApplyCardResult> {
    return this.deps.lifecycle.apply(cardId, { type: 'change_pin' }, actor, {
      chip: async (card) => {
        await onCard(() =>
          this.deps.encoder.changePin({ expectedGuid: card.guid, currentPin, newPin }),
        );
        return { facts: {} };
      },
    });
  }

  /**
   * A PIN change by the holder alone at the walk-up side. The card in the encoder says which
   * card it is (its CHUID GUID, read without a PIN) and the card checks the current PIN, so no
   * staff are needed. Nothing about the card (number, holder, status) is answered: a wrong PIN
   * says only the card's tries left; a blocked PIN, an unknown card or one that cannot change
   * its PIN here send the holder to the desk. Recorded like a change at the desk, by
   * `self_service`.
   */
  async changeAtKiosk(currentPin: string, newPin: string): Promise<void> {
    const seeDesk = (why: string, cause?: unknown) =>
      new DomainError('CARD_REFUSED', `${why}; please see the desk`, { cause });
    let guid: string;
    try {
      ({ guid } = await this.deps.encoder.readCardIdentity());
    } catch (err) {
      if (!(err instanceof DeviceError)) throw err;
      if (err.code === 'CARD_NOT_SUPPORTED' || err.code === 'CARD_ERROR')
        throw seeDesk('this card cannot change its PIN here', err);
      throw new DomainError(
        'SERVICE_UNAVAILABLE',
        'no card was found in the reader: put your card in and try again',
        { cause: err },
      );
    }
    const card = await this.deps.store.read((tx) => tx.cards.getByGuid(guid));
    if (!card) throw seeDesk('this card cannot change its PIN here');
    try {
      await this.change(card.id, currentPin, newPin, { kind: 'self_service', requestId: null });
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      const device = err.cause instanceof DeviceError ? err.cause : null;
      if (device?.code === 'CARD_WRONG_SECRET') throw err;
      if (device?.code === 'CARD_SECRET_BLOCKED') throw seeDesk('the PIN is blocked', err);
      if (err.code === 'SERVICE_UNAVAILABLE' || err.code === 'CONFLICT') throw err;
      // Its status, a role, a changed card: none of it is the walk-up's to learn.
      throw seeDesk('this card cannot change its PIN here', err);
    }
  }

  private sourceFor(card: CardRecord): 'device-copy' | 'central-release' | 'none' {
    if (card.pukSealed) return 'device-copy';
    if (card.pukEscrow && this.deps.releaser) return 'central-release';
    return 'none';
  }

  private async obtainPuk(
    card: CardRecord,
    actor: Actor,
    reason: string,
  ): Promise<{ puk: string; facts: Record<string, unknown> }> {
    const source = this.sourceFor(card);
    if (source === 'device-copy')
      return {
        puk: this.deps.sealer.open(card.pukSealed, pukContext(card.id)),
        facts: { pukSource: 'device-copy' },
      };
    if (source === 'none') throw new DomainError('PUK_UNAVAILABLE', noPukReason(card));
    const releaseId = randomUUID();
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    let sealedPuk: string;
    try {
      ({ sealedPuk } = await (this.deps.releaser as PukReleaser).releasePuk({
        cardId: card.id,
        releaseId,
        reason,
        requestedBy: actorLabel(actor),
        recipientPublicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      }));
    } catch (err) {
      if (err instanceof DomainError) throw err;
      throw new DomainError(
        'PUK_UNAVAILABLE',
        'the central Identity Manager did not release the PUK (it may be unreachable); try again when it is back',
        { cause: err },
      );
    }
    const puk = openEscrow(
      privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      sealedPuk,
      pukReleaseContext(card.id, releaseId),
    );
    return { puk, facts: { pukSource: 'central-release', pukReleaseId: releaseId } };
  }
}

const DEFAULT_PIN_LENGTH = 6;

function noPukReason(card: CardRecord): string {
  return card.pukEscrow
    ? 'this card’s PUK is held only by the central Identity Manager, and this device is not connected to one'
    : 'no PUK is kept for this card: the site keeps no device copy and none was escrowed';
}

/** Card refusals become CARD_REFUSED, a missing or mute encoder SERVICE_UNAVAILABLE. */
export async function onCard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof DeviceError)) throw err;
    if (['CARD_WRONG_SECRET', 'CARD_SECRET_BLOCKED', 'CARD_MISMATCH'].includes(err.code))
      throw new DomainError('CARD_REFUSED', err.message, { cause: err });
    throw new DomainError('SERVICE_UNAVAILABLE', `the encoder: ${err.message}`, { cause: err });
  }
}
