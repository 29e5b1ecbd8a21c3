/**
 * A PIV card emulator: the card side of SP 800-73-4 Part 2 plus the YubiKey-compatible
 * management extensions, for the encoder's tests and for the appliance when no PC/SC
 * reader is present. It takes command APDU bytes and returns response APDU bytes, so it
 * sits behind any transport: in-process (`simulated-piv-encoder.ts`) or attached to pcscd
 * through the vpcd virtual reader (`vpcd-client.ts`), where OpenSC and yubico-piv-tool
 * talk to it like to a real card.
 *
 * Factory state: management key 010203…08 ×3 (3DES), PIN 123456, PUK 12345678, 3 tries
 * each, no keys, no data objects but the discovery object. Keys are generated with
 * node:crypto and never leave the card; signing happens through GENERAL AUTHENTICATE.
 * Long replies come back in 256-byte pieces with 61xx so hosts exercise GET RESPONSE.
 */
import {
  createECDH,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  privateDecrypt,
  randomBytes,
  constants as cryptoConstants,
  type KeyObject,
} from 'node:crypto';
import {
  CLA_CHAINING,
  SW,
  bytesEqual,
  concatBytes,
  decodeCommandApdu,
  decodeTlvAt,
  decodeTlvs,
  encodeResponseApdu,
  encodeTlv,
  findTlv,
  type DecodedCommandApdu,
} from './apdu-codec.js';
import { FACTORY_MANAGEMENT_KEY, FACTORY_PIN, FACTORY_PUK, INS } from './piv-commands.js';
import {
  challengeBlockBytes,
  isManagementKeyAlgorithm,
  managementEncryptBlock,
  managementKeyBytes,
  type ManagementKeyAlgorithm,
} from './management-key-algorithm.js';
import {
  DEFAULT_CARD_PROFILE,
  simulatedCardProfile,
  type SimulatedCardProfile,
} from './simulated-card-profiles.js';
import {
  buildAttestationStatement,
  createCardAttestationKey,
  createSimulatedAttestationAuthority,
  type CardAttestationKey,
  type SimulatedAttestationCa,
} from './simulated-attestation.js';
import {
  ALGORITHM,
  KEY_REF,
  NIST_RID,
  OBJECT_TAG,
  PIN_BLOCK_BYTES,
  PIN_PROTECTED_OBJECTS,
  PIV_AID,
  encodeCertificateContainer,
  encodeDiscoveryObject,
  encodePinBlock,
  objectTagFromBytes,
} from './piv-objects.js';
import { bigintToBytes, bytesToBigint, multiplyBase, signDigest } from './p256-raw-ecdsa.js';

/** Anything that plays a card behind a reader: power events and APDUs. */
export interface SimulatedCard {
  readonly atr: Uint8Array;
  powerOn(): void;
  powerOff(): void;
  reset(): void;
  /** One command APDU in, one response APDU out (synchronous, like the card's firmware). */
  process(apdu: Uint8Array): Uint8Array;
}

export interface SimulatedPivCardOptions {
  /** Serial number reported by GET SERIAL; random 8 digits by default. */
  serial?: number;
  /** The card generation to play (default `yubikey-5.4`); see simulated-card-profiles.ts. */
  profile?: SimulatedCardProfile | string;
  /**
   * The attestation CA that certifies this card's F9 key (profiles with attestation). By
   * default a TEST authority made once per process (emulatorAttestationAuthority()).
   */
  attestationCa?: SimulatedAttestationCa;
  /**
   * Test hook: what ATTEST returns instead of the genuine statement (a forged or mismatched
   * one), so tests can show the CA refusing it on the real PC/SC path.
   */
  replaceAttestation?: (genuine: Uint8Array, card: SimulatedPivCard) => Uint8Array;
  /** Firmware version reported by GET VERSION; overrides the profile's. */
  version?: readonly [number, number, number];
  /** Largest data object the card stores, in bytes (YubiKey: 3052). */
  maxObjectBytes?: number;
}

interface ResponseParts {
  data?: Uint8Array;
  sw: number;
}

interface CardKey {
  algorithm: number;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** 1 generated on the card, 2 imported (GET METADATA tag 03). */
  origin: 1 | 2;
  /** Public key as the 7F49 template's content (81/82 or 86). */
  publicTemplate: Uint8Array;
}

interface RetryCounter {
  value: Uint8Array;
  total: number;
  remaining: number;
}

export interface SimulatedPivCardSnapshot {
  serial: number;
  pinRetriesRemaining: number;
  pinRetriesTotal: number;
  pukRetriesRemaining: number;
  pukRetriesTotal: number;
  pinIsDefault: boolean;
  pukIsDefault: boolean;
  managementKeyIsDefault: boolean;
  managementKeyAlgorithm: number;
  keySlots: number[];
  objectTags: number[];
}

export const DEFAULT_CARD_VERSION = [5, 4, 3] as const;
export const ATTESTATION_CERTIFICATE_OBJECT = OBJECT_TAG.ATTESTATION_CERTIFICATE;

let processAttestationAuthority: ReturnType<typeof createSimulatedAttestationAuthority> | undefined;
/** The TEST attestation authority emulated cards use unless given one (one per process). */
export function emulatorAttestationAuthority(): ReturnType<
  typeof createSimulatedAttestationAuthority
