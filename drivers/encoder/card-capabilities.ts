/**
 * Learn what the PIV card in the reader can do before touching its management key: GET
 * VERSION (YubiKey-compatible, 3 bytes), GET METADATA for key 9B (YubiKey 5.3+: tag 01 the
 * key's algorithm, tag 05 whether it still holds its factory value) and the algorithms the
 * SELECT reply lists (SP 800-73-4 Part 2 §3.1.1, tag AC). Fallbacks (piv.md): a card that
 * answers 6D00 to GET METADATA holds a 3DES key; a card without GET VERSION is simply of
 * unknown version. From those it picks the algorithm of the card's new per-card key.
 */
import { DeviceError } from '../errors.js';
import type { ApduChannel } from './apdu-channel.js';
import { CardStatusError, SW } from './apdu-codec.js';
import {
  MANAGEMENT_KEY_ALGORITHM,
  MANAGEMENT_KEY_PREFERENCE,
  isManagementKeyAlgorithm,
  managementKeyFromMaterial,
  managementKeyName,
  type ManagementKeyAlgorithm,
} from './management-key-algorithm.js';
import { getMetadata, getVersion, parseMetadata, parseVersion } from './piv-commands.js';
import { KEY_REF } from './piv-objects.js';

/** YubiKey firmware from which SET MANAGEMENT KEY takes AES keys (piv.md). */
const AES_MANAGEMENT_KEY_SINCE = [5, 4, 2] as const;

export interface CardCapabilities {
  /** 'major.minor.patch' from GET VERSION, when the card answers it. */
  version?: string;
  /** The card answered GET METADATA. */
  metadata: boolean;
  /** Algorithm of the management key the card holds now. */
  managementKeyAlgorithm: ManagementKeyAlgorithm;
  /** GET METADATA's "still the default" flag; undefined without metadata. */
  managementKeyIsDefault?: boolean;
  /** Every algorithm the card is known to take for 9B, best first. */
  managementKeyAlgorithms: ManagementKeyAlgorithm[];
}

/** Status words of a card that does not know an instruction or its P1/P2. */
const UNSUPPORTED = new Set<number>([SW.INS_NOT_SUPPORTED, SW.INCORRECT_P1P2, SW.WRONG_P1P2]);

function atLeast(version: readonly number[], since: readonly number[]): boolean {
  for (let i = 0; i < since.length; i++) {
    const a = version[i] ?? 0;
    const b = since[i]!;
    if (a !== b) return a > b;
  }
  return true;
}

/**
 * Ask the card. `selectAlgorithms` are the algorithm ids its SELECT reply listed.
 * Throws DeviceError CARD_NOT_SUPPORTED when the card names a management-key algorithm this
 * encoder cannot use; CardStatusError when it refuses GET METADATA otherwise.
 */
export async function learnCardCapabilities(
  channel: ApduChannel,
  selectAlgorithms: readonly number[],
): Promise<CardCapabilities> {
  const versionReply = await channel.send(getVersion());
  let versionParts: number[] | undefined;
  let version: string | undefined;
  if (versionReply.sw === SW.OK && versionReply.data.length >= 3) {
    version = parseVersion(versionReply.data);
    versionParts = [...versionReply.data.subarray(0, 3)];
  }

  const metadataReply = await channel.send(getMetadata(KEY_REF.MANAGEMENT));
  let metadata = false;
  let current: number = MANAGEMENT_KEY_ALGORITHM.TDEA_3KEY;
  let isDefault: boolean | undefined;
  if (metadataReply.sw === SW.OK) {
    const parsed = parseMetadata(metadataReply.data);
    if (parsed.algorithm === undefined) {
      throw new DeviceError(
        'CARD_NOT_SUPPORTED',
        'the card answered GET METADATA for its management key without naming its algorithm',
      );
    }
    metadata = true;
    current = parsed.algorithm;
    isDefault = parsed.isDefault;
  } else if (!UNSUPPORTED.has(metadataReply.sw)) {
    throw new CardStatusError(metadataReply.sw, 'GET METADATA 9B');
  }
  if (!isManagementKeyAlgorithm(current)) {
    throw new DeviceError(
      'CARD_NOT_SUPPORTED',
      `the card's management key uses algorithm ${managementKeyName(current)}, which this encoder cannot use (it speaks 3DES and AES-128/192/256)`,
    );
  }

  const known = new Set<ManagementKeyAlgorithm>([current]);
  for (const alg of selectAlgorithms) if (isManagementKeyAlgorithm(alg)) known.add(alg);
  // A YubiKey that answers GET METADATA and runs 5.4.2 or later takes every AES key size.
  if (metadata && versionParts && atLeast(versionParts, AES_MANAGEMENT_KEY_SINCE)) {
    for (const alg of MANAGEMENT_KEY_PREFERENCE) known.add(alg);
  }
  const capabilities: CardCapabilities = {
    metadata,
    managementKeyAlgorithm: current,
    managementKeyAlgorithms: MANAGEMENT_KEY_PREFERENCE.filter((alg) => known.has(alg)),
  };
  if (version !== undefined) capabilities.version = version;
  if (isDefault !== undefined) capabilities.managementKeyIsDefault = isDefault;
  return capabilities;
}

/**
 * The algorithm of the card's new key: the first of the card's algorithms (best first) for
 * which the per-card key material is long enough. Undefined when there is none.
 */
export function chooseManagementKeyAlgorithm(
  capabilities: CardCapabilities,
  keyMaterial: Uint8Array,
): ManagementKeyAlgorithm | undefined {
  return capabilities.managementKeyAlgorithms.find(
    (alg) => managementKeyFromMaterial(keyMaterial, alg) !== undefined,
  );
}
