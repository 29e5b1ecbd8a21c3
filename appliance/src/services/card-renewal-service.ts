/**
 * Renewal of a card, as its card type's profile says: by a new card (CardLifecycleService),
 * or — a Digital ID whose profile says `same-chip` — on the chip in the encoder: a new key in
 * 9A generated on the card with its management key (as production), a new certificate from
 * the CA for the same card number and holder with a new validity (the card type's validity
 * policy, from today), written to the card with a re-signed Security Object; then in one
 * transaction the card keeps its number and becomes/stays `active` with the new serial and
 * validity, with history, audit and the `card.status_changed` outbox event (newCertificateSerial);
 * afterwards the old certificate is revoked as superseded.
 *
 * The holder's PIN is asked for one thing only: the card signs the CA's challenge with the
 * new key (proof of possession, which the CA requires; the 9A key's PIN policy on PIV cards).
 * Key generation itself needs only the management key. The PIN is never stored or logged.
 *
 * What is durable when (crash discipline), with the card_renewals row (migration 0040):
 * 1. nothing is saved before the CA issues: a crash leaves the old certificate valid and the
 *    card with, at worst, a new key and no certificate for it (renew again);
 * 2. once the CA has issued, and before the certificate goes to the card, a row 'issued'
 *    with the new serial is committed;
 * 3. the renewal's transaction saves the card and marks the row 'recorded';
 * 4. after that, the old certificate is revoked (superseded) and the row deleted.
 * Start-up (`recover`): 'recorded' → revoke the old certificate as superseded, delete the row;
 * 'issued' → the device cannot tell whether the certificate reached the card (the card is not
 * in the encoder then), so it fails closed: the new certificate is revoked
 * (cessationOfOperation), the card object keeps the old one, an audit event says so, and
 * staff renew again. A failure during the renewal itself undoes step 2 the same way at once.
 */
import type { KeyAlgorithm, PivEncoder } from '../../../drivers/encoder/piv-encoder.js';
import { cardValidity, type ValidityPolicy } from '../core/card/card-validity.js';
import { ConflictError, DomainError, InvalidInputError, NotFoundError } from '../core/errors.js';
import type { Clock } from '../core/ports.js';
import type { CardRecord, RequestRecord } from '../core/records.js';
import { SYSTEM_ACTOR, actorLabel, type Actor } from '../core/roles.js';
import type { Store } from '../core/store-ports.js';
import type { ApplyCardResult, CardLifecycleService } from './card-lifecycle-service.js';
import { onCard } from './card-pin-service.js';
import type {
  CardCertificateIssuer,
  CardContentSigner,
  CertificateRevocation,
  Logger,
} from './ports.js';
import { cardCertificateRequest, NO_CA_REASON } from './production-service.js';

const PIN_PATTERN = /^\d{6,8}$/;

