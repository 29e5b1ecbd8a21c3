/**
 * The encoder's simulator as a PivEncoder of kind 'simulated': a reader with a
 * SimulatedPivCard in it, driven by the same personalization routine as the PC/SC encoder
 * through the same APDU bytes. It is the appliance's embedded default when no pcscd is
 * present (a card "hopper" feeds a fresh factory card after every attempt), and it gives
 * tests hooks to pull the card at a given step, present a card without PIV, or mute the
 * card to exercise timeouts.
 */
import { DeviceError } from '../errors.js';
import type { ApduTransport } from './apdu-channel.js';
import { SerialQueue, withTimeout } from './call-guard.js';
import { personalizePivCard, type PersonalizationStep } from './piv-personalization.js';
import { renewDigitalIdOnCard } from './piv-renewal.js';
import { changePinOnCard, unblockPinOnCard } from './piv-pin-operations.js';
import { readCardIdentityOnCard } from './piv-card-identity.js';
import type {
  EncoderStatus,
  PersonalizationRequest,
  PersonalizationResult,
  PivEncoder,
} from './piv-encoder.js';
import { SimulatedPivCard, type SimulatedCard } from './simulated-piv-card.js';

export interface SimulatedPivEncoderOptions {
  /** Makes the fresh cards the hopper feeds (default: a new factory SimulatedPivCard). */
  newCard?: () => SimulatedCard;
  /** Feed a fresh card after every personalize call, as a printer's card path does (default true). */
  autoFeed?: boolean;
  /** Start with a card in the reader (default true). */
  cardInserted?: boolean;
  /** The factory management key of the cards (default 010203…08 ×3). */
  factoryManagementKey?: Uint8Array;
  /** Longest wait for one APDU exchange, in ms (default 5000). */
  apduTimeoutMs?: number;
  readerName?: string;
}

export interface SimulatedPivEncoder extends PivEncoder {
  readonly kind: 'simulated';
  /** The card now in the reader. */
  readonly card: SimulatedCard | undefined;
  /** Put a card in the reader (a fresh factory PIV card when none is given). */
  insertCard(card?: SimulatedCard): void;
  removeCard(): void;
  /** During the next personalization, pull the card just before `step` starts. */
  removeCardAtStep(step: PersonalizationStep): void;
  /** The card stops answering (every exchange waits until the APDU timeout). */
  muteCard(): void;
}

const DEFAULT_APDU_TIMEOUT_MS = 5_000;

export function createSimulatedPivEncoder(
  options: SimulatedPivEncoderOptions = {},
): SimulatedPivEncoder {
  const newCard = options.newCard ?? ((): SimulatedCard => new SimulatedPivCard());
  const autoFeed = options.autoFeed ?? true;
  const apduTimeoutMs = options.apduTimeoutMs ?? DEFAULT_APDU_TIMEOUT_MS;
  const readerName = options.readerName ?? 'Simulated PIV encoder';
  const queue = new SerialQueue();
  const listeners = new Set<(status: EncoderStatus) => void>();
  let card: SimulatedCard | undefined;
  let muted = false;
  let closed = false;
  let removeAtStep: PersonalizationStep | undefined;

  const currentStatus = (): EncoderStatus => ({
    readerName,
    readerPresent: !closed,
    cardPresent: card !== undefined,
  });
  const notify = (): void => {
    const status = currentStatus();
    for (const listener of listeners) listener(status);
  };

  const insertCard = (next: SimulatedCard = newCard()): void => {
    card = next;
    muted = false;
    card.powerOn();
    notify();
  };
  const removeCard = (): void => {
    if (!card) return;
    card.powerOff();
    card = undefined;
    notify();
  };

  // The far side of the transport: APDU bytes to the card and back, as a reader would.
  const transport: ApduTransport = {
    transmit(apdu: Uint8Array): Promise<Uint8Array> {
      const exchange = new Promise<Uint8Array>((resolve, reject) => {
        if (closed) return reject(new DeviceError('DEVICE_CLOSED', 'encoder is closed'));
        if (!card) return reject(new DeviceError('CARD_REMOVED', 'card removed from the encoder'));
        if (muted) return; // never answers; the timeout below ends the wait
        const target = card;
        // Answer asynchronously, like a reader, so callers never depend on synchronous replies.
        setImmediate(() => {
          if (card !== target)
            reject(new DeviceError('CARD_REMOVED', 'card removed from the encoder'));
          else resolve(target.process(apdu));
        });
      });
      return withTimeout(exchange, apduTimeoutMs, 'APDU exchange with the simulated card');
    },
  };

  if (options.cardInserted ?? true) insertCard();

  return {
    kind: 'simulated',
    get card() {
      return card;
    },
    insertCard,
    removeCard,
    removeCardAtStep(step) {
      removeAtStep = step;
    },
    muteCard() {
      muted = true;
    },
    async status() {
      return currentStatus();
    },
    personalize(request: PersonalizationRequest): Promise<PersonalizationResult> {
      return queue.run(async () => {
        if (closed) throw new DeviceError('DEVICE_CLOSED', 'encoder is closed');
        if (!card) throw new DeviceError('CARD_REMOVED', 'no card in the encoder');
        try {
          card.reset();
          const routineOptions = {
            beforeStep: (step: PersonalizationStep): void => {
              if (removeAtStep === step) {
                removeAtStep = undefined;
                removeCard();
              }
            },
            ...(options.factoryManagementKey
              ? { factoryManagementKey: options.factoryManagementKey }
              : {}),
          };
          return await personalizePivCard(transport, request, routineOptions);
        } finally {
          removeAtStep = undefined;
          if (autoFeed && !closed) {
            removeCard();
            insertCard();
          }
        }
      });
    },
    unblockPin(request) {
      return queue.run(async () => {
        if (closed) throw new DeviceError('DEVICE_CLOSED', 'encoder is closed');
        if (!card) throw new DeviceError('CARD_REMOVED', 'no card in the encoder');
        card.reset();
        return unblockPinOnCard(transport, request);
      });
    },
    changePin(request) {
      return queue.run(async () => {
        if (closed) throw new DeviceError('DEVICE_CLOSED', 'encoder is closed');
        if (!card) throw new DeviceError('CARD_REMOVED', 'no card in the encoder');
        card.reset();
        return changePinOnCard(transport, request);
      });
    },
    renewDigitalId(request) {
      return queue.run(async () => {
        if (closed) throw new DeviceError('DEVICE_CLOSED', 'encoder is closed');
        if (!card) throw new DeviceError('CARD_REMOVED', 'no card in the encoder');
        card.reset();
        return renewDigitalIdOnCard(transport, request);
      });
    },
    readCardIdentity() {
      return queue.run(async () => {
        if (closed) throw new DeviceError('DEVICE_CLOSED', 'encoder is closed');
        if (!card) throw new DeviceError('CARD_REMOVED', 'no card in the encoder');
        card.reset();
        return readCardIdentityOnCard(transport);
      });
    },
    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      card = undefined;
      notify();
      listeners.clear();
    },
  };
}
