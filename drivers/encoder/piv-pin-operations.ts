/**
 * PIN operations on a personalised PIV card after hand-over, shared by the PC/SC encoder and
 * the emulator: unblock the PIN with the PUK (RESET RETRY COUNTER, SP 800-73-4 Part 2
 * §3.2.3) and change the PIN with the current one (CHANGE REFERENCE DATA, §3.2.2). Before
 * either, the card's CHUID GUID is read (GET DATA 5FC102, readable without a PIN, Part 1
 * Table 9) and compared with the card the appliance means, so a PUK is never tried on another
 * holder's card. Status words: 9000 done; 63Cx wrong secret with x tries left; 6983 blocked
 * (Part 2 §3.2.2/§3.2.3, and what yubico-piv-tool reports for the same answers). PINs and PUKs
 * never reach an error message.
 */
import { DeviceError } from '../errors.js';
import { ApduChannel, type ApduTransport } from './apdu-channel.js';
import { SW, toHex } from './apdu-codec.js';
import {
  changeReferenceData,
  getData,
  parseGetDataReply,
  resetRetryCounter,
  selectPiv,
} from './piv-commands.js';
import { decodeChuid, OBJECT_TAG } from './piv-objects.js';

export interface PinUnblockRequest {
  /** The card's CHUID GUID, 32 hex digits: the operation refuses any other card. */
  expectedGuid: string;
  puk: string;
  newPin: string;
}

export interface PinChangeRequest {
  expectedGuid: string;
  currentPin: string;
  newPin: string;
}

export interface PinOperationResult {
  apdusExchanged: number;
}

const PIN_PATTERN = /^\d{6,8}$/;

function checkPin(pin: string, what: string): void {
  // SP 800-73-4 Part 2 §2.4.3: the PIV PIN is 6 to 8 digits.
  if (!PIN_PATTERN.test(pin))
    throw new DeviceError('CARD_ERROR', `the ${what} must be 6 to 8 digits`);
}

async function selectAndReadGuid(channel: ApduChannel): Promise<string> {
  await channel.call(selectPiv(), 'SELECT PIV');
  const chuid = decodeChuid(
    parseGetDataReply(await channel.call(getData(OBJECT_TAG.CHUID), 'GET DATA CHUID')),
  );
  return toHex(chuid.guid).toLowerCase();
}

export async function selectAndCheckGuid(
  channel: ApduChannel,
  expectedGuid: string,
): Promise<void> {
  if ((await selectAndReadGuid(channel)) !== expectedGuid.toLowerCase())
    throw new DeviceError('CARD_MISMATCH', 'the card in the encoder is not this card');
}

export function secretError(sw: number, what: 'PIN' | 'PUK'): DeviceError {
  if (sw === SW.AUTH_METHOD_BLOCKED || sw === 0x63c0)
    return new DeviceError('CARD_SECRET_BLOCKED', `the ${what} is blocked on this card`);
  if (sw >> 4 === 0x63c)
    return Object.assign(
      new DeviceError('CARD_WRONG_SECRET', `wrong ${what}; ${sw & 0x0f} tries left`),
      { retriesLeft: sw & 0x0f },
    );
  return new DeviceError(
    'CARD_ERROR',
    `the card refused the ${what} operation (${sw.toString(16)})`,
  );
}

/** RESET RETRY COUNTER: the PUK unblocks the PIN and sets `newPin`. */
export async function unblockPinOnCard(
  transport: ApduTransport,
  request: PinUnblockRequest,
): Promise<PinOperationResult> {
  checkPin(request.newPin, 'new PIN');
  const channel = new ApduChannel(transport);
  await selectAndCheckGuid(channel, request.expectedGuid);
  const reply = await channel.send(resetRetryCounter(request.puk, request.newPin));
  if (reply.sw !== SW.OK) throw secretError(reply.sw, 'PUK');
  return { apdusExchanged: channel.apdusExchanged };
}

/** CHANGE REFERENCE DATA for the PIN: the current PIN proves the holder. */
export async function changePinOnCard(
  transport: ApduTransport,
  request: PinChangeRequest,
): Promise<PinOperationResult> {
  checkPin(request.newPin, 'new PIN');
  const channel = new ApduChannel(transport);
  await selectAndCheckGuid(channel, request.expectedGuid);
  const reply = await channel.send(changeReferenceData('PIN', request.currentPin, request.newPin));
  if (reply.sw !== SW.OK) throw secretError(reply.sw, 'PIN');
  return { apdusExchanged: channel.apdusExchanged };
}
