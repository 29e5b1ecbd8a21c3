/**
 * The server bundle's deferred requires (appliance/scripts/esbuild-deferred-requires.mjs): a
 * bundle whose modules import https, http2 and yaml in every way the service's dependencies
 * and our code do must not load them at its start, and must find everything once it uses them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
// @ts-expect-error: a build script in plain JavaScript, without type declarations
import { deferredRequires } from '../../../appliance/scripts/esbuild-deferred-requires.mjs';

const root = new URL('../../..', import.meta.url).pathname;

describe('deferred requires in the server bundle', () => {
  // Inside the checkout (dist/), so that the bundle resolves yaml from its node_modules.
  mkdirSync(join(root, 'dist'), { recursive: true });
  const dir = mkdtempSync(join(root, 'dist', 'deferred-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads nothing at start and everything on first use, for ESM imports and require()', async () => {
    writeFileSync(
      join(dir, 'esm-user.mjs'),
      `import { Agent, request } from 'node:https';
import * as http2 from 'node:http2';
import yaml from 'yaml';
export const use = () => ({
  agent: new Agent({ keepAlive: false }) instanceof Agent,
  request: typeof request,
  http2: typeof http2.createServer,
  yaml: yaml.stringify({ a: 1 }).trim(),
});
`,
    );
    writeFileSync(
      join(dir, 'cjs-user.cjs'),
      `const https = require('https');
const { parse } = require('yaml');
module.exports = () => ({ createServer: typeof https.createServer, parsed: parse('b: 2') });
`,
    );
    writeFileSync(
      join(dir, 'entry.mjs'),
      `import { use } from './esm-user.mjs';
import cjsUse from './cjs-user.cjs';
const loaded = () => process.moduleLoadList.filter((m) => /^NativeModule (https|http2|tls)$/.test(m)).sort();
const atStart = loaded();
const esm = use();
const cjs = cjsUse();
console.log(JSON.stringify({ atStart, esm, cjs, afterUse: loaded() }));
`,
    );
    const outfile = join(dir, 'out.cjs');
    await build({
      entryPoints: [join(dir, 'entry.mjs')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20.19',
      plugins: [deferredRequires(['node:https', 'node:http2', 'yaml'])],
      logLevel: 'silent',
    });
    const result = JSON.parse(execFileSync(process.execPath, [outfile], { encoding: 'utf8' }));
    expect(result).toEqual({
      // The cjs-user's destructured `parse` is read at its top: yaml (bundled) loads there,
      // which is right; https, http2 and tls are not read at any top.
      atStart: [],
      esm: { agent: true, request: 'function', http2: 'function', yaml: 'a: 1' },
      cjs: { createServer: 'function', parsed: { b: 2 } },
      afterUse: ['NativeModule http2', 'NativeModule https', 'NativeModule tls'],
    });
  }, 60_000);
});