> {
  processAttestationAuthority ??= createSimulatedAttestationAuthority();
  return processAttestationAuthority;
}
const DEFAULT_MAX_OBJECT_BYTES = 3052;
const DEFAULT_PIN_RETRIES = 3;
const DEFAULT_PUK_RETRIES = 3;
const RESPONSE_CHUNK_BYTES = 256;
const ASYMMETRIC_SLOTS = new Set([
  KEY_REF.PIV_AUTHENTICATION,
  KEY_REF.DIGITAL_SIGNATURE,
  KEY_REF.KEY_MANAGEMENT,
  KEY_REF.CARD_AUTHENTICATION,
  // Retired key management keys 82..95 (SP 800-73-4 Part 1 Table 4b).
  ...Array.from({ length: 20 }, (_, i) => 0x82 + i),
]);
const PIN_POLICY = { NEVER: 1, ONCE: 2, ALWAYS: 3 } as const;
const TOUCH_POLICY_NEVER = 1;

/**
 * ATR: T=1 over a contact interface with historical bytes naming the emulator
 * (ISO/IEC 7816-3 §8: 3B, T0 = 8 + count, TD1 = 80, TD2 = 01, historical bytes, TCK).
 */
export function emulatorAtr(historical = 'cardkiosk-PIV'): Uint8Array {
  const hist = new TextEncoder().encode(historical).subarray(0, 15);
  const body = [0x80 | hist.length, 0x80, 0x01, ...hist];
  const tck = body.reduce((a, b) => a ^ b, 0);
  return Uint8Array.from([0x3b, ...body, tck]);
}

const pinBlockValid = (block: Uint8Array): boolean => {
  if (block.length !== PIN_BLOCK_BYTES) return false;
  let end = block.indexOf(0xff);
  if (end === -1) end = PIN_BLOCK_BYTES;
  if (end < 6) return false;
  return block.subarray(end).every((b) => b === 0xff);
};

export class SimulatedPivCard implements SimulatedCard {
  readonly atr = emulatorAtr();
  readonly serial: number;
  readonly profile: SimulatedCardProfile;
  private readonly version: readonly [number, number, number] | undefined;
  private readonly maxObjectBytes: number;
  private readonly attestationCa: SimulatedAttestationCa | undefined;
  private attestationKey: CardAttestationKey | undefined;
  /** The F9 key and certificate are still to be made (on the card's first command). */
  private attestationPending: boolean;
  private readonly replaceAttestation: SimulatedPivCardOptions['replaceAttestation'];

  // Persistent (non-volatile) state.
  private pin!: RetryCounter;
  private puk!: RetryCounter;
  private managementKey!: Uint8Array;
  private managementKeyAlgorithm!: ManagementKeyAlgorithm;
  private keys = new Map<number, CardKey>();
  private objects = new Map<number, Uint8Array>();

  // Volatile state, cleared at power-on and reset.
  private pivSelected = true;
  private pinVerified = false;
  private managementAuthenticated = false;
  private pendingWitness: Uint8Array | null = null;
  private pendingChallenge: Uint8Array | null = null;
  private pendingResponse: Uint8Array | null = null;
  private chain: { ins: number; p1: number; p2: number; data: Uint8Array } | null = null;

  constructor(options: SimulatedPivCardOptions = {}) {
    this.serial = options.serial ?? 10_000_000 + (randomBytes(4).readUInt32BE(0) % 90_000_000);
    this.profile =
      typeof options.profile === 'object'
        ? options.profile
        : simulatedCardProfile(options.profile ?? DEFAULT_CARD_PROFILE);
    this.version = options.version ?? this.profile.version;
    this.maxObjectBytes = options.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES;
    this.replaceAttestation = options.replaceAttestation;
    this.attestationCa = options.attestationCa;
    this.attestationPending = this.profile.attestation;
    this.factoryReset();
  }

  powerOn(): void {
    this.clearVolatile();
  }

  powerOff(): void {
    this.clearVolatile();
  }

  reset(): void {
    this.clearVolatile();
  }

  async transmit(apdu: Uint8Array): Promise<Uint8Array> {
    return this.process(apdu);
  }

  /** A read-only view for tests and diagnostics; never exposes PIN, PUK or key values. */
  snapshot(): SimulatedPivCardSnapshot {
    this.madeAtFactory();
    return {
      serial: this.serial,
      pinRetriesRemaining: this.pin.remaining,
      pinRetriesTotal: this.pin.total,
      pukRetriesRemaining: this.puk.remaining,
      pukRetriesTotal: this.puk.total,
      pinIsDefault: bytesEqual(this.pin.value, encodePinBlock(FACTORY_PIN, 'PIN')),
      pukIsDefault: bytesEqual(this.puk.value, encodePinBlock(FACTORY_PUK, 'PUK')),
      managementKeyIsDefault:
        bytesEqual(this.managementKey, FACTORY_MANAGEMENT_KEY) &&
        this.managementKeyAlgorithm === this.profile.factoryManagementKeyAlgorithm,
      managementKeyAlgorithm: this.managementKeyAlgorithm,
      keySlots: [...this.keys.keys()].sort((a, b) => a - b),
      objectTags: [...this.objects.keys()].sort((a, b) => a - b),
    };
  }