export class CardRenewalService {
  /** Cards being renewed now: a second renewal would put another key on the same chip. */
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly deps: {
      store: Store;
      lifecycle: CardLifecycleService;
      encoder: PivEncoder;
      certificates: CardCertificateIssuer | null;
      contentSigner: CardContentSigner | null;
      ca: CertificateRevocation | null;
      managementKeyFor(cardNumber: string): Uint8Array;
      keyAlgorithm: KeyAlgorithm;
      validity: ValidityPolicy;
      clock: Clock;
      log: Logger;
    },
  ) {}

  /** Renew as the profile says; `pin` (the holder's) is needed for a same-chip renewal only. */
  async renew(cardId: string, actor: Actor, pin?: string): Promise<ApplyCardResult> {
    const { store, lifecycle } = this.deps;
    const card = await store.read((tx) => tx.cards.get(cardId));
    if (!card) throw new NotFoundError('card', cardId);
    if (!lifecycle.renewsOnChip(card)) return lifecycle.renew(cardId, actor);
    if (this.inFlight.has(cardId))
      throw new ConflictError(`card ${card.cardNumber} is being renewed now; wait for it`);
    this.inFlight.add(cardId);
    try {
      return await this.renewOnChip(cardId, actor, pin);
    } finally {
      this.inFlight.delete(cardId);
    }
  }

  private async renewOnChip(
    cardId: string,
    actor: Actor,
    pin: string | undefined,
  ): Promise<ApplyCardResult> {
    const { lifecycle } = this.deps;
    let issuedSerial: string | null = null;
    let result: ApplyCardResult;
    try {
      result = await lifecycle.renew(cardId, actor, {
        chip: async (current) => {
          const renewed = await this.onChip(current, pin, (serial) => (issuedSerial = serial));
          return renewed;
        },
        inTransaction: async (tx, current) => {
          if (!issuedSerial) return;
          await tx.cardLifecycle.setRenewal({
            cardId,
            stage: 'recorded',
            newSerial: issuedSerial,
            oldSerial: current.certificateSerial,
            at: this.deps.clock.now().toISOString(),
          });
        },
      });
    } catch (err) {
      if (issuedSerial) await this.undo(cardId, 'the renewal failed');
      throw err;
    }
    await this.finish(cardId);
    return result;
  }

  /**
   * At start: finish a renewal that was saved (revoke the superseded certificate) and undo one
   * that was not (revoke the new certificate, keep the old). See the header.
   */
  async recover(): Promise<{ finished: number; undone: number }> {
    const rows = await this.deps.store.read((tx) => tx.cardLifecycle.renewals());
    let finished = 0;
    let undone = 0;
    for (const row of rows) {
      if (row.stage === 'recorded') {
        await this.finish(row.cardId);
        finished++;
      } else {
        await this.undo(row.cardId, 'the appliance restarted during the renewal');
        undone++;
      }
    }
    return { finished, undone };
  }

  private async onChip(
    card: CardRecord,
    pin: string | undefined,
    issued: (serial: string) => void,
  ): Promise<{
    facts: Record<string, unknown>;
    changes: Pick<CardRecord, 'certificateDer' | 'certificateSerial' | 'validUntil'>;
  }> {
    const { store, encoder, clock } = this.deps;
    const issuer = this.deps.certificates;
    const contentSigner = this.deps.contentSigner;
    if (!issuer || !contentSigner) throw new DomainError('SERVICE_UNAVAILABLE', NO_CA_REASON);
    if (pin === undefined || !PIN_PATTERN.test(pin))
      throw new InvalidInputError(
        'renewal on the same chip needs the holder’s PIN (6 to 8 digits), for the card to sign with its new key',
      );
    const { person, validUntil } = await store.read(async (tx) => {
      const request = (await tx.requests.get(card.requestId)) as RequestRecord;
      const person = await tx.persons.get(request.personId);
      if (!person) throw new NotFoundError('person', request.personId);
      const validity = cardValidity(
        card.cardType,
        clock.now(),
        this.deps.validity,
        person.validUntil,
      );
      return { person, validUntil: validity.validUntil };
    });
    let newSerial: string | null = null;
    const renewed = await onCard(() =>
      encoder.renewDigitalId({
        expectedGuid: card.guid,
        managementKey: this.deps.managementKeyFor(card.cardNumber),
        pin,
        contentSigner,
        // The chip's CHUID says when the card expires: the renewed date, as the record's.
        expiryDate: validUntil,
        digital: {
          algorithm: this.deps.keyAlgorithm,
          issueCertificate: async (req) => {
            const cert = await issuer.issue(
              cardCertificateRequest(card, person, req, {
                notBefore: clock.now(),
                notAfter: new Date(`${validUntil}T23:59:59.000Z`),
              }),
            );
            // Durable before the certificate goes to the card (step 2 of the header).
            await store.transaction((tx) =>
              tx.cardLifecycle.setRenewal({
                cardId: card.id,
                stage: 'issued',
                newSerial: cert.serialHex,
                oldSerial: card.certificateSerial,
                at: clock.now().toISOString(),
              }),
            );
            newSerial = cert.serialHex;
            issued(cert.serialHex);
            return cert.certificateDer;
          },
        },
      }),
    );
    if (!newSerial) throw new DomainError('SERVICE_UNAVAILABLE', 'the CA issued no certificate');
    return {
      facts: {
        renewedOnChip: true,
        newCertificateSerial: newSerial,
        supersededCertificateSerial: card.certificateSerial,
        validUntil,
        previousValidUntil: card.validUntil,
      },
      changes: { certificateDer: renewed.certificateDer, certificateSerial: newSerial, validUntil },
    };
  }

  /** Step 4: the old certificate revoked as superseded, then the row goes. */
  private async finish(cardId: string): Promise<void> {
    const { store, ca, log, clock } = this.deps;
    const row = await store.read((tx) => tx.cardLifecycle.renewal(cardId));
    if (!row || row.stage !== 'recorded') return;
    try {
      if (row.oldSerial && ca) await ca.revoke(row.oldSerial, 'superseded', clock.now());
    } catch (err) {
      log.error({ err, cardId }, 'superseded certificate not revoked; retried at the next start');
      return;
    }
    await store.transaction((tx) => tx.cardLifecycle.clearRenewal(cardId));
  }

  /** A certificate issued but not saved: revoked, so none is valid that the device does not know. */
  private async undo(cardId: string, why: string): Promise<void> {
    const { store, ca, log, clock } = this.deps;
    const row = await store.read((tx) => tx.cardLifecycle.renewal(cardId));
    if (!row || row.stage !== 'issued') return;
    const at = clock.now();
    try {
      if (ca) await ca.revoke(row.newSerial, 'cessationOfOperation', at);
    } catch (err) {
      log.error({ err, cardId }, 'unsaved renewal certificate not revoked; retried at next start');
      return;
    }
    await store.transaction(async (tx) => {
      await tx.cardLifecycle.clearRenewal(cardId);
      await tx.audit.append(
        {
          actor: actorLabel(SYSTEM_ACTOR),
          action: 'card.renewal_undone',
          objectType: 'card',
          objectId: cardId,
          details: {
            reason: why,
            revokedCertificateSerial: row.newSerial,
            crlReason: 'cessationOfOperation',
            keptCertificateSerial: row.oldSerial,
          },
        },
        at.toISOString(),
      );
    });
  }
}
