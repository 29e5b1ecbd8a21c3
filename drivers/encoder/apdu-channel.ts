/**
 * The APDU layer between the PIV commands and a byte transport: sends one logical command
 * as a chain of short APDUs when its data is too long (ISO/IEC 7816-4 §5.1.1.1), collects
 * long replies with GET RESPONSE while the card answers 61xx (§5.1.3, SP 800-73-4 Part 2
 * §3), re-sends with the right Le on 6Cxx, and counts APDUs and bytes for the benchmark.
 * The transport is anything with `transmit(bytes) → bytes`: PC/SC through pcscd, or the
 * in-process simulated card.
 */
import {
  SW,
  chainCommand,
  decodeResponseApdu,
  encodeCommandApdu,
  expectOk,
  type CommandApdu,
  type ResponseApdu,
} from './apdu-codec.js';
import { getResponse } from './piv-commands.js';

/** One raw exchange: command APDU bytes in, response APDU bytes (data ‖ SW1 SW2) out. */
export interface ApduTransport {
  transmit(apdu: Uint8Array): Promise<Uint8Array>;
}

/** Guard against a card that answers 61xx forever. */
const MAX_GET_RESPONSE_ROUNDS = 256;

export class ApduChannel {
  apdusExchanged = 0;
  bytesOnWire = 0;

  constructor(private readonly transport: ApduTransport) {}

  private async exchange(command: CommandApdu): Promise<ResponseApdu> {
    const bytes = encodeCommandApdu(command);
    const reply = await this.transport.transmit(bytes);
    this.apdusExchanged += 1;
    this.bytesOnWire += bytes.length + reply.length;
    return decodeResponseApdu(reply);
  }

  /**
   * Send one logical command; returns the final reply with all 61xx data collected.
   * Does not throw on a non-9000 status (see `call`); transport errors propagate.
   */
  async send(command: CommandApdu): Promise<ResponseApdu> {
    const blocks = chainCommand(command);
    let reply: ResponseApdu = { data: new Uint8Array(0), sw: SW.OK };
    for (const [i, block] of blocks.entries()) {
      reply = await this.exchange(block);
      // A card that refuses an intermediate block ends the chain right there.
      if (i < blocks.length - 1 && reply.sw !== SW.OK) return reply;
    }
    const last = blocks[blocks.length - 1]!;
    if (reply.sw >> 8 === 0x6c) {
      // Wrong Le: the card tells the exact length; repeat the same command with it.
      reply = await this.exchange({ ...last, le: (reply.sw & 0xff) === 0 ? 256 : reply.sw & 0xff });
    }
    const parts: Uint8Array[] = [reply.data];
    let rounds = 0;
    while (reply.sw >> 8 === 0x61) {
      if (++rounds > MAX_GET_RESPONSE_ROUNDS) break;
      const available = reply.sw & 0xff;
      reply = await this.exchange(getResponse(available === 0 ? 256 : available));
      parts.push(reply.data);
    }
    const total = parts.reduce((n, p) => n + p.length, 0);
    const data = new Uint8Array(total);
    let offset = 0;
    for (const p of parts) {
      data.set(p, offset);
      offset += p.length;
    }
    return { data, sw: reply.sw };
  }

  /** Send and require 9000; throws CardStatusError naming `operation` otherwise. */
  async call(command: CommandApdu, operation: string): Promise<Uint8Array> {
    return expectOk(await this.send(command), operation);
  }
}
