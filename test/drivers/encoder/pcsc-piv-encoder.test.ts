/**
 * PcscPivEncoder against a fake pcsclite (the structural PcscContext/PcscReader the driver
 * declares), whose reader forwards APDUs to a SimulatedPivCard. The real pcscd path is in
 * test/integration/encoder; this covers what is hard to provoke there.
 */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceError } from '../../../drivers/errors.js';
import {
  PcscPivEncoder,
  listPcscReaders,
  pcscErrorCode,
  type PcscContext,
  type PcscReader,
} from '../../../drivers/encoder/pcsc-piv-encoder.js';
import { SimulatedPivCard } from '../../../drivers/encoder/simulated-piv-card.js';
import { testRequest } from '../../contract/piv-encoder.contract.js';

const PRESENT = 0x20;
const EMPTY = 0x10;

class FakeReader extends EventEmitter implements PcscReader {
  connected = false;
  SCARD_SHARE_EXCLUSIVE = 1;
  SCARD_SHARE_SHARED = 2;
  SCARD_PROTOCOL_T0 = 1;
  SCARD_PROTOCOL_T1 = 2;
  SCARD_STATE_PRESENT = PRESENT;
  SCARD_RESET_CARD = 1;
  SCARD_LEAVE_CARD = 0;
  card: SimulatedPivCard | undefined;
  /** When set, the next transmit fails with this pcsclite-style message. */
  failNext: string | undefined;
  constructor(readonly name: string) {
    super();
  }
  insert(card = new SimulatedPivCard()): void {
    this.card = card;
    this.emit('status', { state: PRESENT, atr: Buffer.from(card.atr) });
  }
  pull(): void {
    this.card = undefined;
    this.emit('status', { state: EMPTY });
  }
  connect(_options: object, callback: (error: unknown, protocol: number) => void): void {
    setImmediate(() => {
      if (!this.card)
        return callback(new Error('SCardConnect error: No smart card inserted.(0x8010000c)'), 0);
      this.connected = true;
      this.card.powerOn();
      callback(undefined, 2);
    });
  }
  disconnect(_disposition: number, callback: (error: unknown) => void): void {
    this.connected = false;
    setImmediate(() => callback(undefined));
  }
  transmit(
    data: Buffer,
    _max: number,
    _protocol: number,
    callback: (error: unknown, response: Buffer) => void,
  ): void {
    setImmediate(() => {
      const failure = this.failNext;
      this.failNext = undefined;
      if (failure) return callback(new Error(failure), Buffer.alloc(0));
      if (!this.card)
        return callback(
          new Error('SCardTransmit error: Card was removed.(0x80100069)'),
          Buffer.alloc(0),
        );
      callback(undefined, Buffer.from(this.card.process(new Uint8Array(data))));
    });
  }
  close(): void {
    this.emit('end');
  }
}

class FakeContext extends EventEmitter implements PcscContext {
  close(): void {}
}

/** A pcscd that can be down, come up with readers, and crash. */
class FakePcscd {
  up = false;
  contexts: FakeContext[] = [];
  readers: FakeReader[] = [];
  factory = (): PcscContext => {
    if (!this.up)
      throw new Error('SCardEstablishContext error: Service not available.(0x8010001d)');
    const context = new FakeContext();
    this.contexts.push(context);
    setImmediate(() => {
      for (const reader of this.readers) context.emit('reader', reader);
    });
    return context;
  };
  crash(): void {
    this.up = false;
    const context = this.contexts.at(-1)!;
    for (const reader of this.readers)
      reader.emit(
        'error',
        new Error('SCardGetStatusChange error: Service not available.(0x8010001d)'),
      );
    context.emit(
      'error',
      new Error('SCardGetStatusChange error: Service not available.(0x8010001d)'),
    );
  }
}

const codeOf = (promise: Promise<unknown>): Promise<string | undefined> =>
  promise.then(
    () => undefined,
    (e: unknown) => (e instanceof DeviceError ? e.code : `not a DeviceError: ${String(e)}`),
  );

