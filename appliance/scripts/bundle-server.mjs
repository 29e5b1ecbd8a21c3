// `npm run build` step: bundles the service (appliance/src/main.ts and everything it imports,
// dependencies included) into one CommonJS file, dist/appliance/src/server.cjs, and writes over
// the main.js tsc wrote a small loader that runs it with V8's code cache, so `npm start` and
// the systemd unit run `node dist/appliance/src/main.js` unchanged. Resolving and loading some
// 600 separate modules was a third of the start-up's CPU time (README "Start-up"); one file
// removes the lookups and the CommonJS-in-ESM parsing.
//
// Code cache: compiling the bundle's functions is a large part of a start, and it is the same
// work every time. The build starts the bundled service once (a scratch state directory, a
// free loopback port), waits for its first 200 on /health and lets the loader save V8's
// compiled code for what ran (server.cjs.codecache); later starts hand it to V8 instead of
// compiling again. V8 checks it against the source and its own version and flags and ignores it
// when they differ (a Node upgrade): the service then starts as without it. Nothing is written
// at run time. Node 22's module.enableCompileCache does this for modules; Node 20 has only
// vm.Script's cachedData, hence one CommonJS script.
//
// Left outside the bundle, loaded from node_modules as before: native modules (and the
// packages that find their binaries or assets next to their own files), which must stay where
// npm installed them.
//
//   node appliance/scripts/bundle-server.mjs [MAIN.JS [ENTRY.TS]]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { build } from 'esbuild';
import { deferredRequires } from './esbuild-deferred-requires.mjs';

const mainFile = process.argv[2] ?? 'dist/appliance/src/main.js';
const serverFile = join(dirname(mainFile), 'server.cjs');
const codeCacheFile = `${serverFile}.codecache`;

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
// Packages the service loads only on first use (import() in our code: the X.509 and CMS
// library for the CA and the card objects, the QR encoder, the mail client). Left out of the
// bundle, they are not read and decoded at every start either (a third of the bundle's bytes);
// they load from node_modules when first needed. The build fails if one of them becomes reachable
// from main.ts by static imports: it would then load unbundled at every start.
export const LAZY_EXTERNAL = ['@peculiar/*', 'reflect-metadata', 'qrcode', 'nodemailer'];
// Modules that dependencies require at their top but use only on rarely taken paths: Fastify
// requires https and http2 for servers this one never makes (https also pulls in tls; the
// SCIM client uses https only once sync is set up), @fastify/swagger requires yaml for
// /docs/yaml. Loading them was some 30 ms of every start; they now load on first use
// (esbuild-deferred-requires.mjs).
export const DEFERRED_REQUIRES = ['node:https', 'node:http2', 'yaml'];
// pino and @serialport/stream are bundled (their loading through node_modules was ~60 ms of the
// start): the service uses no pino transport (worker threads that load pino's files by path),
// and the serial port's native part (@serialport/bindings-cpp) stays outside.