  process(apdu: Uint8Array): Uint8Array {
    this.madeAtFactory();
    let command: DecodedCommandApdu;
    try {
      command = decodeCommandApdu(apdu);
    } catch {
      return encodeResponseApdu(new Uint8Array(0), SW.WRONG_LENGTH);
    }
    if ((command.cla & ~CLA_CHAINING) !== 0x00)
      return this.reply({ sw: SW.CLA_NOT_SUPPORTED }, command);

    if (command.ins === INS.GET_RESPONSE) return this.continueResponse(command);
    this.pendingResponse = null;

    // Command chaining (ISO/IEC 7816-4 §5.1.1.1): collect blocks until one without CLA bit 0x10.
    if (command.cla & CLA_CHAINING) {
      if (
        this.chain &&
        (this.chain.ins !== command.ins ||
          this.chain.p1 !== command.p1 ||
          this.chain.p2 !== command.p2)
      ) {
        this.chain = null;
        return this.reply({ sw: SW.LAST_COMMAND_OF_CHAIN_EXPECTED }, command);
      }
      const previous = this.chain?.data ?? new Uint8Array(0);
      this.chain = {
        ins: command.ins,
        p1: command.p1,
        p2: command.p2,
        data: concatBytes(previous, command.data),
      };
      return encodeResponseApdu(new Uint8Array(0), SW.OK);
    }
    if (this.chain) {
      const chain = this.chain;
      this.chain = null;
      if (chain.ins !== command.ins || chain.p1 !== command.p1 || chain.p2 !== command.p2) {
        return this.reply({ sw: SW.LAST_COMMAND_OF_CHAIN_EXPECTED }, command);
      }
      command = { ...command, data: concatBytes(chain.data, command.data) };
    }

    let result: ResponseParts;
    try {
      result = this.dispatch(command);
    } catch {
      // An internal failure must never take down the host's reader; answer like a card would.
      result = { sw: SW.NO_PRECISE_DIAGNOSIS };
    }
    return this.reply(result, command);
  }

  // ---------------------------------------------------------------------------------------

  /**
   * The F9 attestation key and its certificate, which the factory made and RESET keeps (Yubico:
   * "even a factory reset does not recover" an overwritten one). Made on the card's first
   * command rather than in the constructor: a simulated encoder makes its card at the service's
   * start, and a key pair and two certificates were a tenth of that start's CPU time.
   */
  private madeAtFactory(): void {
    if (!this.attestationPending) return;
    this.attestationPending = false;
    this.attestationKey = createCardAttestationKey(
      this.attestationCa ?? emulatorAttestationAuthority().issuer,
      this.serial,
    );
    this.objects.set(
      ATTESTATION_CERTIFICATE_OBJECT,
      encodeCertificateContainer(this.attestationKey.certificateDer),
    );
  }

  private factoryReset(): void {
    this.pin = {
      value: encodePinBlock(FACTORY_PIN, 'PIN'),
      total: DEFAULT_PIN_RETRIES,
      remaining: DEFAULT_PIN_RETRIES,
    };
    this.puk = {
      value: encodePinBlock(FACTORY_PUK, 'PUK'),
      total: DEFAULT_PUK_RETRIES,
      remaining: DEFAULT_PUK_RETRIES,
    };
    this.managementKey = FACTORY_MANAGEMENT_KEY.slice();
    this.managementKeyAlgorithm = this.profile.factoryManagementKeyAlgorithm;
    this.keys = new Map();
    this.objects = new Map([[OBJECT_TAG.DISCOVERY, encodeDiscoveryObject()]]);
    if (this.attestationKey) {
      this.objects.set(
        ATTESTATION_CERTIFICATE_OBJECT,
        encodeCertificateContainer(this.attestationKey.certificateDer),
      );
    }
    this.clearVolatile();
  }

  private clearVolatile(): void {
    this.pivSelected = true;
    this.pinVerified = false;
    this.managementAuthenticated = false;
    this.pendingWitness = null;
    this.pendingChallenge = null;
    this.pendingResponse = null;
    this.chain = null;
  }

  /** Send `data` back, in 256-byte pieces with 61xx when it does not fit Le. */
  private reply(result: ResponseParts, command: DecodedCommandApdu): Uint8Array {
    const data = result.data ?? new Uint8Array(0);
    if (result.sw !== SW.OK) return encodeResponseApdu(new Uint8Array(0), result.sw);
    const limit = command.extended
      ? (command.le ?? 65_536)
      : Math.min(command.le ?? RESPONSE_CHUNK_BYTES, RESPONSE_CHUNK_BYTES);
    if (data.length <= limit) return encodeResponseApdu(data, SW.OK);
    this.pendingResponse = data.slice(limit);
    return encodeResponseApdu(data.slice(0, limit), this.moreDataStatus());
  }

  private moreDataStatus(): number {
    const remaining = this.pendingResponse?.length ?? 0;
    return 0x6100 | (remaining >= RESPONSE_CHUNK_BYTES ? 0 : remaining);
  }

  private continueResponse(command: DecodedCommandApdu): Uint8Array {
    const pending = this.pendingResponse;
    if (!pending) return encodeResponseApdu(new Uint8Array(0), SW.CONDITIONS_NOT_SATISFIED);
    const limit = Math.min(command.le ?? RESPONSE_CHUNK_BYTES, RESPONSE_CHUNK_BYTES);
    const piece = pending.slice(0, limit);
    this.pendingResponse = pending.length > limit ? pending.slice(limit) : null;
    return encodeResponseApdu(piece, this.pendingResponse ? this.moreDataStatus() : SW.OK);
  }

