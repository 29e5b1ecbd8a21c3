/**
 * The security headers worked out once at start are exactly what helmet's own middleware
 * sets on a real response for the same options, and every response carries them: a route,
 * a 404, and a refused request.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import Fastify from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import { describe, expect, it } from 'vitest';
import {
  installSecurityHeaders,
  securityHeaders,
} from '../../../appliance/src/http/plugins/security-headers.js';

const OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      imgSrc: ["'self'", 'data:', 'blob:'],
      objectSrc: ["'none'"],
      frameAncestors: ["'none'"],
    },
  },
};

function helmetOnRealResponse(options: HelmetOptions): Record<string, string> {
  const res = new ServerResponse(new IncomingMessage(new Socket()));
  helmet(options)(new IncomingMessage(new Socket()), res, (err?: unknown) => {
    if (err) throw err;
  });
  return Object.fromEntries(
    Object.entries(res.getHeaders()).map(([name, value]) => [name, String(value)]),
  );
}

describe('security headers', () => {
  it('are the headers helmet sets on a real response', () => {
    for (const options of [OPTIONS, {}]) {
      const ours = Object.fromEntries(
        securityHeaders(options).map(([name, value]) => [name.toLowerCase(), value]),
      );
      expect(ours).toEqual(helmetOnRealResponse(options));
      expect(ours['content-security-policy']).toBeDefined();
    }
    expect(
      Object.fromEntries(securityHeaders(OPTIONS).map(([n, v]) => [n.toLowerCase(), v]))[
        'content-security-policy'
      ],
    ).toContain("object-src 'none'");
  });

  it('are on every response: a route, a 404 and a refused body', async () => {
    const app = Fastify();
    installSecurityHeaders(app, OPTIONS);
    app.get('/ok', async () => ({ ok: true }));
    app.post('/echo', { schema: { body: { type: 'object', required: ['a'] } } }, async () => ({}));
    const expected = helmetOnRealResponse(OPTIONS);
    const responses = await Promise.all([
      app.inject({ method: 'GET', url: '/ok' }),
      app.inject({ method: 'GET', url: '/nowhere' }),
      app.inject({ method: 'POST', url: '/echo', payload: {} }),
    ]);
    expect(responses.map((r) => r.statusCode)).toEqual([200, 404, 400]);
    for (const res of responses)
      for (const [name, value] of Object.entries(expected)) expect(res.headers[name]).toBe(value);
    await app.close();
  });
});