// The entry is main.ts; the build's own test gives another to prove the check below fails.
// esbuild's metafile names inputs relative to the working directory.
const ENTRY = relative(process.cwd(), resolve(process.argv[3] ?? 'appliance/src/main.ts'));
const { metafile } = await build({
  entryPoints: [ENTRY],
  outfile: serverFile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20.19',
  external: [...EXTERNAL, ...LAZY_EXTERNAL],
  plugins: [deferredRequires(DEFERRED_REQUIRES)],
  metafile: true,
  // import() of a package outside the bundle becomes require(): a vm.Script has no module loader.
  supported: { 'dynamic-import': false },
  // The sources are ES modules: import.meta.url is this file's URL.
  define: { 'import.meta.url': '__cardkioskImportMetaUrl' },
  banner: {
    js: "const __cardkioskImportMetaUrl = require('node:url').pathToFileURL(__filename).href;",
  },
  // Names stay readable in stack traces and logs: only whitespace and syntax are minified.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});

/** A lazily loaded package that main.ts reaches through static imports only, and the path. */
function staticallyLoadedLazyPackage() {
  const lazy = (path) =>
    LAZY_EXTERNAL.some((p) =>
      p.endsWith('/*') ? path.startsWith(p.slice(0, -1)) : path === p || path.startsWith(`${p}/`),
    );
  const via = new Map([[ENTRY, null]]);
  const queue = [ENTRY];
  while (queue.length > 0) {
    const file = queue.shift();
    for (const { path, kind, external } of metafile.inputs[file]?.imports ?? []) {
      if (kind !== 'import-statement' && kind !== 'require-call') continue;
      if (external) {
        if (!lazy(path)) continue;
        const chain = [path];
        for (let f = file; f; f = via.get(f)) chain.unshift(f);
        return chain.join(' -> ');
      }
      if (!via.has(path)) {
        via.set(path, file);
        queue.push(path);
      }
    }
  }
  return null;
}
const eager = staticallyLoadedLazyPackage();
if (eager) {
  process.stderr.write(
    `bundle-server: a package meant to load on first use is imported at start: ${eager}\n`,
  );
  process.exit(1);
}

// An all-ASCII bundle is read as latin1, straight into a one-byte string: some 15 ms less of
// each start than UTF-8 decoding 2 MB on a Pi-class core. esbuild escapes non-ASCII text in
// strings, but not everywhere (regular expression literals); a bundle with any is read as UTF-8.
const sourceEncoding = readFileSync(serverFile).every((byte) => byte < 0x80) ? 'latin1' : 'utf8';
if (sourceEncoding === 'utf8') {
  process.stderr.write('bundle-server: the bundle is not all ASCII; the loader decodes UTF-8\n');
}

rmSync(codeCacheFile, { force: true });
writeFileSync(
  mainFile,
  `// Written by appliance/scripts/bundle-server.mjs: runs server.cjs (the bundled service) with
// the V8 code cache the build saved next to it, when there is one V8 accepts.
import { readFileSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const dir = dirname(fileURLToPath(import.meta.url));
const file = join(dir, 'server.cjs');
const cacheFile = file + '.codecache';
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  cachedData = undefined; // not built yet, or removed: V8 compiles as usual
}
const script = new Script(Module.wrap(readFileSync(file, '${sourceEncoding}')), { filename: file, cachedData });
cachedData = undefined; // V8 has taken what it needs: the buffer need not stay resident
// Only the build asks for the cache to be saved (CARDKIOSK_SAVE_CODE_CACHE=1), when its run
// stops; the service itself never writes it.
if (process.env.CARDKIOSK_SAVE_CODE_CACHE === '1') {
  process.once('SIGTERM', () => {
    writeFileSync(cacheFile, script.createCachedData());
    // Stopped before the service set up its own stop: nothing else will end the process.
    if (process.listenerCount('SIGTERM') === 0) process.exit(0);
  });
}
const module = { exports: {} };
script.runInThisContext()(module.exports, Module.createRequire(file), module, file, dir);
`,
);

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The status of one GET /health, or null while nothing answers. */
function healthStatus(port) {
  return new Promise((resolve) => {
    const req = httpGet({ host: '127.0.0.1', port, path: '/health' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? null);
    });
    req.once('error', () => resolve(null));
  });
}

/** Start the bundled service once, up to its first 200 on /health, to save the code cache. */
async function saveCodeCache() {
  const stateDir = mkdtempSync(join(tmpdir(), 'cardkiosk-codecache-'));
  const port = await freePort();
  const child = spawn(process.execPath, [mainFile], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NODE_ENV: 'production',
      CARDKIOSK_STATE_DIR: stateDir,
      CARDKIOSK_HOST: '127.0.0.1',
      CARDKIOSK_PORT: String(port),
      CARDKIOSK_SAVE_CODE_CACHE: '1',
    },
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  let exitCode = null;
  void exited.then((code) => (exitCode = code));
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (exitCode !== null) throw new Error(`the service exited (${exitCode}) before /health`);
      if (Date.now() > deadline) throw new Error('no /health within 120 s');
      const status = await healthStatus(port);
      if (status === 200) break;
      await sleep(50);
    }
    child.kill('SIGTERM');
    await exited;
  } finally {
    if (exitCode === null) child.kill('SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  }
  if (!existsSync(codeCacheFile)) throw new Error('the service stopped without saving it');
}

try {
  await saveCodeCache();
} catch (err) {
  // The service runs the same without it, only compiles more at each start.
  process.stderr.write(`bundle-server: no code cache saved: ${err.message}\n`);
}
