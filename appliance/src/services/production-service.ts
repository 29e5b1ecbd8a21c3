/**
 * Seed step 7 (and 6 for Digital ID): produce a card on the printer and encoder and verify
 * the outcome. One card at a time, in queue order: insert a blank to the chip station,
 * personalise the chip (for Digital ID: key on card, certificate from the CA), print, eject.
 * Every attempt is recorded with its outcome and the blanks it spoiled; a failure leaves the
 * request in production_failed with a reason an operator can act on. Nothing about a failed
 * card is lost: the card object, number and secrets stay for the next attempt.
 */
import { DeviceError } from '../../../drivers/errors.js';
import type { CardPrinter } from '../../../drivers/printer/card-printer.js';
import { PrinterFaultError, PrinterRefusedError } from '../../../drivers/printer/card-printer.js';
import type {
  CertificateRequestFromCard,
  KeyAlgorithm,
  PivEncoder,
} from '../../../drivers/encoder/piv-encoder.js';
import type { Clock } from '../core/ports.js';
import type { CardRecord, PersonRecord, RequestRecord } from '../core/records.js';
import { SYSTEM_ACTOR } from '../core/roles.js';
import type { SecretSealer } from '../core/secret-sealer.js';
import type { Store } from '../core/store-ports.js';
import { needsCertificate } from '../core/workflow/processes.js';
import { pinContext, pukContext, recordCardStatus } from './card-object-factory.js';
import { cardLayoutInput, type SiteBranding } from './card-layout-input.js';
import type { DomainEvents } from './domain-events.js';
import type {
  CardArtworkRenderer,
  CardCertificateIssuer,
  CardCertificateRequest,
  CardContentSigner,
  KeyAttestationRecord,
  Logger,
} from './ports.js';
import { newId, type WorkflowEngine } from './workflow-engine.js';

/** Who a card certificate names (production and same-chip renewal alike). */
function certificateHolder(
  person: Pick<PersonRecord, 'name' | 'email' | 'kind' | 'company'>,
): CardCertificateRequest['holder'] {
  return {
    name: person.name,
    ...(person.email ? { email: person.email } : {}),
    // Employees log on with the card: their UPN is their directory e-mail.
    ...(person.email && person.kind === 'employee' ? { upn: person.email } : {}),
    ...(person.company ? { company: person.company } : {}),
  };
}

/**
 * What the CA is asked to certify for a key the card generated (production and same-chip
 * renewal alike): the card, its holder, the encoder's request from the card, the validity.
 */
export function cardCertificateRequest(
  card: Pick<CardRecord, 'cardNumber' | 'cardType'>,
  person: Pick<PersonRecord, 'name' | 'email' | 'kind' | 'company'>,
  fromCard: CertificateRequestFromCard,
  validity: { notBefore: Date; notAfter: Date },
): CardCertificateRequest {
  return {
    cardNumber: card.cardNumber,
    cardType: card.cardType,
    holder: certificateHolder(person),
    algorithm: fromCard.algorithm,
    publicKeySpkiDer: fromCard.publicKeySpkiDer,
    signWithCardKey: fromCard.signWithCardKey,
    ...(fromCard.chipSerial !== undefined ? { chipSerial: fromCard.chipSerial } : {}),
    ...(fromCard.attest ? { attest: fromCard.attest } : {}),
    ...validity,
  };
}

export const NO_CA_REASON = 'no certificate authority configured';
export const RESTART_REASON = 'interrupted: the appliance restarted during production';

export interface ProductionDeps {
  store: Store;
  engine: WorkflowEngine;
  printer: CardPrinter;
  encoder: PivEncoder;
  renderer: CardArtworkRenderer;
  /** Null until a CA is configured: Digital ID production then fails with NO_CA_REASON. */
  certificates: CardCertificateIssuer | null;
  /**
   * The CA's content signer for every card's CHUID and Security Object (Physical ID too).
   * Null without a CA: then no card is produced (NO_CA_REASON).
   */
  contentSigner: CardContentSigner | null;
  sealer: SecretSealer;
  clock: Clock;
  events: DomainEvents;
  log: Logger;
  managementKeyFor(cardNumber: string): Uint8Array;
  siteName: string;
  siteBranding?: SiteBranding;
  keyAlgorithm: KeyAlgorithm;
  pinRetries: number;
  pukRetries: number;
}

