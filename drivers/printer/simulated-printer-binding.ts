/**
 * A serialport binding whose "wire" is a `SimulatedPrinterDevice` in the same process, so that
 * `SerialCardPrinter` runs its real stream, framing, queue and timeout code against the
 * simulator (the appliance's embedded default). It can also be unplugged and plugged back to
 * exercise the driver's reconnect path: an unplug fails the reads in flight the way a vanished
 * USB adapter does, and opens fail until the port is plugged back.
 */

import type {
  BindingInterface,
  BindingPortInterface,
  OpenOptions,
  PortInfo,
  PortStatus,
} from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import type { PrinterHostLink, SimulatedPrinterDevice } from './simulated-printer-device.js';

export const SIMULATED_PRINTER_PATH = '/dev/ttySIMPRINTER0';

export interface SimulatedPrinterBinding extends BindingInterface {
  /** The cable is pulled: reads in flight fail (not canceled) and opens fail until `plug()`. */
  unplug(): void;
  plug(): void;
  readonly plugged: boolean;
}

class BindingError extends Error {
  constructor(
    message: string,
    readonly canceled = false,
  ) {
    super(message);
  }
}

class SimulatedPort implements BindingPortInterface {
  isOpen = true;
  private incoming: Buffer[] = [];
  private waitingRead: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private readonly link: PrinterHostLink;

  constructor(
    readonly openOptions: Required<OpenOptions>,
    device: SimulatedPrinterDevice,
    private readonly onClosed: (port: SimulatedPort) => void,
  ) {
    this.link = device.connectHost((bytes) => {
      if (!this.isOpen) return;
      this.incoming.push(Buffer.from(bytes));
      const waiter = this.waitingRead;
      this.waitingRead = undefined;
      waiter?.resolve();
    });
  }

  async close(): Promise<void> {
    this.end(new BindingError('port closed', true));
  }

  /** The line vanished: pending reads fail with a non-canceled error (a disconnect). */
  drop(): void {
    this.end(new BindingError('EIO: simulated printer unplugged'));
  }

  private end(error: BindingError): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.link.disconnect();
    this.incoming = [];
    const waiter = this.waitingRead;
    this.waitingRead = undefined;
    waiter?.reject(error);
    this.onClosed(this);
  }

  async read(
    buffer: Buffer,
    offset: number,
    length: number,
  ): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (!this.isOpen) throw new BindingError('port is not open', true);
    while (this.incoming.length === 0) {
      await new Promise<void>((resolve, reject) => {
        this.waitingRead = { resolve, reject };
      });
    }
    const head = this.incoming[0]!;
    const n = Math.min(length, head.length);
    head.copy(buffer, offset, 0, n);
    if (n === head.length) this.incoming.shift();
    else this.incoming[0] = head.subarray(n);
    return { buffer, bytesRead: n };
  }

  async write(buffer: Buffer): Promise<void> {
    if (!this.isOpen) throw new BindingError('port is not open', true);
    // Copy: the stream reuses its buffers once the write resolves.
    const bytes = Uint8Array.from(buffer);
    setImmediate(() => {
      if (this.isOpen) this.link.receive(bytes);
    });
  }

  async update(): Promise<void> {}
  async set(): Promise<void> {}
  async get(): Promise<PortStatus> {
    return { cts: true, dsr: true, dcd: true };
  }
  async getBaudRate(): Promise<{ baudRate: number }> {
    return { baudRate: this.openOptions.baudRate };
  }
  async flush(): Promise<void> {
    this.incoming = [];
  }
  async drain(): Promise<void> {}
}

/** A binding with one port, `path`, wired to `device`. */
export function createSimulatedPrinterBinding(
  device: SimulatedPrinterDevice,
  path = SIMULATED_PRINTER_PATH,
): SimulatedPrinterBinding {
  let plugged = true;
  let open: SimulatedPort | undefined;
  return {
    get plugged() {
      return plugged;
    },
    unplug() {
      plugged = false;
      open?.drop();
    },
    plug() {
      plugged = true;
    },
    async list(): Promise<PortInfo[]> {
      return plugged
        ? [
            {
              path,
              manufacturer: 'cardkiosk simulator',
              serialNumber: device.serialNumber,
              pnpId: undefined,
              locationId: undefined,
              productId: undefined,
              vendorId: undefined,
            },
          ]
        : [];
    },
    async open(options: OpenOptions): Promise<BindingPortInterface> {
      if (options.path !== path || !plugged)
        throw new BindingError(`ENOENT: no such port ${options.path}`);
      if (open) throw new BindingError(`EBUSY: ${path} is already open`);
      const full: Required<OpenOptions> = {
        dataBits: 8,
        lock: true,
        stopBits: 1,
        parity: 'none',
        rtscts: false,
        xon: false,
        xoff: false,
        xany: false,
        hupcl: true,
        ...options,
      };
      open = new SimulatedPort(full, device, (port) => {
        if (open === port) open = undefined;
      });
      return open;
    },
  };
}