  private dispatch(c: DecodedCommandApdu): ResponseParts {
    if (c.ins === INS.SELECT) return this.select(c);
    if (!this.pivSelected) return { sw: SW.INS_NOT_SUPPORTED };
    switch (c.ins) {
      case INS.VERIFY:
        return this.verify(c);
      case INS.CHANGE_REFERENCE_DATA:
        return this.changeReferenceData(c);
      case INS.RESET_RETRY_COUNTER:
        return this.resetRetryCounter(c);
      case INS.GENERAL_AUTHENTICATE:
        return this.generalAuthenticate(c);
      case INS.GENERATE_ASYMMETRIC_KEY_PAIR:
        return this.generateKeyPair(c);
      case INS.PUT_DATA:
        return this.putData(c);
      case INS.GET_DATA:
        return this.getData(c);
      case INS.GET_VERSION:
        if (!this.version) return { sw: SW.INS_NOT_SUPPORTED };
        return { data: Uint8Array.from(this.version), sw: SW.OK };
      case INS.GET_SERIAL:
        return { data: bigintToBytes(BigInt(this.serial), 4), sw: SW.OK };
      case INS.SET_MANAGEMENT_KEY:
        return this.setManagementKey(c);
      case INS.SET_PIN_RETRIES:
        return this.setPinRetries(c);
      case INS.RESET:
        return this.resetApplication();
      case INS.GET_METADATA:
        if (!this.profile.metadata) return { sw: SW.INS_NOT_SUPPORTED };
        return this.getMetadata(c);
      case INS.ATTEST:
        return this.attest(c);
      case INS.IMPORT_KEY:
        return this.importKey(c);
      default:
        return { sw: SW.INS_NOT_SUPPORTED };
    }
  }

  /** SELECT (Part 2 §3.1.1): by AID, a prefix of at least the RID selects PIV. */
  private select(c: DecodedCommandApdu): ResponseParts {
    if (c.p1 !== 0x04) return { sw: SW.NOT_FOUND };
    const aid = c.data;
    const isPiv =
      aid.length >= NIST_RID.length &&
      aid.length <= PIV_AID.length &&
      bytesEqual(aid, PIV_AID.subarray(0, aid.length));
    // A failed SELECT leaves the current selection as it was (ISO/IEC 7816-4 §7.1.1).
    if (!isPiv) return { sw: SW.NOT_FOUND };
    this.pivSelected = true;
    // Selecting the application resets its security status, as on Java Card PIV applets:
    // hosts re-verify the PIN after SELECT (yubico-piv-tool relies on this for its PIN counter).
    this.pinVerified = false;
    this.managementAuthenticated = false;
    const template = concatBytes(
      encodeTlv(0x4f, PIV_AID.subarray(5)),
      encodeTlv(0x79, encodeTlv(0x4f, NIST_RID)),
      encodeTlv(0x50, new TextEncoder().encode('cardkiosk PIV emulator')),
      encodeTlv(
        0xac,
        concatBytes(
          ...this.profile.advertisedAlgorithms.map((alg) => encodeTlv(0x80, [alg])),
          encodeTlv(0x06, [0x00]),
        ),
      ),
    );
    return { data: encodeTlv(0x61, template), sw: SW.OK };
  }

  /** Check a PIN/PUK block against a counter; decrements on mismatch (Part 2 §3.2.1). */
  private check(counter: RetryCounter, block: Uint8Array): number {
    if (counter.remaining === 0) return SW.AUTH_METHOD_BLOCKED;
    if (!bytesEqual(counter.value, block)) {
      counter.remaining -= 1;
      return 0x63c0 | counter.remaining;
    }
    counter.remaining = counter.total;
    return SW.OK;
  }

  private verify(c: DecodedCommandApdu): ResponseParts {
    if (c.p2 !== KEY_REF.PIN)
      return { sw: c.p2 === KEY_REF.GLOBAL_PIN ? SW.REFERENCED_DATA_NOT_FOUND : SW.INCORRECT_P1P2 };
    if (c.p1 === 0xff) {
      if (c.data.length !== 0) return { sw: SW.INCORRECT_DATA };
      this.pinVerified = false;
      return { sw: SW.OK };
    }
    if (c.p1 !== 0x00) return { sw: SW.INCORRECT_P1P2 };
    if (c.data.length === 0) {
      if (this.pin.remaining === 0) return { sw: SW.AUTH_METHOD_BLOCKED };
      return { sw: this.pinVerified ? SW.OK : 0x63c0 | this.pin.remaining };
    }
    if (!pinBlockValid(c.data)) return { sw: SW.INCORRECT_DATA };
    const sw = this.check(this.pin, c.data);
    this.pinVerified = sw === SW.OK;
    return { sw };
  }

