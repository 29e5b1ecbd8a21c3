/**
 * Test doubles at the driver interfaces, for workflow tests that need to script a device's
 * answer at a given step (the protocol-level simulators have their own suites). They keep
 * counts of what was done so tests can check spoiled cards and chip contents.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { DeviceError } from '../../drivers/errors.js';
import type {
  CardIdentity,
  DigitalIdRenewalRequest,
  DigitalIdRenewalResult,
  EncoderStatus,
  PersonalizationRequest,
  PersonalizationResult,
  PinChangeRequest,
  PinOperationResult,
  PinUnblockRequest,
  PivEncoder,
} from '../../drivers/encoder/piv-encoder.js';
import {
  PrinterFaultError,
  type CardArtwork,
  type CardPrinter,
  type ChipStation,
  type PrinterFault,
  type PrinterStatus,
} from '../../drivers/printer/card-printer.js';

type PrinterStep = 'feed' | 'print';

export class FakeCardPrinter implements CardPrinter {
  readonly kind = 'simulated' as const;
  fed = 0;
  printed = 0;
  rejected = 0;
  private cardInside = false;
  private faults: Array<{ step: PrinterStep; fault: PrinterFault }> = [];
  private listeners = new Set<(s: PrinterStatus) => void>();
  private state: PrinterStatus = { state: 'ready', cardsInFeeder: 1000, ribbonRemaining: 1000 };

  /** The next time `step` happens, fail with `fault`. */
  failNext(step: PrinterStep, fault: PrinterFault): void {
    this.faults.push({ step, fault });
  }

  private take(step: PrinterStep): PrinterFault | null {
    const i = this.faults.findIndex((f) => f.step === step);
    if (i < 0) return null;
    const [f] = this.faults.splice(i, 1);
    return f!.fault;
  }

  async status(): Promise<PrinterStatus> {
    return { ...this.state };
  }

  async insertToChipStation(_station: ChipStation = 'contact'): Promise<void> {
    const fault = this.take('feed');
    if (fault) throw new PrinterFaultError(fault, false);
    this.fed++;
    this.cardInside = true;
  }

  async print(artwork: CardArtwork): Promise<{ bytesSent: number }> {
    const fault = this.take('print');
    if (fault) throw new PrinterFaultError(fault, true);
    if (!this.cardInside) this.fed++;
    this.cardInside = false;
    this.printed++;
    return { bytesSent: artwork.front.rgba.length };
  }

  async reject(): Promise<void> {
    if (this.cardInside) this.rejected++;
    this.cardInside = false;
  }

  cleanings = 0;

  async clean(): Promise<void> {
    this.cleanings++;
  }

  onStatus(listener: (s: PrinterStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}

export class FakePivEncoder implements PivEncoder {
  readonly kind = 'simulated' as const;
  /** What each personalised chip holds (secrets included, so tests can check them). */
  readonly chips: PersonalizationRequest[] = [];
  private failures: DeviceError[] = [];
  private serial = 0x1000;

  failNext(
    error: DeviceError = new DeviceError(
      'CARD_REMOVED',
      'the card was removed during personalisation',
    ),
  ): void {
    this.failures.push(error);
  }

  async status(): Promise<EncoderStatus> {
    return { readerPresent: true, cardPresent: true, readerName: 'fake reader' };
  }

  /**
   * PIN operations on a chip this fake personalised, found by its GUID: the PUK unblocks, the
   * current PIN changes the PIN, anything else is a wrong secret (as a card answers 63Cx).
   */
  async unblockPin(request: PinUnblockRequest): Promise<PinOperationResult> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    const chip = this.chipWithGuid(request.expectedGuid);
    if (chip.puk !== request.puk) throw new DeviceError('CARD_WRONG_SECRET', 'wrong PUK');
    chip.pin = request.newPin;
    return { apdusExchanged: 0 };
  }

  async changePin(request: PinChangeRequest): Promise<PinOperationResult> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    const chip = this.chipWithGuid(request.expectedGuid);
    if (chip.pin !== request.currentPin) throw new DeviceError('CARD_WRONG_SECRET', 'wrong PIN');
    chip.pin = request.newPin;
    return { apdusExchanged: 0 };
  }

  /**
   * The chip in the reader for readCardIdentity: by default the last one personalised; null
   * is an empty reader (or a badge without a chip, which a reader cannot tell apart).
   */
  chipInReader: PersonalizationRequest | null | undefined = undefined;

  /** A read: the failures queued with failNext are for the operation that follows it. */
  async readCardIdentity(): Promise<CardIdentity> {
    const chip = this.chipInReader === undefined ? this.chips.at(-1) : this.chipInReader;
    if (!chip) throw new DeviceError('CARD_REMOVED', 'no card in the encoder');
    return { guid: Buffer.from(chip.guid).toString('hex'), fascn: '', expiry: chip.expiryDate };
  }

  /** Certificates renewals wrote, by chip GUID (hex), newest last. */
  readonly renewed = new Map<string, Uint8Array[]>();

  /**
   * Same-chip renewal on a chip this fake personalised: the management key must be the one
   * production set and the PIN the chip's, as a card would check them.
   */
  async renewDigitalId(request: DigitalIdRenewalRequest): Promise<DigitalIdRenewalResult> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    const chip = this.chipWithGuid(request.expectedGuid);
    if (Buffer.compare(Buffer.from(chip.managementKey), Buffer.from(request.managementKey)) !== 0)
      throw new DeviceError('CARD_ERROR', 'authenticate: the card refuses its management key');
    if (chip.pin !== request.pin) throw new DeviceError('CARD_WRONG_SECRET', 'wrong PIN');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const certificateDer = await request.digital.issueCertificate({
      algorithm: request.digital.algorithm,
      publicKeySpkiDer: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })),
      signWithCardKey: async (data) => new Uint8Array(sign('sha256', data, privateKey)),
    });
    const guid = request.expectedGuid.toLowerCase();
    this.renewed.set(guid, [...(this.renewed.get(guid) ?? []), certificateDer]);
    if (request.expiryDate !== undefined) chip.expiryDate = request.expiryDate;
    return { certificateDer, apdusExchanged: 0 };
  }

  private chipWithGuid(guid: string): PersonalizationRequest {
    const chip = this.chips.findLast(
      (c) => Buffer.from(c.guid).toString('hex') === guid.toLowerCase(),
    );
    if (!chip) throw new DeviceError('CARD_MISMATCH', 'the card in the encoder is not this card');
    return chip;
  }

  async personalize(request: PersonalizationRequest): Promise<PersonalizationResult> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    let certificateDer: Uint8Array | undefined;
    if (request.digital) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      certificateDer = await request.digital.issueCertificate({
        algorithm: request.digital.algorithm,
        publicKeySpkiDer: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })),
        signWithCardKey: async (data) => new Uint8Array(sign('sha256', data, privateKey)),
      });
    }
    // Sign what a real card would carry, so the appliance's content signer runs here too.
    let signedObjects = false;
    if (request.contentSigner) {
      await request.contentSigner.signChuid(request.guid);
      await request.contentSigner.signSecurityObject([
        { dataGroup: 1, containerId: 0x3000, content: request.guid },
        { dataGroup: 2, containerId: 0xdb00, content: request.guid },
      ]);
      signedObjects = true;
    }
    this.chips.push(request);
    return {
      managementKeyAlgorithm: 'AES-192',
      signedObjects,
      chipSerial: (this.serial++).toString(16),
      ...(certificateDer ? { certificateDer } : {}),
      apdusExchanged: 0,
      bytesOnWire: 0,
    };
  }

  onStatus(): () => void {
    return () => undefined;
  }

  async close(): Promise<void> {}
}
