/**
 * Decodes QR codes off the main thread, so reading the camera never makes the touch screen
 * stutter on a Raspberry Pi. zxing-wasm (zxing-cpp compiled to WebAssembly); its .wasm file is
 * bundled by Vite and served by the appliance itself: `locateFile` points at that copy, never
 * at the library's default CDN.
 *
 * In: an ImageData (a downscaled camera frame). Out: the text of the first valid QR code, or
 * null.
 */
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url';

prepareZXingModule({
  overrides: {
    locateFile: (path: string, prefix: string) =>
      path.endsWith('.wasm') ? wasmUrl : prefix + path,
  },
});

self.addEventListener('message', (event: MessageEvent<ImageData>) => {
  readBarcodes(event.data, { formats: ['QRCode'], tryHarder: true, maxNumberOfSymbols: 1 })
    .then((results) => self.postMessage(results.find((r) => r.isValid)?.text ?? null))
    .catch(() => self.postMessage(null));
});
