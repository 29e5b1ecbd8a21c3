/**
 * Builds the kiosk UI into kiosk-ui/dist, which the appliance serves at /. The output must run
 * under the appliance's Content-Security-Policy (script-src 'self', style-src 'self'): no
 * inline scripts or styles, which test/e2e checks on the built index.html.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Inline assets would become data: URLs inside CSS/JS; keep every asset a file.
    assetsInlineLimit: 0,
    // The polyfill is code in the entry chunk; the kiosk's Chromium does not need it.
    modulePreload: { polyfill: false },
    target: 'es2022',
    sourcemap: true,
  },
  // The QR decoding Worker (kiosk-qr-scanner) imports zxing-wasm as an ES module.
  worker: { format: 'es' },
});