describe('PcscPivEncoder (fake pcsclite)', () => {
  let encoder: PcscPivEncoder | undefined;
  afterEach(async () => {
    await encoder?.close();
  });

  it('reads the SCARD code out of pcsclite messages', () => {
    expect(pcscErrorCode(new Error('SCardTransmit error: Card was removed.(0x80100069)'))).toBe(
      0x80100069,
    );
    expect(pcscErrorCode(new Error('Card Reader not connected'))).toBeUndefined();
  });

  it('starts without pcscd, says READER_NOT_FOUND, and picks pcscd up once it runs', async () => {
    const pcscd = new FakePcscd();
    const reader = new FakeReader('ACME Encoder 00 00');
    pcscd.readers.push(reader);
    encoder = await PcscPivEncoder.create({
      contextFactory: pcscd.factory,
      reconnectIntervalMs: 10,
      cardWaitMs: 0,
    });
    expect(await codeOf(encoder.personalize(testRequest()))).toBe('READER_NOT_FOUND');
    pcscd.up = true;
    expect((await encoder.waitForReader(2_000)).readerName).toBe('ACME Encoder 00 00');
    reader.insert();
    await expect(encoder.personalize(testRequest())).resolves.toMatchObject({
      chipSerial: expect.any(String),
    });
  });

  it('chooses the configured reader by name fragment and ignores the others', async () => {
    const pcscd = new FakePcscd();
    pcscd.up = true;
    pcscd.readers.push(new FakeReader('Other Reader'), new FakeReader('ACME Encoder 00 01'));
    encoder = await PcscPivEncoder.create({
      contextFactory: pcscd.factory,
      readerName: 'Encoder 00 01',
    });
    expect((await encoder.waitForReader(2_000)).readerName).toBe('ACME Encoder 00 01');
  });

  it.each([
    ['SCardTransmit error: Card was removed.(0x80100069)', 'CARD_REMOVED'],
    ['SCardTransmit error: Service not available.(0x8010001d)', 'READER_NOT_FOUND'],
    ['SCardTransmit error: Sharing violation.(0x8010000b)', 'DEVICE_BUSY'],
    ['SCardTransmit error: Card is unresponsive.(0x80100066)', 'CARD_NOT_SUPPORTED'],
    ['SCardTransmit error: Transaction failed.(0x80100016)', 'CARD_ERROR'],
  ])('maps "%s" to %s', async (message, code) => {
    const pcscd = new FakePcscd();
    pcscd.up = true;
    const reader = new FakeReader('R');
    pcscd.readers.push(reader);
    encoder = await PcscPivEncoder.create({ contextFactory: pcscd.factory, removalGraceMs: 20 });
    await encoder.waitForReader(2_000);
    reader.insert();
    reader.failNext = message;
    expect(await codeOf(encoder.personalize(testRequest()))).toBe(code);
  });

  it('calls an unclear failure CARD_REMOVED when pcscd then reports the card gone', async () => {
    const pcscd = new FakePcscd();
    pcscd.up = true;
    const reader = new FakeReader('R');
    pcscd.readers.push(reader);
    encoder = await PcscPivEncoder.create({ contextFactory: pcscd.factory, removalGraceMs: 2_000 });
    await encoder.waitForReader(2_000);
    reader.insert();
    reader.failNext = 'SCardTransmit error: Transaction failed.(0x80100016)';
    const attempt = encoder.personalize(testRequest());
    setTimeout(() => reader.pull(), 30);
    expect(await codeOf(attempt)).toBe('CARD_REMOVED');
  });

  it('survives a pcscd crash (reader error events included) and recovers its reader', async () => {
    const pcscd = new FakePcscd();
    pcscd.up = true;
    const reader = new FakeReader('R');
    pcscd.readers.push(reader);
    encoder = await PcscPivEncoder.create({
      contextFactory: pcscd.factory,
      reconnectIntervalMs: 10,
      cardWaitMs: 0,
    });
    await encoder.waitForReader(2_000);
    pcscd.crash();
    expect((await encoder.status()).readerPresent).toBe(false);
    expect(await codeOf(encoder.personalize(testRequest()))).toBe('READER_NOT_FOUND');
    pcscd.up = true;
    await encoder.waitForReader(2_000);
    reader.insert();
    await expect(encoder.personalize(testRequest())).resolves.toMatchObject({
      chipSerial: expect.any(String),
    });
  });

  it('lists readers, or none when pcscd is down', async () => {
    const pcscd = new FakePcscd();
    expect(await listPcscReaders(50, pcscd.factory)).toEqual([]);
    pcscd.up = true;
    pcscd.readers.push(new FakeReader('A'), new FakeReader('B'));
    expect(await listPcscReaders(1_000, pcscd.factory)).toEqual(['A', 'B']);
  });
});
