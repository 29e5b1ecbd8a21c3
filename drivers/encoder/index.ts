/**
 * The smart-card encoder driver as the appliance uses it: the PivEncoder interface, the
 * PC/SC encoder and the in-process simulator, and `createPivEncoder`, which picks one from
 * configuration (the composition root is its only caller). Codec, emulator and vpcd
 * pieces are exported for tests and tools.
 */
import type { PivEncoder } from './piv-encoder.js';
import {
  PcscPivEncoder,
  type EncoderLogger,
  type PcscPivEncoderOptions,
} from './pcsc-piv-encoder.js';
import {
  createSimulatedPivEncoder,
  type SimulatedPivEncoderOptions,
} from './simulated-piv-encoder.js';

export type {
  CertificateRequestFromCard,
  DigitalIdPersonalization,
  EncoderStatus,
  KeyAlgorithm,
  PersonalizationRequest,
  PersonalizationResult,
  PivEncoder,
} from './piv-encoder.js';
export {
  PcscPivEncoder,
  listPcscReaders,
  type EncoderLogger,
  type PcscPivEncoderOptions,
} from './pcsc-piv-encoder.js';
export {
  createSimulatedPivEncoder,
  type SimulatedPivEncoder,
  type SimulatedPivEncoderOptions,
} from './simulated-piv-encoder.js';
export {
  PERSONALIZATION_STEPS,
  personalizePivCard,
  type PersonalizationStep,
} from './piv-personalization.js';
export { SimulatedNonPivCard, SimulatedPivCard, type SimulatedCard } from './simulated-piv-card.js';
export { VpcdClient } from './vpcd-client.js';
export type { ApduTransport } from './apdu-channel.js';

export type PivEncoderConfig =
  | ({ driver: 'simulated' } & SimulatedPivEncoderOptions)
  | ({ driver: 'pcsc'; readerName?: string } & Omit<PcscPivEncoderOptions, 'readerName'>);

export interface CreatedPivEncoder {
  encoder: PivEncoder;
  /** Why this driver was chosen, for the start-up log and the health endpoint. */
  reason: string;
}

/**
 * Build the configured encoder. `pcsc` falls back to the simulator only when the pcsclite
 * module cannot be loaded (the reader itself may appear later: pcscd and reader loss are
 * recovered at run time). Never throws for a missing reader.
 */
export async function createPivEncoder(
  config: PivEncoderConfig,
  logger?: EncoderLogger,
): Promise<CreatedPivEncoder> {
  if (config.driver === 'simulated') {
    const { driver: _driver, ...options } = config;
    return {
      encoder: createSimulatedPivEncoder(options),
      reason: 'configured: simulated PIV card in-process',
    };
  }
  const { driver: _driver, ...options } = config;
  try {
    const encoder = await PcscPivEncoder.create({ ...options, ...(logger ? { logger } : {}) });
    return {
      encoder,
      reason: `configured: PC/SC reader ${options.readerName ?? '(first available)'}`,
    };
  } catch (error) {
    logger?.warn(
      { error: error instanceof Error ? error.message : String(error) },
      'PC/SC unavailable; using the simulated encoder',
    );
    return {
      encoder: createSimulatedPivEncoder(),
      reason: 'PC/SC module unavailable: simulated PIV card in-process',
    };
  }
}