class ProductionFailure extends Error {
  constructor(
    readonly reason: string,
    readonly cardFed: boolean,
  ) {
    super(reason);
  }
}

export class ProductionService {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private running: Promise<void> | null = null;
  private idleWaiters: Array<() => void> = [];
  private current: string | null = null;
  private stopping = false;

  constructor(private readonly deps: ProductionDeps) {
    deps.engine.onEffect('enqueueProduction', (id) => this.enqueue(id));
  }

  /**
   * Stop for a shutdown: the card in the printer is finished, the rest stays `queued` on disk
   * (recover() queues it again at the next start). Resolves once the current card is done;
   * requests queued after this wait on disk too.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.queue.length = 0;
    this.queued.clear();
    await this.running;
  }

  /** Queue a request that is in `queued`; production starts as soon as the device is free. */
  enqueue(requestId: string): void {
    if (this.stopping) return;
    if (this.queued.has(requestId) || this.current === requestId) return;
    this.queued.add(requestId);
    this.queue.push(requestId);
    this.running ??= this.drain().finally(() => {
      this.running = null;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    });
  }

  /** The request being produced now, if any. */
  currentRequest(): string | null {
    return this.current;
  }

  pending(): number {
    return this.queue.length + (this.current ? 1 : 0);
  }

  /** Resolves when the queue is empty and nothing is being produced. */
  whenIdle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * After a restart: an attempt that was running when the appliance stopped is failed (the
   * card it fed may be spoiled), and requests waiting in the queue are queued again.
   */
  async recover(): Promise<{ interrupted: number; requeued: number }> {
    const { store } = this.deps;
    const producing = await store.read((tx) => tx.requests.inStates(['producing']));
    // A blank counts as spoiled only if it was physically fed: the printer acknowledged the
    // feed before the stop (recorded on the attempt), or its card sensor finds the card still
    // inside (the stop fell between the printer taking it and that record).
    const leftover = producing.length > 0 ? await this.ejectLeftoverCard() : false;
    for (const r of producing) {
      const recorded = await store.read(async (tx) =>
        (await tx.attempts.forRequest(r.id)).some((a) => a.finishedAt === null && a.cardFedAt),
      );
      await this.fail(r.id, new ProductionFailure(RESTART_REASON, recorded || leftover));
    }
    const queued = await store.read((tx) => tx.requests.inStates(['queued']));
    for (const r of queued) this.enqueue(r.id);
    return { interrupted: producing.length, requeued: queued.length };
  }

  private async ejectLeftoverCard(): Promise<boolean> {
    try {
      return (await this.deps.printer.ejectLeftoverCard?.()) ?? false;
    } catch (err) {
      this.deps.log.warn({ err }, 'could not ask the printer for a card left inside');
      return false;
    }
  }

  private async drain(): Promise<void> {
    for (let id = this.queue.shift(); id !== undefined && !this.stopping; id = this.queue.shift()) {
      this.queued.delete(id);
      this.current = id;
      try {
        await this.produce(id);
      } catch (err) {
        // produce() records its own failures; this is a bug or a store error: keep the queue alive.
        this.deps.log.error({ err, requestId: id }, 'production step failed unexpectedly');
      } finally {
        this.current = null;
      }
    }
  }

