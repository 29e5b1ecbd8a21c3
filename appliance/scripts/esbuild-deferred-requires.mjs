// An esbuild plugin for the server bundle: modules that their importers require at the top but
// use only on rarely taken paths are loaded on first use instead. Each listed module becomes,
// in the bundle, an object with the module's export names (read here, at build time) as
// getters that require the real module, a Node builtin or a bundled package, when one is first
// read. Named, default and namespace imports and plain require() all work, provided nobody
// reads an export at the importer's top (a destructuring `const { x } = require(...)` would
// load it there, which is correct, only not deferred).
//
//   deferredRequires(['node:https', 'yaml'])
import { createRequire } from 'node:module';
import { join } from 'node:path';

const bareName = (name) => name.replace(/^node:/, '');

/** The plugin, for `modules` as written in import statements ('node:https', 'yaml'). */
export function deferredRequires(modules) {
  const byName = new Map(modules.map((m) => [bareName(m), m]));
  return {
    name: 'deferred-requires',
    setup(build) {
      build.onResolve({ filter: /^(node:)?[a-z0-9@][a-z0-9@/._-]*$/ }, (args) => {
        const name = byName.get(bareName(args.path));
        // The getters' own require() resolves as usual: the builtin, or the package to bundle.
        if (!name || args.pluginData?.deferredTarget) return undefined;
        return { path: name, namespace: 'deferred', pluginData: { resolveDir: args.resolveDir } };
      });
      build.onLoad({ filter: /.*/, namespace: 'deferred' }, (args) => {
        const { resolveDir } = args.pluginData;
        // The export names of the copy the importer would get (its own node_modules first).
        const keys = Object.keys(createRequire(join(resolveDir, 'importer.js'))(args.path));
        return {
          contents: `let loaded;
const real = () => (loaded ??= require(${JSON.stringify(args.path)}));
for (const key of ${JSON.stringify(keys)}) {
  Object.defineProperty(exports, key, { enumerable: true, get: () => real()[key] });
}
`,
          resolveDir,
          pluginData: { deferredTarget: true },
          loader: 'js',
        };
      });
    },
  };
}