  private changeReferenceData(c: DecodedCommandApdu): ResponseParts {
    if (c.p1 !== 0x00) return { sw: SW.INCORRECT_P1P2 };
    const counter = c.p2 === KEY_REF.PIN ? this.pin : c.p2 === KEY_REF.PUK ? this.puk : null;
    if (!counter) return { sw: SW.REFERENCED_DATA_NOT_FOUND };
    if (c.data.length !== 2 * PIN_BLOCK_BYTES) return { sw: SW.INCORRECT_DATA };
    const oldBlock = c.data.subarray(0, PIN_BLOCK_BYTES);
    const newBlock = c.data.slice(PIN_BLOCK_BYTES);
    if (!pinBlockValid(oldBlock) || !pinBlockValid(newBlock)) return { sw: SW.INCORRECT_DATA };
    const sw = this.check(counter, oldBlock);
    if (sw !== SW.OK) {
      if (c.p2 === KEY_REF.PIN) this.pinVerified = false;
      return { sw };
    }
    counter.value = newBlock;
    return { sw: SW.OK };
  }

  private resetRetryCounter(c: DecodedCommandApdu): ResponseParts {
    if (c.p1 !== 0x00 || c.p2 !== KEY_REF.PIN) return { sw: SW.INCORRECT_P1P2 };
    if (c.data.length !== 2 * PIN_BLOCK_BYTES) return { sw: SW.INCORRECT_DATA };
    const pukBlock = c.data.subarray(0, PIN_BLOCK_BYTES);
    const newPin = c.data.slice(PIN_BLOCK_BYTES);
    if (!pinBlockValid(pukBlock) || !pinBlockValid(newPin)) return { sw: SW.INCORRECT_DATA };
    const sw = this.check(this.puk, pukBlock);
    if (sw !== SW.OK) return { sw };
    this.pin = { value: newPin, total: this.pin.total, remaining: this.pin.total };
    this.pinVerified = false;
    return { sw: SW.OK };
  }

  private generalAuthenticate(c: DecodedCommandApdu): ResponseParts {
    let template: Uint8Array;
    try {
      const { tlv, next } = decodeTlvAt(c.data, 0);
      if (tlv.tag !== 0x7c || next !== c.data.length) return { sw: SW.INCORRECT_DATA };
      template = tlv.value;
    } catch {
      return { sw: SW.INCORRECT_DATA };
    }
    const items = decodeTlvs(template);
    if (c.p2 === KEY_REF.MANAGEMENT) return this.authenticateManagement(c.p1, items);
    if (!ASYMMETRIC_SLOTS.has(c.p2)) return { sw: SW.INCORRECT_P1P2 };
    return this.useCardKey(c.p1, c.p2, items);
  }

  /** Management key challenge–response, mutual or card-to-host (Part 2 Appendix A.1). */
  private authenticateManagement(
    algorithm: number,
    items: ReturnType<typeof decodeTlvs>,
  ): ResponseParts {
    // P1 must name the algorithm of the key the card holds (SP 800-73-4 Part 2 §3.2.4).
    if (algorithm !== this.managementKeyAlgorithm) return { sw: SW.INCORRECT_P1P2 };
    const blockBytes = challengeBlockBytes(algorithm);
    const witness = findTlv(items, 0x80);
    const challenge = findTlv(items, 0x81);
    const response = findTlv(items, 0x82);
    const encrypt = (block: Uint8Array): Uint8Array =>
      managementEncryptBlock(algorithm, this.managementKey, block);
    if (witness && witness.length === 0 && !challenge) {
      this.managementAuthenticated = false;
      this.pendingWitness = new Uint8Array(randomBytes(blockBytes));
      return { data: encodeTlv(0x7c, encodeTlv(0x80, encrypt(this.pendingWitness))), sw: SW.OK };
    }
    if (witness && witness.length === blockBytes && challenge?.length === blockBytes) {
      const expected = this.pendingWitness;
      this.pendingWitness = null;
      if (!expected || !bytesEqual(expected, witness))
        return { sw: SW.SECURITY_STATUS_NOT_SATISFIED };
      this.managementAuthenticated = true;
      return { data: encodeTlv(0x7c, encodeTlv(0x82, encrypt(challenge))), sw: SW.OK };
    }
    if (challenge && challenge.length === 0 && !witness) {
      this.managementAuthenticated = false;
      this.pendingChallenge = new Uint8Array(randomBytes(blockBytes));
      return { data: encodeTlv(0x7c, encodeTlv(0x81, this.pendingChallenge)), sw: SW.OK };
    }
    if (response && response.length === blockBytes && !witness && !challenge) {
      const expected = this.pendingChallenge;
      this.pendingChallenge = null;
      if (!expected || !bytesEqual(encrypt(expected), response))
        return { sw: SW.SECURITY_STATUS_NOT_SATISFIED };
      this.managementAuthenticated = true;
      return { sw: SW.OK };
    }
    return { sw: SW.INCORRECT_DATA };
  }

  private pinPolicySatisfied(slot: number): boolean {
    return slot === KEY_REF.CARD_AUTHENTICATION || this.pinVerified;
  }

