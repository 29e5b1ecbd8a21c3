import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeCommandApdu, toHex } from '../../../drivers/encoder/apdu-codec.js';
import { getSerial } from '../../../drivers/encoder/piv-commands.js';
import { SimulatedPivCard } from '../../../drivers/encoder/simulated-piv-card.js';
import {
  VpcdClient,
  VpcdFrameDecoder,
  encodeVpcdFrame,
} from '../../../drivers/encoder/vpcd-client.js';

describe('vpcd framing', () => {
  it('reassembles frames split at every byte boundary', () => {
    const frames = [
      Uint8Array.of(0x04),
      encodeCommandApdu(getSerial()),
      new Uint8Array(300).fill(9),
    ];
    const stream = Uint8Array.from(frames.flatMap((f) => Array.from(encodeVpcdFrame(f))));
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new VpcdFrameDecoder();
      const got = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
      expect(got.map(toHex)).toEqual(frames.map(toHex));
    }
  });
});

/** The reader side of vpcd, as pcscd's driver plays it, on an ephemeral port. */
class FakeVpcdReader {
  server: Server;
  socket: Socket | null = null;
  private decoder = new VpcdFrameDecoder();
  private waiting: ((frame: Uint8Array) => void)[] = [];
  private connectedWaiters: (() => void)[] = [];

  constructor() {
    this.server = createServer((socket) => {
      this.socket = socket;
      this.decoder = new VpcdFrameDecoder();
      socket.on('data', (chunk) => {
        for (const frame of this.decoder.push(new Uint8Array(chunk))) this.waiting.shift()?.(frame);
      });
      this.connectedWaiters.splice(0).forEach((w) => w());
    });
  }
  listen(): Promise<number> {
    return new Promise((resolve) =>
      this.server.listen(0, '127.0.0.1', () =>
        resolve((this.server.address() as { port: number }).port),
      ),
    );
  }
  connected(): Promise<void> {
    return this.socket && !this.socket.destroyed
      ? Promise.resolve()
      : new Promise((resolve) => this.connectedWaiters.push(resolve));
  }
  ask(payload: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.socket!.write(encodeVpcdFrame(payload));
    });
  }
  dropConnection(): void {
    this.socket?.destroy();
    this.socket = null;
  }
  close(): Promise<void> {
    this.socket?.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('VpcdClient', () => {
  let reader: FakeVpcdReader;
  let client: VpcdClient | undefined;
  afterEach(async () => {
    await client?.close();
    await reader?.close();
  });

  it('answers ATR requests and APDUs, ignores power notices, and re-connects after a drop', async () => {
    reader = new FakeVpcdReader();
    const port = await reader.listen();
    const card = new SimulatedPivCard({ serial: 0x01020304 });
    client = new VpcdClient({ card, port, reconnectIntervalMs: 20 });
    await client.insert(2_000);
    await reader.connected();
    reader.socket!.write(encodeVpcdFrame(Uint8Array.of(0x01))); // power on: no reply expected
    expect(toHex(await reader.ask(Uint8Array.of(0x04)))).toBe(toHex(card.atr));
    expect(toHex(await reader.ask(encodeCommandApdu(getSerial())))).toBe('010203049000');

    const disconnected = new Promise((resolve) => client!.once('disconnected', resolve));
    const reconnected = new Promise((resolve) => client!.once('connected', resolve));
    reader.dropConnection();
    await disconnected;
    await reconnected;
    await reader.connected();
    expect(toHex(await reader.ask(encodeCommandApdu(getSerial())))).toBe('010203049000');
  });

  it('pulls the card instead of answering when onApdu says so, and stays out', async () => {
    reader = new FakeVpcdReader();
    const port = await reader.listen();
    client = new VpcdClient({ card: new SimulatedPivCard(), port, onApdu: () => 'remove' });
    await client.insert(2_000);
    await reader.connected();
    const closed = new Promise((resolve) => reader.socket!.once('close', resolve));
    reader.socket!.write(encodeVpcdFrame(encodeCommandApdu(getSerial())));
    await closed;
    expect(client.connected).toBe(false);
  });

  it('rejects insert() after its timeout when nothing listens', async () => {
    reader = new FakeVpcdReader();
    const port = await reader.listen();
    await reader.close();
    client = new VpcdClient({ card: new SimulatedPivCard(), port, reconnectIntervalMs: 10 });
    await expect(client.insert(100)).rejects.toThrow(/no connection/);
  });
});
