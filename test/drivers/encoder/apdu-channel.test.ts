import { describe, expect, it } from 'vitest';
import { ApduChannel, type ApduTransport } from '../../../drivers/encoder/apdu-channel.js';
import { CardStatusError, fromHex, toHex } from '../../../drivers/encoder/apdu-codec.js';

/** A transport that plays back scripted replies and records what was sent. */
function scripted(replies: string[]): ApduTransport & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    async transmit(apdu) {
      sent.push(toHex(apdu));
      const reply = replies.shift();
      if (reply === undefined) throw new Error('unexpected APDU');
      return fromHex(reply);
    },
  };
}

describe('ApduChannel', () => {
  it('collects 61xx data with GET RESPONSE until 9000', async () => {
    const transport = scripted(['AAAA6100', 'BBBB6102', 'CCCC9000']);
    const channel = new ApduChannel(transport);
    const reply = await channel.send({
      cla: 0,
      ins: 0xcb,
      p1: 0x3f,
      p2: 0xff,
      data: fromHex('5C017E'),
      le: 256,
    });
    expect(toHex(reply.data)).toBe('AAAABBBBCCCC');
    expect(reply.sw).toBe(0x9000);
    expect(transport.sent).toEqual(['00CB3FFF035C017E00', '00C0000000', '00C0000002']);
    expect(channel.apdusExchanged).toBe(3);
    expect(channel.bytesOnWire).toBe(9 + 5 + 5 + 4 + 4 + 4);
  });

  it('repeats the command with the announced Le on 6Cxx', async () => {
    const transport = scripted(['6C03', '0102039000']);
    const reply = await new ApduChannel(transport).send({
      cla: 0,
      ins: 0xfd,
      p1: 0,
      p2: 0,
      le: 256,
    });
    expect(toHex(reply.data)).toBe('010203');
    expect(transport.sent).toEqual(['00FD000000', '00FD000003']);
  });

  it('chains long commands and stops the chain at the first refusal', async () => {
    const data = new Uint8Array(600);
    const ok = scripted(['9000', '9000', '9000']);
    await new ApduChannel(ok).call({ cla: 0, ins: 0xdb, p1: 0x3f, p2: 0xff, data }, 'PUT DATA');
    expect(ok.sent.map((s) => s.slice(0, 2))).toEqual(['10', '10', '00']);

    const refused = scripted(['6982']);
    const reply = await new ApduChannel(refused).send({
      cla: 0,
      ins: 0xdb,
      p1: 0x3f,
      p2: 0xff,
      data,
    });
    expect(reply.sw).toBe(0x6982);
    expect(refused.sent).toHaveLength(1);
  });

  it('call() throws a CardStatusError for anything but 9000', async () => {
    const channel = new ApduChannel(scripted(['6A82']));
    await expect(
      channel.call({ cla: 0, ins: 0xcb, p1: 0x3f, p2: 0xff }, 'GET DATA CHUID'),
    ).rejects.toBeInstanceOf(CardStatusError);
  });

  it('passes transport failures through unchanged', async () => {
    const failure = new Error('gone');
    const channel = new ApduChannel({ transmit: () => Promise.reject(failure) });
    await expect(channel.send({ cla: 0, ins: 0xfd, p1: 0, p2: 0 })).rejects.toBe(failure);
  });
});
