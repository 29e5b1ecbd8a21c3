/** The CardPrinter contract against the embedded default: SerialCardPrinter on the in-process simulator binding. */
import { describe, expect, it } from 'vitest';
import { createSimulatedCardPrinter } from '../../drivers/printer/index.js';
import {
  CONTRACT_TIME_SCALE,
  CONTRACT_TIMEOUTS,
  contractArtwork,
  describeCardPrinterContract,
} from './card-printer.contract.js';

describeCardPrinterContract('in-process simulator binding', async () => {
  const printer = createSimulatedCardPrinter({
    ...CONTRACT_TIMEOUTS,
    device: { timeScale: CONTRACT_TIME_SCALE },
  });
  return {
    printer,
    device: printer.device,
    unplug: async () => printer.binding.unplug(),
    plug: async () => printer.binding.plug(),
    close: () => printer.close(),
  };
});

describe('createSimulatedCardPrinter', () => {
  it('says it is simulated and refuses calls once closed', async () => {
    const printer = createSimulatedCardPrinter({ ...CONTRACT_TIMEOUTS, device: { timeScale: 0 } });
    expect(printer.kind).toBe('simulated');
    await printer.print(contractArtwork());
    await printer.close();
    await expect(printer.status()).rejects.toMatchObject({ code: 'DEVICE_CLOSED' });
    await expect(printer.print(contractArtwork())).rejects.toMatchObject({ code: 'DEVICE_CLOSED' });
  });
});
