// `npm run build` step: bundles the service (appliance/src/main.ts and everything it imports,
// dependencies included) into one ES module at dist/appliance/src/main.js, over the file tsc
// wrote there, so `npm start` and the systemd unit run it unchanged. Resolving and loading some
// 600 separate modules was a third of the start-up's CPU time (README "Start-up"); one file
// removes the lookups and the CommonJS-in-ESM parsing.
//
// Left outside the bundle, loaded from node_modules as before: native modules (and the
// packages that find their binaries or assets next to their own files), which must stay where
// npm installed them.
//
//   node appliance/scripts/bundle-server.mjs [OUTFILE]
import { build } from 'esbuild';

const outfile = process.argv[2] ?? 'dist/appliance/src/main.js';

export const EXTERNAL = [
  'sqlite3', // native (bindings), finds build/Release next to its own files
  'pcsclite', // native
  'epoll', // native, required by onoff
  'onoff',
  'serialport',
  '@serialport/bindings-cpp', // native, with prebuilds next to its files
  '@resvg/resvg-js', // native, picks its platform package at run time
  '@fastify/swagger-ui', // serves the Swagger UI files from its own directory
  'dejavu-fonts-ttf', // only its directory is looked up (card layout fonts)
];
// pino and @serialport/stream are bundled (their loading through node_modules was ~60 ms of the
// start): the service uses no pino transport (worker threads that load pino's files by path),
// and the serial port's native part (@serialport/bindings-cpp) stays outside.

await build({
  entryPoints: ['appliance/src/main.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  external: EXTERNAL,
  // Bundled CommonJS dependencies call require() (for Node's modules) and read __dirname.
  banner: {
    js: [
      "import { createRequire as __cardkioskCreateRequire } from 'node:module';",
      "import { fileURLToPath as __cardkioskFileURLToPath } from 'node:url';",
      'const require = __cardkioskCreateRequire(import.meta.url);',
      'const __filename = __cardkioskFileURLToPath(import.meta.url);',
      "const __dirname = __filename.replace(/[\\\\/][^\\\\/]*$/, '');",
    ].join('\n'),
  },
  // Names stay readable in stack traces and logs; the size saved by minifying is not worth it.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
