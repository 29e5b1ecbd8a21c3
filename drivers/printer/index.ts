/**
 * What the appliance uses of the printer driver: the interface and its errors, the serial
 * driver, the simulated printer (embedded default, fault injection for tests and diagnostics).
 */

export * from './card-printer.js';
export {
  SerialCardPrinter,
  DEFAULT_BAUD_RATE,
  type SerialCardPrinterOptions,
  type PrinterLogger,
} from './serial-card-printer.js';
export {
  createSimulatedCardPrinter,
  SimulatedSerialCardPrinter,
  type SimulatedCardPrinterOptions,
} from './simulated-card-printer.js';
export {
  SimulatedPrinterDevice,
  SIMULATED_MODELS,
  REAL_CYCLE_TIMES_MS,
  type SimulatedModel,
  type CycleTimesMs,
  type FaultStage,
  type SimulatedFault,
  type SimulatedPrinterOptions,
  type SimulatedPrinterSnapshot,
  type PrintedCard,
} from './simulated-printer-device.js';
export {
  createSimulatedPrinterBinding,
  type SimulatedPrinterBinding,
} from './simulated-printer-binding.js';
export { encodeCardPanels, type EncodedCard, type RibbonType } from './panel-encoder.js';
export {
  MODEL_PROFILES,
  familyOfModelName,
  type PrinterFamily,
  type PrinterModelProfile,
} from './printer-models.js';
