/**
 * A fault-injecting TCP proxy for the sync tests, between the appliance and the central
 * server on loopback. It forwards bytes unchanged (TLS passes through end to end) and, by
 * mode, refuses connections, hangs, resets a connection once the answer starts to flow,
 * trickles bytes slowly, or corrupts them. The mode applies to every connection, open ones
 * included, from the next chunk on.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export type ProxyMode =
  | { kind: 'pass' }
  /** Accept and close at once, like a centre that is down behind a load balancer. */
  | { kind: 'refuse' }
  /** Accept and swallow everything: no answer ever comes. */
  | { kind: 'hang' }
  /**
   * Forward, but once the client has sent more than `afterClientBytes` on a connection (a
   * request is out, past the TLS handshake), forward the first `passBytes` of the answer and
   * reset the connection.
   */
  | { kind: 'reset'; afterClientBytes: number; passBytes: number }
  /** Forward answers in `chunkBytes` pieces, `delayMs` apart. */
  | { kind: 'slow'; chunkBytes: number; delayMs: number }
  /** Flip bits in the answer. */
  | { kind: 'corrupt' };

export class FaultProxy {
  private mode: ProxyMode = { kind: 'pass' };
  private readonly sockets = new Set<Socket>();
  private server: Server | null = null;
  port = 0;
  /** Connections reset mid-answer so far. */
  resets = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<number> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this.port;
  }

  /** Change the mode; open connections are cut so the next request meets it. */
  set(mode: ProxyMode): void {
    this.mode = mode;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => undefined);
  }

  private accept(client: Socket): void {
    this.track(client);
    const mode = this.mode;
    if (mode.kind === 'refuse') {
      client.destroy();
      return;
    }
    if (mode.kind === 'hang') {
      client.on('data', () => undefined);
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    this.track(upstream);
    let clientBytes = 0;
    let answerBytes = 0;
    let queue: Promise<void> = Promise.resolve();
    client.on('data', (chunk: Buffer) => {
      clientBytes += chunk.length;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      const m = this.mode;
      if (m.kind === 'reset' && clientBytes > m.afterClientBytes) {
        const room = Math.max(0, m.passBytes - answerBytes);
        if (room > 0) client.write(chunk.subarray(0, room));
        answerBytes += Math.min(room, chunk.length);
        if (answerBytes >= m.passBytes) {
          this.resets++;
          client.resetAndDestroy();
          upstream.destroy();
        }
        return;
      }
      if (m.kind === 'corrupt') {
        const copy = Buffer.from(chunk);
        for (let i = 0; i < copy.length; i += 7) copy[i] = (copy[i] as number) ^ 0x5a;
        client.write(copy);
        return;
      }
      if (m.kind === 'slow') {
        upstream.pause();
        queue = queue.then(async () => {
          for (let i = 0; i < chunk.length; i += m.chunkBytes) {
            await new Promise((r) => setTimeout(r, m.delayMs));
            if (client.destroyed) return;
            client.write(chunk.subarray(i, i + m.chunkBytes));
          }
          upstream.resume();
        });
        return;
      }
      client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }
}