  /** Sign, decrypt or key-agree with a card key (Part 2 Appendix A.3, A.4, A.5). */
  private useCardKey(
    algorithm: number,
    slot: number,
    items: ReturnType<typeof decodeTlvs>,
  ): ResponseParts {
    const key = this.keys.get(slot);
    if (!key) return { sw: SW.REFERENCED_DATA_NOT_FOUND };
    if (key.algorithm !== algorithm) return { sw: SW.INCORRECT_P1P2 };
    const responseRequested = findTlv(items, 0x82);
    if (!responseRequested || responseRequested.length !== 0) return { sw: SW.INCORRECT_DATA };
    if (!this.pinPolicySatisfied(slot)) return { sw: SW.SECURITY_STATUS_NOT_SATISFIED };
    const input = findTlv(items, 0x81);
    const peerPoint = findTlv(items, 0x85);
    let output: Uint8Array;
    if (input && algorithm === ALGORITHM.ECC_P256) {
      const d = bytesToBigint(
        new Uint8Array(Buffer.from(key.privateKey.export({ format: 'jwk' }).d ?? '', 'base64url')),
      );
      output = signDigest(d, input);
    } else if (input && (algorithm === ALGORITHM.RSA_2048 || algorithm === ALGORITHM.RSA_1024)) {
      const modulusBytes = algorithm === ALGORITHM.RSA_2048 ? 256 : 128;
      if (input.length !== modulusBytes) return { sw: SW.INCORRECT_DATA };
      // Raw RSA (no padding): the host formats the block, the card only exponentiates.
      output = new Uint8Array(
        privateDecrypt({ key: key.privateKey, padding: cryptoConstants.RSA_NO_PADDING }, input),
      );
    } else if (peerPoint && algorithm === ALGORITHM.ECC_P256) {
      const ecdh = createECDH('prime256v1');
      ecdh.setPrivateKey(
        Buffer.from(key.privateKey.export({ format: 'jwk' }).d ?? '', 'base64url'),
      );
      output = new Uint8Array(ecdh.computeSecret(peerPoint));
    } else {
      return { sw: SW.INCORRECT_DATA };
    }
    // The digital signature key's PIN policy is "always": one verification, one signature.
    if (slot === KEY_REF.DIGITAL_SIGNATURE) this.pinVerified = false;
    return { data: encodeTlv(0x7c, encodeTlv(0x82, output)), sw: SW.OK };
  }