  private async produce(requestId: string): Promise<void> {
    const { engine, store } = this.deps;
    const request = await store.read((tx) => tx.requests.get(requestId));
    // Cancelled or already handled since it was queued: nothing to do.
    if (!request || request.state !== 'queued') return;
    const { extra: attempt } = await engine.apply(
      requestId,
      { type: 'start_production' },
      SYSTEM_ACTOR,
      {
        within: async (tx, { at }) => {
          const card = await tx.cards.getByRequest(requestId);
          if (!card) throw new Error(`request ${requestId} has no card object`);
          const previous = await tx.attempts.forRequest(requestId);
          const id = newId();
          const number = previous.length + 1;
          await tx.attempts.insert({
            id,
            requestId,
            cardId: card.id,
            attempt: number,
            batchId: request.batchId,
            startedAt: at,
            finishedAt: null,
            outcome: 'running',
            reason: null,
            spoiledCards: 0,
            bytesSent: 0,
            printer: this.deps.printer.kind,
            encoder: this.deps.encoder.kind,
          });
          return { id, card };
        },
      },
    );
    this.deps.events.emit('device.changed');
    try {
      const result = await this.runDevices(request, attempt.card, attempt.id);
      await engine.apply(requestId, { type: 'production_succeeded' }, SYSTEM_ACTOR, {
        within: async (tx, { at }) => {
          await tx.cards.update(attempt.card.id, {
            chipSerial: result.chipSerial,
            certificateDer: result.certificateDer,
            certificateSerial: result.certificateSerial,
            attestation: result.attestation?.outcome ?? null,
            attestationDetail: result.attestation?.detail ?? null,
            managementKeyAlgorithm: result.managementKeyAlgorithm,
            updatedAt: at,
          });
          await recordCardStatus(
            tx,
            attempt.card,
            'produced',
            'system',
            at,
            {
              chipSerial: result.chipSerial,
              certificateSerial: result.certificateSerial,
              managementKeyAlgorithm: result.managementKeyAlgorithm,
              ...(result.attestation
                ? {
                    attestation: result.attestation.outcome,
                    attestationDetail: result.attestation.detail,
                  }
                : {}),
            },
            // The Identity Manager stores the certificate too (seed step 6).
            result.certificateDer
              ? {
                  outboxFacts: {
                    certificateDer: Buffer.from(result.certificateDer).toString('base64'),
                  },
                }
              : {},
          );
          await tx.attempts.finish(attempt.id, 'succeeded', {
            finishedAt: at,
            reason: null,
            spoiledCards: 0,
            bytesSent: result.bytesSent,
          });
        },
      });
    } catch (err) {
      const failure =
        err instanceof ProductionFailure ? err : this.describe(err, false, 'production');
      await this.fail(requestId, failure, attempt.id);
    } finally {
      this.deps.events.emit('device.changed');
    }
  }

  private async fail(
    requestId: string,
    failure: ProductionFailure,
    attemptId?: string,
  ): Promise<void> {
    await this.deps.engine.apply(
      requestId,
      { type: 'production_failed', reason: failure.reason },
      SYSTEM_ACTOR,
      {
        within: async (tx, { at }) => {
          const running = attemptId
            ? [{ id: attemptId }]
            : (await tx.attempts.forRequest(requestId)).filter((a) => a.finishedAt === null);
          for (const a of running) {
            await tx.attempts.finish(a.id, 'failed', {
              finishedAt: at,
              reason: failure.reason,
              spoiledCards: failure.cardFed ? 1 : 0,
              bytesSent: 0,
            });
          }
        },
        details: { spoiledCards: failure.cardFed ? 1 : 0 },
      },
    );
  }

