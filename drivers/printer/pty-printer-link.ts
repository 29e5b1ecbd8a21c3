/**
 * Puts a `SimulatedPrinterDevice` on the printer's end of a real serial port (a pseudo-terminal
 * from socat, or a spare USB adapter wired null-modem to the Pi): bytes read from the port go
 * to the simulator's parser, its replies are written back. Used by `simulator-cli.ts` and the
 * pseudo-terminal contract tests, so that the driver under test runs on the native binding.
 */

import type { BindingInterface } from '@serialport/bindings-interface' with {
  'resolution-mode': 'require',
};
import { SerialPortStream } from '@serialport/stream';
import type { SimulatedPrinterDevice } from './simulated-printer-device.js';

export interface PtyPrinterLink {
  /** Resolves when the port has closed (ended here, or vanished). */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

export async function servePrinterOnPort(
  device: SimulatedPrinterDevice,
  path: string,
  options: { baudRate?: number; binding?: BindingInterface } = {},
): Promise<PtyPrinterLink> {
  const binding =
    options.binding ??
    ((await import('@serialport/bindings-cpp')).autoDetect() as BindingInterface);
  const port = new SerialPortStream({
    binding,
    path,
    baudRate: options.baudRate ?? 115_200,
    autoOpen: false,
  });
  await new Promise<void>((resolve, reject) =>
    port.open((error) => (error ? reject(error) : resolve())),
  );
  const link = device.connectHost((bytes) => {
    if (port.isOpen) port.write(Buffer.from(bytes));
  });
  port.on('data', (chunk: Buffer) => link.receive(chunk));
  // A vanished pty reports an error before it closes; the close below is what we act on.
  port.on('error', () => undefined);
  const closed = new Promise<void>((resolve) =>
    port.once('close', () => {
      link.disconnect();
      resolve();
    }),
  );
  return {
    closed,
    async close() {
      if (port.isOpen) port.close();
      await closed;
    },
  };
}
