/**
 * Live updates as server-sent events.
 *
 * Staff: `GET /api/events` (signed in) streams `request.changed` ({requestId, state,
 * processName, batchId}) and `device.changed` ({}): ids and states only; views fetch what they
 * show through the ordinary, role-checked routes. The stream ends after STAFF_STREAM_MAX_MS and
 * the browser reconnects, so a session that ended stops receiving within that time.
 *
 * Walk-up: the status code never goes into a URL (URLs end up in access logs). The walk-up
 * posts it to `POST /api/self-service/stream-token` and gets an opaque ticket, valid for a few
 * seconds and for one stream, then opens `GET /api/self-service/events?token=…`. That stream
 * carries `status` events with exactly what `POST /api/self-service/status` returns, for that
 * one request and no other. A reconnect needs a new ticket.
 *
 * Both send a comment line every heartbeatMs so proxies and the browser see a live
 * connection, and drop their listeners when the connection closes or the app shuts down.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { requireStaff } from '../plugins/session-auth.js';
import { errorResponses } from '../schemas/common.js';
import { StreamTokens } from '../stream-tokens.js';
import type { AppOptions, AppServices } from '../app-services.js';
import type { RequestChanged } from '../../services/domain-events.js';

export const HEARTBEAT_MS = 15_000;
export const STAFF_STREAM_MAX_MS = 5 * 60_000;

export interface EventRouteOptions {
  services: AppServices;
  options: AppOptions;
  /** Shorter in tests. */
  heartbeatMs?: number;
}

/** One open event stream: write events, and run `cleanup` exactly once when it ends. */
class EventStream {
  private ended = false;
  private readonly cleanups: Array<() => void> = [];

  constructor(private readonly raw: ServerResponse) {}

  static open(request: FastifyRequest, reply: FastifyReply): EventStream {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // Tell a reverse proxy (nginx) not to buffer the stream.
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    const stream = new EventStream(raw);
    // Tell EventSource to wait 2 s before it reconnects after a drop.
    raw.write('retry: 2000\n\n');
    request.raw.on('close', () => stream.end());
    return stream;
  }

  send(event: string, data: unknown): void {
    if (this.ended) return;
    this.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  comment(text: string): void {
    if (!this.ended) this.raw.write(`: ${text}\n\n`);
  }

  onEnd(cleanup: () => void): void {
    if (this.ended) cleanup();
    else this.cleanups.push(cleanup);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    if (!this.raw.writableEnded) this.raw.end();
  }
}

export const eventRoutes: FastifyPluginAsyncTypebox<EventRouteOptions> = async (
  app,
  { services, options, heartbeatMs = HEARTBEAT_MS },
) => {
  const open = new Set<EventStream>();
  const tokens = new StreamTokens(services.clock);
  const lookupLimit = {
    rateLimit: { max: options.rateLimits?.statusLookupsPerMinute ?? 60, timeWindow: 60_000 },
  };

  // app.close() waits for open connections; a live stream never ends by itself.
  app.addHook('preClose', async () => {
    for (const stream of open) stream.end();
  });

  function start(request: FastifyRequest, reply: FastifyReply, maxMs?: number): EventStream {
    const stream = EventStream.open(request, reply);
    open.add(stream);
    const heartbeat = setInterval(() => stream.comment('heartbeat'), heartbeatMs);
    const lifetime = maxMs ? setTimeout(() => stream.end(), maxMs) : null;
    stream.onEnd(() => {
      clearInterval(heartbeat);
      if (lifetime) clearTimeout(lifetime);
      open.delete(stream);
    });
    return stream;
  }

  app.get(
    '/api/events',
    {
      schema: {
        tags: ['events'],
        summary: 'Live changes for staff views (text/event-stream)',
        produces: ['text/event-stream'],
        response: { ...errorResponses },
      },
      preHandler: requireStaff(),
    },
    async (request, reply) => {
      const stream = start(request, reply, STAFF_STREAM_MAX_MS);
      const onRequest = (change: RequestChanged) => stream.send('request.changed', change);
      const onDevice = () => stream.send('device.changed', {});
      services.events.on('request.changed', onRequest);
      services.events.on('device.changed', onDevice);
      stream.onEnd(() => {
        services.events.off('request.changed', onRequest);
        services.events.off('device.changed', onDevice);
      });
      stream.send('ready', {});
    },
  );

  app.post(
    '/api/self-service/stream-token',
    {
      schema: {
        tags: ['self-service'],
        summary: 'A one-use ticket to follow your own request live, without the code in a URL',
        body: Type.Object(
          { statusCode: Type.String({ minLength: 8, maxLength: 12 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ token: Type.String(), expiresInSeconds: Type.Integer() }),
          ...errorResponses,
        },
      },
      config: lookupLimit,
    },
    async (request, reply) => {
      const { requestId } = await services.requests.walkUpStatus(request.body.statusCode);
      reply.header('cache-control', 'no-store');
      return tokens.issue({ requestId, statusCode: request.body.statusCode });
    },
  );

  app.get(
    '/api/self-service/events',
    {
      schema: {
        tags: ['self-service'],
        summary: 'Live status of your own request (text/event-stream), opened with a ticket',
        produces: ['text/event-stream'],
        querystring: Type.Object(
          { token: Type.String({ minLength: 20, maxLength: 100 }) },
          { additionalProperties: false },
        ),
        response: { ...errorResponses },
      },
      config: lookupLimit,
    },
    async (request, reply) => {
      const ticket = tokens.redeem(request.query.token);
      if (!ticket) {
        return reply.status(401).send({
          error: 'UNAUTHENTICATED',
          message: 'this stream ticket is unknown, used or expired; ask for a new one',
        });
      }
      const stream = start(request, reply);
      // Changes are sent in order, one lookup at a time, so a slow read never reorders them.
      let chain = Promise.resolve();
      const push = () => {
        chain = chain
          .then(async () => {
            const { status } = await services.requests.walkUpStatus(ticket.statusCode);
            stream.send('status', status);
          })
          .catch((err: unknown) => {
            request.log.warn({ err }, 'walk-up stream: status lookup failed');
            stream.end();
          });
      };
      const onRequest = (change: RequestChanged) => {
        if (change.requestId === ticket.requestId) push();
      };
      services.events.on('request.changed', onRequest);
      stream.onEnd(() => services.events.off('request.changed', onRequest));
      // The current state first, so nothing is missed between the ticket and the stream.
      push();
    },
  );
};
