/**
 * Which card is in the reader: SELECT the PIV application and read the CHUID (GET DATA
 * 5FC102), which SP 800-73-4 Part 1 Table 9 makes readable without a PIN ("Always" access),
 * like the check before a PIN operation (piv-pin-operations.ts). Its GUID (tag 34) is the one
 * the appliance wrote at personalisation and keeps on the card record; the FASC-N (tag 30) is
 * returned too. Used by "I'm leaving" with the badge in the encoder's reader. A card without
 * the PIV application (SELECT answers 6A82) or without a CHUID (GET DATA answers 6A82) is not
 * one this kiosk personalised: CARD_NOT_SUPPORTED. Nothing secret is read.
 */
import { DeviceError } from '../errors.js';
import { ApduChannel, type ApduTransport } from './apdu-channel.js';
import { SW, toHex } from './apdu-codec.js';
import { getData, parseGetDataReply, selectPiv } from './piv-commands.js';
import { decodeChuid, OBJECT_TAG } from './piv-objects.js';

export interface CardIdentity {
  /** CHUID GUID, 32 lower-case hex digits. */
  guid: string;
  /** CHUID FASC-N, hex. */
  fascn: string;
  /** CHUID expiration date, 'YYYY-MM-DD'. */
  expiry: string;
}

export async function readCardIdentityOnCard(transport: ApduTransport): Promise<CardIdentity> {
  const channel = new ApduChannel(transport);
  const selected = await channel.send(selectPiv());
  if (selected.sw !== SW.OK)
    throw new DeviceError('CARD_NOT_SUPPORTED', 'the card in the encoder has no PIV application');
  const reply = await channel.send(getData(OBJECT_TAG.CHUID));
  if (reply.sw !== SW.OK)
    throw new DeviceError('CARD_NOT_SUPPORTED', 'the card in the encoder carries no CHUID');
  let chuid;
  try {
    chuid = decodeChuid(parseGetDataReply(reply.data));
  } catch {
    throw new DeviceError('CARD_NOT_SUPPORTED', 'the card in the encoder has an unreadable CHUID');
  }
  return {
    guid: toHex(chuid.guid).toLowerCase(),
    fascn: toHex(chuid.fascn).toLowerCase(),
    expiry: `${chuid.expiry.slice(0, 4)}-${chuid.expiry.slice(4, 6)}-${chuid.expiry.slice(6, 8)}`,
  };
}
