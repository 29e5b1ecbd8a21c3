/**
 * Security headers (Content-Security-Policy, HSTS, X-Content-Type-Options, ...) from helmet,
 * worked out once at start and set on every response. @fastify/helmet builds helmet's
 * middleware anew on every request, parsing the CSP directives each time: a fifth of the CPU
 * of a GET /health. The headers depend only on the options, so the list helmet produces for a
 * response is the list for every response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/** The headers helmet sets for these options, in its order. */
export function securityHeaders(options: HelmetOptions): ReadonlyArray<[string, string]> {
  const headers: [string, string][] = [];
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers.push([name, Array.isArray(value) ? value.join(', ') : String(value)]);
      return response;
    },
    removeHeader() {},
  };
  let failure: unknown = null;
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (err?: unknown) => {
    failure = err ?? null;
  });
  if (failure) throw failure;
  return headers;
}

/** Set the headers on every response, before any handler runs (404s and /docs included). */
export function installSecurityHeaders(app: FastifyInstance, options: HelmetOptions): void {
  const headers = securityHeaders(options);
  app.addHook('onRequest', (_request, reply, done) => {
    const raw = reply.raw;
    for (const [name, value] of headers) raw.setHeader(name, value);
    done();
  });
}
