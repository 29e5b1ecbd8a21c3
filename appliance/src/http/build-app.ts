/**
 * buildApp(services, options) returns the Fastify instance over already-built services, so
 * tests pass simulators and a temporary database and drive it with inject(). Plugins: cookies,
 * security headers, rate limits, OpenAPI at /docs, session auth, idempotency, one error handler.
 * Bad input is refused at the edge: bodies over 1 MiB or nested deeper than MAX_JSON_DEPTH at
 * parse time, numbers that coercion made infinite at validation, undecodable URLs in the router.
 */
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AppOptions, AppServices } from './app-services.js';
import { attachSchemaCompilers, LazySchemaCompilers } from './lazy-schema-compilers.js';
import { frameworkErrorHandler, installErrorHandler } from './plugins/error-handler.js';
import { finiteNumbersAjvPlugin, requireFiniteNumbers } from './plugins/finite-numbers.js';
import { installLazyDocsUi } from './plugins/lazy-docs-ui.js';
import { installIdempotency } from './plugins/idempotency.js';
import { installJsonBodyParser } from './plugins/json-body-parser.js';
import { installSecurityHeaders } from './plugins/security-headers.js';
import { installSessionAuth } from './plugins/session-auth.js';
import { catalogRoutes } from './routes/catalog.js';
import { certificateAuthorityRoutes } from './routes/certificate-authority.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { personRoutes } from './routes/persons.js';
import { requestRoutes } from './routes/requests.js';
import { selfServiceRoutes } from './routes/self-service.js';
import { sessionRoutes } from './routes/session.js';
import { uiRoutes } from './routes/ui.js';
import { userRoutes } from './routes/users.js';
import { syncRoutes } from './routes/sync.js';
import { printerRoutes } from './routes/printer.js';
import { cardLifecycleRoutes } from './routes/card-lifecycle.js';
import { selfServicePinRoutes } from './routes/self-service-pin.js';
import { visitRoutes } from './routes/visits.js';
import { selfServiceVisitRoutes } from './routes/self-service-visits.js';
import { sharedSchemas } from './schemas/common.js';

export const BODY_LIMIT_BYTES = 1024 * 1024;

export async function buildApp(
  services: AppServices,
  options: AppOptions,
): Promise<FastifyInstance> {
  const compilers = new LazySchemaCompilers();
  const app = Fastify({
    schemaController: { compilersFactory: compilers.compilersFactory },
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: false }),
    bodyLimit: BODY_LIMIT_BYTES,
    // Unknown fields are refused, not silently dropped, so a typo is an error the caller sees.
    ajv: {
      customOptions: {
        removeAdditional: false,
        coerceTypes: 'array',
        useDefaults: true,
        allErrors: false,
      },
      plugins: [finiteNumbersAjvPlugin],
    },
    // A URL that does not decode, or an over-long path parameter, gets `{ error, message }` too.
    frameworkErrors: (err, request, reply) => frameworkErrorHandler(err, request, reply),
  }).withTypeProvider<TypeBoxTypeProvider>();
  attachSchemaCompilers(app, compilers);

  for (const schema of sharedSchemas) app.addSchema(schema);
  // The API speaks JSON only; anything else is a 415, not a string the schema then refuses.
  app.removeContentTypeParser('text/plain');
  installJsonBodyParser(app);
  requireFiniteNumbers(app);
  installErrorHandler(app);

  await app.register(cookie);
  installSecurityHeaders(app, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // 'wasm-unsafe-eval' lets the kiosk compile the QR decoder's WebAssembly (served from
        // here); it does not allow eval() or inline scripts.
        scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'"],
        mediaSrc: ["'self'", 'blob:'],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
      },
    },
  });
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'cardkiosk appliance API',
        version: '0.1.0',
        description: 'Request or issue card: walk-up requests, approval, production, collection.',
      },
      components: {
        securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'ck_session' } },
      },
    },
  });
  installLazyDocsUi(app, '/docs');

  installSessionAuth(app, services.auth, { secureCookie: options.secureCookie });
  installIdempotency(app, services.store, () => services.clock.now(), services.answerSealer);

  await app.register(healthRoutes, { services });
  await app.register(sessionRoutes, { services, options });
  await app.register(userRoutes, { services });
  await app.register(syncRoutes, { services });
  await app.register(printerRoutes, { services });
  await app.register(selfServiceRoutes, { services, options });
  await app.register(personRoutes, { services });
  await app.register(requestRoutes, { services });
  await app.register(catalogRoutes, { services });
  await app.register(cardLifecycleRoutes, { services });
  await app.register(selfServicePinRoutes, { services, options });
  await app.register(certificateAuthorityRoutes, { services });
  await app.register(eventRoutes, { services, options });
  if (services.visiting) {
    await app.register(visitRoutes, { services });
    await app.register(selfServiceVisitRoutes, { services, options });
  }
  await app.register(uiRoutes);
  return app;
}