  private generateKeyPair(c: DecodedCommandApdu): ResponseParts {
    if (!this.managementAuthenticated) return { sw: SW.SECURITY_STATUS_NOT_SATISFIED };
    if (c.p1 !== 0x00 || !ASYMMETRIC_SLOTS.has(c.p2)) return { sw: SW.INCORRECT_P1P2 };
    const crt = findTlv(decodeTlvs(c.data), 0xac);
    const algorithm = crt ? findTlv(decodeTlvs(crt), 0x80) : undefined;
    if (!algorithm || algorithm.length !== 1) return { sw: SW.INCORRECT_DATA };
    let pair: { privateKey: KeyObject; publicKey: KeyObject };
    switch (algorithm[0]) {
      case ALGORITHM.ECC_P256:
        pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
        break;
      case ALGORITHM.RSA_2048:
        pair = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65_537 });
        break;
      case ALGORITHM.RSA_1024:
        pair = generateKeyPairSync('rsa', { modulusLength: 1024, publicExponent: 65_537 });
        break;
      default:
        return { sw: SW.INCORRECT_DATA };
    }
    const key = this.storeKey(c.p2, algorithm[0], pair.privateKey, pair.publicKey, 1);
    return { data: encodeTlv(0x7f49, key.publicTemplate), sw: SW.OK };
  }

  private storeKey(
    slot: number,
    algorithm: number,
    privateKey: KeyObject,
    publicKey: KeyObject,
    origin: 1 | 2,
  ): CardKey {
    const jwk = publicKey.export({ format: 'jwk' });
    const b = (s: string | undefined): Uint8Array =>
      new Uint8Array(Buffer.from(s ?? '', 'base64url'));
    const publicTemplate =
      algorithm === ALGORITHM.ECC_P256
        ? encodeTlv(0x86, concatBytes([0x04], b(jwk.x), b(jwk.y)))
        : concatBytes(encodeTlv(0x81, b(jwk.n)), encodeTlv(0x82, b(jwk.e)));
    const key: CardKey = { algorithm, privateKey, publicKey, origin, publicTemplate };
    this.keys.set(slot, key);
    return key;
  }

  private static writableObject(tag: number): boolean {
    return (
      (tag >= 0x5fc101 && tag <= 0x5fc123) ||
      (tag >= 0x5fff00 && tag <= 0x5fffff) ||
      tag === OBJECT_TAG.BIOMETRIC_INFORMATION_TEMPLATES_GROUP
    );
  }

  /** PUT DATA (Part 2 §3.3.1): needs the management key; an empty 53 deletes the object. */
  private putData(c: DecodedCommandApdu): ResponseParts {
    if (c.p1 !== 0x3f || c.p2 !== 0xff) return { sw: SW.INCORRECT_P1P2 };
    if (!this.managementAuthenticated) return { sw: SW.SECURITY_STATUS_NOT_SATISFIED };
    let tagList: Uint8Array;
    let content: Uint8Array;
    try {
      const first = decodeTlvAt(c.data, 0);
      if (first.tlv.tag !== 0x5c) return { sw: SW.INCORRECT_DATA };
      const second = decodeTlvAt(c.data, first.next);
      if (second.tlv.tag !== 0x53 || second.next !== c.data.length)
        return { sw: SW.INCORRECT_DATA };
      tagList = first.tlv.value;
      content = second.tlv.value;
    } catch {
      return { sw: SW.INCORRECT_DATA };
    }
    const tag = objectTagFromBytes(tagList);
    if (tagList.length < 1 || tagList.length > 3 || !SimulatedPivCard.writableObject(tag))
      return { sw: SW.INCORRECT_DATA };
    if (content.length > this.maxObjectBytes) return { sw: SW.NOT_ENOUGH_MEMORY };
    if (content.length === 0) this.objects.delete(tag);
    else this.objects.set(tag, content.slice());
    return { sw: SW.OK };
  }

  /** GET DATA (Part 2 §3.1.2); PIN-protected containers need a verified PIN. */
  private getData(c: DecodedCommandApdu): ResponseParts {
    if (c.p1 !== 0x3f || c.p2 !== 0xff) return { sw: SW.INCORRECT_P1P2 };
    let tagList: Uint8Array;
    try {
      const { tlv, next } = decodeTlvAt(c.data, 0);
      if (tlv.tag !== 0x5c || next !== c.data.length) return { sw: SW.INCORRECT_DATA };
      tagList = tlv.value;
    } catch {
      return { sw: SW.INCORRECT_DATA };
    }
    if (tagList.length < 1 || tagList.length > 3) return { sw: SW.INCORRECT_DATA };
    const tag = objectTagFromBytes(tagList);
    const content = this.objects.get(tag);
    if (!content) return { sw: SW.NOT_FOUND };
    if (PIN_PROTECTED_OBJECTS.has(tag) && !this.pinVerified)
      return { sw: SW.SECURITY_STATUS_NOT_SATISFIED };
    // The discovery object is stored as its whole 7E template and returned as such.
    if (tag === OBJECT_TAG.DISCOVERY) return { data: content, sw: SW.OK };
    return { data: encodeTlv(0x53, content), sw: SW.OK };
  }

  private setManagementKey(c: DecodedCommandApdu): ResponseParts {
    if (!this.managementAuthenticated) return { sw: SW.SECURITY_STATUS_NOT_SATISFIED };
    if (c.p1 !== 0xff || (c.p2 !== 0xff && c.p2 !== 0xfe)) return { sw: SW.INCORRECT_P1P2 };
    const [algorithm, reference, length] = [c.data[0], c.data[1], c.data[2]];
    if (
      algorithm === undefined ||
      !isManagementKeyAlgorithm(algorithm) ||
      !this.profile.managementKeyAlgorithms.includes(algorithm) ||
      reference !== KEY_REF.MANAGEMENT ||
      length !== managementKeyBytes(algorithm) ||
      c.data.length !== 3 + length
    ) {
      return { sw: SW.INCORRECT_DATA };
    }
    this.managementKey = c.data.slice(3);
    this.managementKeyAlgorithm = algorithm;
    return { sw: SW.OK };
  }

  /** SET PIN RETRIES: as on YubiKeys, it also puts PIN and PUK back to their defaults. */
  private setPinRetries(c: DecodedCommandApdu): ResponseParts {
    if (!this.managementAuthenticated || !this.pinVerified)
      return { sw: SW.SECURITY_STATUS_NOT_SATISFIED };
    if (c.p1 === 0 || c.p2 === 0 || c.p1 > 15 || c.p2 > 15) return { sw: SW.INCORRECT_P1P2 };
    this.pin = { value: encodePinBlock(FACTORY_PIN, 'PIN'), total: c.p1, remaining: c.p1 };
    this.puk = { value: encodePinBlock(FACTORY_PUK, 'PUK'), total: c.p2, remaining: c.p2 };
    this.pinVerified = false;
    return { sw: SW.OK };
  }

  /** RESET: only allowed once both PIN and PUK are blocked (YubiKey-compatible). */
  private resetApplication(): ResponseParts {
    if (this.pin.remaining !== 0 || this.puk.remaining !== 0)
      return { sw: SW.CONDITIONS_NOT_SATISFIED };
    this.factoryReset();
    return { sw: SW.OK };
  }

  private getMetadata(c: DecodedCommandApdu): ResponseParts {
    const ref = c.p2;
    if (ref === KEY_REF.PIN || ref === KEY_REF.PUK) {
      const counter = ref === KEY_REF.PIN ? this.pin : this.puk;
      const factory = encodePinBlock(
        ref === KEY_REF.PIN ? FACTORY_PIN : FACTORY_PUK,
        ref === KEY_REF.PIN ? 'PIN' : 'PUK',
      );
      return {
        data: concatBytes(
          encodeTlv(0x01, [0xff]),
          encodeTlv(0x05, [bytesEqual(counter.value, factory) ? 1 : 0]),
          encodeTlv(0x06, [counter.total, counter.remaining]),
        ),
        sw: SW.OK,
      };
    }
    if (ref === KEY_REF.MANAGEMENT) {
      return {
        data: concatBytes(
          encodeTlv(0x01, [this.managementKeyAlgorithm]),
          encodeTlv(0x02, [0x00, TOUCH_POLICY_NEVER]),
          encodeTlv(0x05, [bytesEqual(this.managementKey, FACTORY_MANAGEMENT_KEY) ? 1 : 0]),
        ),
        sw: SW.OK,
      };
    }
    const key = this.keys.get(ref);
    if (!key) return { sw: SW.REFERENCED_DATA_NOT_FOUND };
    const pinPolicy =
      ref === KEY_REF.CARD_AUTHENTICATION
        ? PIN_POLICY.NEVER
        : ref === KEY_REF.DIGITAL_SIGNATURE
          ? PIN_POLICY.ALWAYS
          : PIN_POLICY.ONCE;
    return {
      data: concatBytes(
        encodeTlv(0x01, [key.algorithm]),
        encodeTlv(0x02, [pinPolicy, TOUCH_POLICY_NEVER]),
        encodeTlv(0x03, [key.origin]),
        encodeTlv(0x04, key.publicTemplate),
      ),
      sw: SW.OK,
    };
  }

  private pinPolicyOf(slot: number): number {
    return slot === KEY_REF.CARD_AUTHENTICATION
      ? PIN_POLICY.NEVER
      : slot === KEY_REF.DIGITAL_SIGNATURE
        ? PIN_POLICY.ALWAYS
        : PIN_POLICY.ONCE;
  }

  /**
   * ATTEST (YubiKey 4.3+): a certificate for a key generated on the card, signed by the F9
   * key. Needs no PIN or management key. Imported keys are not attested; the status word for
   * that (6A80) and for an empty slot (6A88) are OUR GUESS from yubico-piv-tool reporting a
   * failure without naming them; a card that cannot attest at all answers 6D00.
   */
  private attest(c: DecodedCommandApdu): ResponseParts {
    if (!this.attestationKey) return { sw: SW.INS_NOT_SUPPORTED };
    if (c.p2 !== 0x00 || !ASYMMETRIC_SLOTS.has(c.p1)) return { sw: SW.INCORRECT_P1P2 };
    const key = this.keys.get(c.p1);
    if (!key) return { sw: SW.REFERENCED_DATA_NOT_FOUND };
    if (key.origin !== 1) return { sw: SW.INCORRECT_DATA };
    const statement = buildAttestationStatement(this.attestationKey, {
      slot: c.p1,
      slotPublicKey: key.publicKey,
      firmware: this.version ?? [0, 0, 0],
      ...(this.profile.attestationSerial ? { serial: this.serial } : {}),
      pinPolicy: this.pinPolicyOf(c.p1),
      touchPolicy: TOUCH_POLICY_NEVER,
    });
    return {
      data: this.replaceAttestation ? this.replaceAttestation(statement, this) : statement,
      sw: SW.OK,
    };
  }

  /** IMPORT KEY (YubiKey-compatible): RSA from its CRT parts, ECC P-256 from its scalar. */
  private importKey(c: DecodedCommandApdu): ResponseParts {
    if (!this.managementAuthenticated) return { sw: SW.SECURITY_STATUS_NOT_SATISFIED };
    if (!ASYMMETRIC_SLOTS.has(c.p2)) return { sw: SW.INCORRECT_P1P2 };
    let items: ReturnType<typeof decodeTlvs>;
    try {
      items = decodeTlvs(c.data);
    } catch {
      return { sw: SW.INCORRECT_DATA };
    }
    const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
    if (c.p1 === ALGORITHM.ECC_P256) {
      const scalar = findTlv(items, 0x06);
      if (!scalar || scalar.length !== 32) return { sw: SW.INCORRECT_DATA };
      const [x, y] = multiplyBase(bytesToBigint(scalar));
      const jwk = {
        kty: 'EC',
        crv: 'P-256',
        x: b64(bigintToBytes(x, 32)),
        y: b64(bigintToBytes(y, 32)),
        d: b64(scalar),
      };
      const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
      this.storeKey(c.p2, c.p1, privateKey, createPublicKey(privateKey), 2);
      return { sw: SW.OK };
    }
    if (c.p1 === ALGORITHM.RSA_2048 || c.p1 === ALGORITHM.RSA_1024) {
      const parts = [0x01, 0x02, 0x03, 0x04, 0x05].map((t) => findTlv(items, t));
      if (parts.some((p) => !p)) return { sw: SW.INCORRECT_DATA };
      const [p, q, dp, dq, qi] = parts as Uint8Array[];
      const [pi, qiNum] = [bytesToBigint(p!), bytesToBigint(q!)];
      const n = pi * qiNum;
      const e = 65_537n;
      const phi = (pi - 1n) * (qiNum - 1n);
      const d = modInverse(e, phi);
      const size = c.p1 === ALGORITHM.RSA_2048 ? 256 : 128;
      const jwk = {
        kty: 'RSA',
        n: b64(bigintToBytes(n, size)),
        e: b64(Uint8Array.of(1, 0, 1)),
        d: b64(bigintToBytes(d, size)),
        p: b64(p!),
        q: b64(q!),
        dp: b64(dp!),
        dq: b64(dq!),
        qi: b64(qi!),
      };
      const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
      this.storeKey(c.p2, c.p1, privateKey, createPublicKey(privateKey), 2);
      return { sw: SW.OK };
    }
    return { sw: SW.INCORRECT_P1P2 };
  }
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [a % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % m) + m) % m;
}

/**
 * A card without a PIV application (a blank Java Card, a transit card): every SELECT
 * misses, every other instruction is unknown. Lets tests present a non-PIV card.
 */
export class SimulatedNonPivCard implements SimulatedCard {
  readonly atr = emulatorAtr('blank-card');
  powerOn(): void {}
  powerOff(): void {}
  reset(): void {}
  process(apdu: Uint8Array): Uint8Array {
    if (apdu.length >= 2 && apdu[1] === INS.SELECT)
      return encodeResponseApdu(new Uint8Array(0), SW.NOT_FOUND);
    return encodeResponseApdu(new Uint8Array(0), SW.INS_NOT_SUPPORTED);
  }
}
