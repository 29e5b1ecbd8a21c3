/**
 * Card generations the PIV emulator can play, as data: what each answers to GET VERSION,
 * GET METADATA and ATTEST, the algorithm of its factory management key, the algorithms its
 * SET MANAGEMENT KEY takes, and what its SELECT reply lists. Sources per profile are given
 * beside it; where none confirms a detail, the profile says so.
 */
import {
  MANAGEMENT_KEY_ALGORITHM,
  type ManagementKeyAlgorithm,
} from './management-key-algorithm.js';
import { ALGORITHM } from './piv-objects.js';

export interface SimulatedCardProfile {
  readonly name: string;
  readonly description: string;
  /** GET VERSION reply; undefined: the card answers 6D00 (no such instruction). */
  readonly version: readonly [number, number, number] | undefined;
  readonly factoryManagementKeyAlgorithm: ManagementKeyAlgorithm;
  /** Algorithms SET MANAGEMENT KEY accepts (others: 6A80). */
  readonly managementKeyAlgorithms: readonly ManagementKeyAlgorithm[];
  /** Answers GET METADATA (F7); false: 6D00. */
  readonly metadata: boolean;
  /** Answers ATTEST (F9) for keys generated on the card; false: 6D00. */
  readonly attestation: boolean;
  /** The attestation statement carries the serial-number extension (YubiKey 5.0+). */
  readonly attestationSerial: boolean;
  /** Algorithm identifiers in the SELECT reply's AC template. */
  readonly advertisedAlgorithms: readonly number[];
}

const { TDEA_3KEY, AES_128, AES_192, AES_256 } = MANAGEMENT_KEY_ALGORITHM;
const ALL_MANAGEMENT = [TDEA_3KEY, AES_128, AES_192, AES_256] as const;
const ASYMMETRIC = [ALGORITHM.RSA_2048, ALGORITHM.ECC_P256] as const;

export const SIMULATED_CARD_PROFILES = {
  // YubiKey 4.3–4.4: attestation since 4.3 (Yubico PIV attestation page), GET METADATA only
  // from 5.3 (yubico-piv-tool's ykpiv_get_metadata needs 5.3), 3DES only. Attestation
  // statements of YubiKey 4 carry no serial extension (piv.md: "from 5.0").
  'yubikey-4.3': {
    name: 'yubikey-4.3',
    description: 'YubiKey 4.3: 3DES factory key, no GET METADATA, attestation without serial',
    version: [4, 3, 7],
    factoryManagementKeyAlgorithm: TDEA_3KEY,
    managementKeyAlgorithms: [TDEA_3KEY],
    metadata: false,
    attestation: true,
    attestationSerial: false,
    advertisedAlgorithms: [TDEA_3KEY, ...ASYMMETRIC],
  },
  // YubiKey 5.4.3: GET METADATA (5.3+), AES management keys accepted (5.4.2+), factory key
  // still 3DES (piv.md).
  'yubikey-5.4': {
    name: 'yubikey-5.4',
    description: 'YubiKey 5.4: 3DES factory key, takes AES keys, metadata and attestation',
    version: [5, 4, 3],
    factoryManagementKeyAlgorithm: TDEA_3KEY,
    managementKeyAlgorithms: ALL_MANAGEMENT,
    metadata: true,
    attestation: true,
    attestationSerial: true,
    advertisedAlgorithms: [TDEA_3KEY, ...ASYMMETRIC],
  },
  // YubiKey 5.7+: the factory management key is AES-192 with the same 24 bytes (piv.md;
  // go-piv/piv-go issue 146).
  'yubikey-5.7': {
    name: 'yubikey-5.7',
    description: 'YubiKey 5.7: AES-192 factory key, metadata and attestation',
    version: [5, 7, 1],
    factoryManagementKeyAlgorithm: AES_192,
    managementKeyAlgorithms: ALL_MANAGEMENT,
    metadata: true,
    attestation: true,
    attestationSerial: true,
    advertisedAlgorithms: [AES_192, ...ASYMMETRIC],
  },
  // A PIV Java Card applet with the YubiKey-compatible management extensions (SET
  // MANAGEMENT KEY, SET PIN RETRIES, GET SERIAL) but no GET VERSION, GET METADATA or
  // ATTEST, whose SELECT reply lists the AES mechanisms it accepts for 9B. OUR ASSUMPTION:
  // no vendor document here describes such an applet; it stands for "a card without
  // attestation" and for learning the algorithms from SELECT alone.
  'piv-applet': {
    name: 'piv-applet',
    description: 'PIV Java Card applet: 3DES factory key, AES listed in SELECT, no attestation',
    version: undefined,
    factoryManagementKeyAlgorithm: TDEA_3KEY,
    managementKeyAlgorithms: ALL_MANAGEMENT,
    metadata: false,
    attestation: false,
    attestationSerial: false,
    advertisedAlgorithms: [TDEA_3KEY, AES_128, AES_192, AES_256, ...ASYMMETRIC],
  },
} as const satisfies Record<string, SimulatedCardProfile>;

export type SimulatedCardProfileName = keyof typeof SIMULATED_CARD_PROFILES;
export const SIMULATED_CARD_PROFILE_NAMES = Object.keys(
  SIMULATED_CARD_PROFILES,
) as SimulatedCardProfileName[];
/** The emulator's default: the generation it modelled before profiles existed (5.4.3). */
export const DEFAULT_CARD_PROFILE: SimulatedCardProfileName = 'yubikey-5.4';

export function simulatedCardProfile(name: string): SimulatedCardProfile {
  if (!Object.prototype.hasOwnProperty.call(SIMULATED_CARD_PROFILES, name)) {
    throw new RangeError(
      `unknown card profile "${name}" (known: ${SIMULATED_CARD_PROFILE_NAMES.join(', ')})`,
    );
  }
  return SIMULATED_CARD_PROFILES[name as SimulatedCardProfileName];
}
