/**
 * The embedded default printer: a real `SerialCardPrinter` whose serial binding is wired, in
 * process, to a `SimulatedPrinterDevice`. Every byte goes through the driver's framing, queue
 * and timeouts and the simulator's parser, exactly as on a cable. The device and the binding
 * stay reachable for fault injection (tests, the diagnostics screen) and for unplugging.
 */

import { SerialCardPrinter, type SerialCardPrinterOptions } from './serial-card-printer.js';
import {
  SIMULATED_PRINTER_PATH,
  createSimulatedPrinterBinding,
  type SimulatedPrinterBinding,
} from './simulated-printer-binding.js';
import {
  SimulatedPrinterDevice,
  type SimulatedPrinterOptions,
} from './simulated-printer-device.js';

export interface SimulatedCardPrinterOptions extends Omit<
  SerialCardPrinterOptions,
  'path' | 'binding' | 'kind' | 'ribbon'
> {
  /** Use this device (e.g. one a test already set up); otherwise one is made from `device`. */
  simulator?: SimulatedPrinterDevice;
  /** Options for the device made here (supplies, ribbon, cycle times, time scale). */
  device?: SimulatedPrinterOptions;
}

/** A `SerialCardPrinter` on the simulator; `device` and `binding` are its far end. */
export class SimulatedSerialCardPrinter extends SerialCardPrinter {
  constructor(
    readonly device: SimulatedPrinterDevice,
    readonly binding: SimulatedPrinterBinding,
    options: Omit<SerialCardPrinterOptions, 'path' | 'binding' | 'kind'>,
  ) {
    super({ ...options, path: SIMULATED_PRINTER_PATH, binding, kind: 'simulated' });
  }
}

export function createSimulatedCardPrinter(
  options: SimulatedCardPrinterOptions = {},
): SimulatedSerialCardPrinter {
  const { simulator, device: deviceOptions, ...printerOptions } = options;
  const device = simulator ?? new SimulatedPrinterDevice(deviceOptions);
  const binding = createSimulatedPrinterBinding(device);
  return new SimulatedSerialCardPrinter(device, binding, {
    ...printerOptions,
    ribbon: device.snapshot().ribbonType,
  });
}