  private async runDevices(
    request: RequestRecord,
    card: CardRecord,
    attemptId: string,
  ): Promise<{
    chipSerial: string;
    certificateDer: Uint8Array | null;
    certificateSerial: string | null;
    attestation: KeyAttestationRecord | null;
    managementKeyAlgorithm: string;
    bytesSent: number;
  }> {
    const { printer, encoder, renderer, sealer } = this.deps;
    const process = this.deps.engine.process(request.processName);
    const digital = needsCertificate(process);
    const issuer = this.deps.certificates;
    // Refuse before touching a blank, so a missing CA spoils nothing. Every card needs the
    // CA's content signer: its CHUID is signed and it carries a Security Object.
    const contentSigner = this.deps.contentSigner;
    if ((digital && !issuer) || !contentSigner) throw new ProductionFailure(NO_CA_REASON, false);
    const person = await this.deps.store.read((tx) => tx.persons.get(request.personId));
    if (!person) throw new ProductionFailure('the card holder record is missing', false);
    if (!card.pinSealed)
      throw new ProductionFailure(
        'the card has no PIN left to set (it was revealed or destroyed)',
        false,
      );

    let artwork;
    try {
      artwork = await renderer.render(
        cardLayoutInput(person, card, this.deps.siteName, this.deps.siteBranding),
      );
    } catch (err) {
      throw this.describe(err, false, 'layout');
    }

    let cardFed = false;
    let step: ProductionStep = 'feed';
    let certificateSerial: string | null = null;
    let attestation: KeyAttestationRecord | null = null;
    try {
      await printer.insertToChipStation('contact');
      cardFed = true;
      // Durable before the next step, so a restart counts this blank as spoiled, and only it.
      await this.deps.store.transaction((tx) =>
        tx.attempts.markCardFed(attemptId, this.deps.clock.now().toISOString()),
      );
      step = 'encode';
      const notAfter = new Date(`${card.validUntil}T23:59:59.000Z`);
      const personalization = await encoder.personalize({
        cardNumber: card.cardNumber,
        guid: Buffer.from(card.guid, 'hex'),
        expiryDate: card.validUntil,
        pin: sealer.open(card.pinSealed, pinContext(card.id)),
        puk: sealer.open(card.pukSealed, pukContext(card.id)),
        pinRetries: this.deps.pinRetries,
        pukRetries: this.deps.pukRetries,
        managementKey: this.deps.managementKeyFor(card.cardNumber),
        contentSigner,
        ...(digital && issuer
          ? {
              digital: {
                algorithm: this.deps.keyAlgorithm,
                issueCertificate: async (req) => {
                  const issued = await issuer.issue(
                    cardCertificateRequest(card, person, req, {
                      notBefore: this.deps.clock.now(),
                      notAfter,
                    }),
                  );
                  certificateSerial = issued.serialHex;
                  attestation = issued.attestation ?? null;
                  return issued.certificateDer;
                },
              },
            }
          : {}),
      });
      if (digital && !personalization.certificateDer) {
        throw new ProductionFailure('the encoder did not store a certificate on the card', true);
      }
      step = 'print';
      const printed = await printer.print(artwork);
      // Verify: the printer must be back to ready with no fault after the eject.
      const after = await printer.status();
      if (after.state === 'fault')
        throw new PrinterFaultError(after.fault ?? 'mechanical', true, after.rawFault);
      return {
        chipSerial: personalization.chipSerial,
        certificateDer: personalization.certificateDer ?? null,
        certificateSerial,
        attestation,
        managementKeyAlgorithm: personalization.managementKeyAlgorithm,
        bytesSent: printed.bytesSent,
      };
    } catch (err) {
      const failure = err instanceof ProductionFailure ? err : this.describe(err, cardFed, step);
      if (failure.cardFed) {
        await printer
          .reject()
          .catch((e: unknown) =>
            this.deps.log.warn({ err: e }, 'could not move the spoiled card to the reject tray'),
          );
      }
      throw failure;
    }
  }

  /** Turn a device or CA error into a reason an operator can act on. Never includes secrets. */
  private describe(err: unknown, cardFed: boolean, step: ProductionStep): ProductionFailure {
    if (err instanceof PrinterFaultError) {
      return new ProductionFailure(
        `printer: ${err.fault.replace(/_/g, ' ')}`,
        cardFed || err.cardFed,
      );
    }
    if (err instanceof PrinterRefusedError) {
      // Nothing of the job was printed: the reason names what the printer refused.
      return new ProductionFailure(`printer: ${err.message}`, cardFed || err.cardFed);
    }
    const device = step === 'encode' ? 'encoder' : step === 'layout' ? 'layout' : 'printer';
    if (err instanceof DeviceError) {
      return new ProductionFailure(`${device}: ${err.message}`, cardFed);
    }
    // Our own typed errors (CA, layout) carry a stable code and a message free of secrets.
    if (err instanceof Error && typeof (err as { code?: unknown }).code === 'string') {
      return new ProductionFailure(
        `${step === 'encode' ? 'certificate' : device}: ${err.message}`,
        cardFed,
      );
    }
    this.deps.log.error({ err }, 'production failed with an unexpected error');
    const name = err instanceof Error ? err.name : 'error';
    return new ProductionFailure(`unexpected ${name} during ${step}; see the device log`, cardFed);
  }
}

type ProductionStep = 'layout' | 'feed' | 'encode' | 'print' | 'production';
