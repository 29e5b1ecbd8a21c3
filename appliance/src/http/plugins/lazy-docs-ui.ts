/**
 * /docs (Swagger UI, the OpenAPI document as JSON and YAML) set up on its first request rather
 * than at start: loading and registering @fastify/swagger-ui and its static file server was a
 * tenth of the start-up's CPU time, for a page a developer opens now and then. The first request
 * builds a small Fastify instance with Swagger UI over this app's OpenAPI document
 * (@fastify/swagger stays registered here, where it sees every route) and hands it every
 * /docs request from then on. Security headers set here (helmet) stay on the response; Swagger
 * UI sets its own Content-Security-Policy, as it did when registered here.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { installErrorHandler } from './error-handler.js';

export function installLazyDocsUi(app: FastifyInstance, routePrefix: string): void {
  let docs: Promise<FastifyInstance> | null = null;

  const build = async (): Promise<FastifyInstance> => {
    const { default: swaggerUi } = await import('@fastify/swagger-ui');
    const inner = Fastify({ logger: false });
    installErrorHandler(inner); // the API's {error, message} for a missing file too
    // Swagger UI declares a dependency on the plugin named @fastify/swagger and calls its
    // `swagger()`: this stands in for it, answering with the document of the app itself.
    const documentOfApp = Object.assign(
      async (instance: FastifyInstance) => {
        instance.decorate('swagger', ((opts?: { yaml?: boolean }) =>
          app.swagger(opts as never)) as FastifyInstance['swagger']);
      },
      {
        [Symbol.for('skip-override')]: true,
        [Symbol.for('fastify.display-name')]: '@fastify/swagger',
        [Symbol.for('plugin-meta')]: { name: '@fastify/swagger' },
      },
    );
    await inner.register(documentOfApp);
    await inner.register(swaggerUi, { routePrefix, staticCSP: true });
    await inner.ready();
    return inner;
  };

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    docs ??= build().catch((err: unknown) => {
      docs = null;
      throw err;
    });
    const inner = await docs;
    reply.hijack();
    inner.routing(request.raw, reply.raw);
  };
  app.get(routePrefix, { schema: { hide: true } }, handler);
  app.get(`${routePrefix}/*`, { schema: { hide: true } }, handler);
}
