/**
 * Serves the kiosk UI (kiosk-ui/dist, built by `npm run build:ui`) at `/`. Hashed assets under
 * /assets/ are cached for a year (their names change with their content); index.html is never
 * cached, so a new build is picked up on the next load. The UI's own paths (/staff, …) answer
 * with index.html. Without a build, those paths answer 503 with what to run.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

/** Paths the single-page app handles itself; each serves index.html. */
export const UI_PATHS = ['/', '/staff', '/diagnostics'];

/** kiosk-ui/dist under the package root (source tree under tsx, or dist/ after tsc). */
export function defaultUiDir(): string {
  for (
    let dir = dirname(fileURLToPath(import.meta.url));
    dir !== dirname(dir);
    dir = dirname(dir)
  ) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'kiosk-ui')))
      return join(dir, 'kiosk-ui', 'dist');
  }
  return join(process.cwd(), 'kiosk-ui', 'dist');
}

export const uiRoutes: FastifyPluginAsync<{ uiDir?: string }> = async (app, opts) => {
  const root = opts.uiDir ?? defaultUiDir();
  const built = existsSync(join(root, 'index.html'));

  if (!built) {
    for (const path of UI_PATHS) {
      app.get(path, { schema: { hide: true } }, async (_request, reply) =>
        reply
          .status(503)
          .header('cache-control', 'no-store')
          .type('text/plain; charset=utf-8')
          .send(
            'The kiosk UI is not built. Run `npm run build:ui` (or `npm run build`) and restart the appliance.\n',
          ),
      );
    }
    return;
  }

  await app.register(fastifyStatic, {
    root: join(root, 'assets'),
    prefix: '/assets/',
    // Vite puts a content hash in every asset name, so a cached copy is never stale.
    maxAge: '365d',
    immutable: true,
    index: false,
    // Serve only files that exist at start-up: no directory walk per request.
    wildcard: false,
    decorateReply: false,
  });
  await app.register(fastifyStatic, {
    root,
    serve: false,
    decorateReply: true,
  });

  for (const path of UI_PATHS) {
    app.get(path, { schema: { hide: true } }, async (_request, reply) =>
      reply.header('cache-control', 'no-cache').sendFile('index.html', root, {
        cacheControl: false,
      }),
    );
  }
};
