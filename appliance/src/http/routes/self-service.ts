/**
 * Walk-up routes: no sign-in. A visitor or contractor asks for a card and gets a status code
 * (and its QR payload) with which it, and only it, can follow or cancel that request. The
 * status code travels in the body, never in a URL, so it stays out of access logs.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { decodePhoto } from '../presenters.js';
import { Company, Email, IsoDate, Name, PhotoInput, errorResponses } from '../schemas/common.js';
import type { AppOptions, AppServices } from '../app-services.js';
import type { RequestRecord } from '../../core/records.js';

const SITE_LOGO_URL = '/api/self-service/site-logo';

const StatusCodeBody = Type.Object(
  { statusCode: Type.String({ minLength: 8, maxLength: 12 }) },
  { additionalProperties: false },
);
const WalkUpStatus = Type.Object({
  state: Type.String(),
  processLabel: Type.String(),
  reason: Type.Union([Type.String(), Type.Null()]),
  holderName: Type.String(),
  updatedAt: Type.String(),
});

export const selfServiceRoutes: FastifyPluginAsyncTypebox<{
  services: AppServices;
  options: AppOptions;
}> = async (app, { services, options }) => {
  const site = options.site;
  const walkUpLimit = {
    rateLimit: { max: options.rateLimits?.walkUpPerMinute ?? 30, timeWindow: 60_000 },
  };
  const walkUpAnswer = (r: { request: RequestRecord; statusCode: string }) => ({
    statusCode: r.statusCode,
    qrPayload: `${options.publicBaseUrl}/#/status/${r.statusCode}`,
    state: r.request.state,
    processLabel: services.catalog.get(r.request.processName)?.label ?? r.request.processName,
  });
  const lookupLimit = {
    rateLimit: { max: options.rateLimits?.statusLookupsPerMinute ?? 60, timeWindow: 60_000 },
  };

  app.get(
    '/api/self-service/options',
    {
      schema: {
        tags: ['self-service'],
        summary: 'What this kiosk offers to walk-ups, and whether it can serve a request now',
        response: {
          200: Type.Object({
            kinds: Type.Array(Type.String()),
            ready: Type.Boolean(),
            notReadyReason: Type.Union([Type.String(), Type.Null()]),
            site: Type.Object({
              name: Type.String(),
              accentColor: Type.Union([Type.String(), Type.Null()]),
              logoUrl: Type.Union([Type.String(), Type.Null()]),
            }),
          }),
        },
      },
    },
    async () => {
      const readiness = await services.status.readiness();
      return {
        kinds: options.walkUpKinds,
        ready: readiness.ready,
        notReadyReason: readiness.reason,
        site: {
          name: site?.name ?? '',
          accentColor: site?.accentColor ?? null,
          logoUrl: site?.logo ? SITE_LOGO_URL : null,
        },
      };
    },
  );

  app.get(
    SITE_LOGO_URL,
    {
      schema: {
        tags: ['self-service'],
        summary: "The site's logo (PNG or JPEG) for the attract screen; 404 when none is set",
        response: errorResponses,
      },
    },
    async (_request, reply) => {
      const logo = site?.logo;
      if (!logo)
        return reply.code(404).send({ error: 'NOT_FOUND', message: 'no site logo is configured' });
      return reply
        .type(logo.mimeType)
        .header('cache-control', 'public, max-age=300')
        .send(Buffer.from(logo.data));
    },
  );

  app.get(
    '/api/self-service/hosts',
    {
      schema: {
        tags: ['self-service'],
        summary: 'Find a host (employee) by name; at least 2 letters',
        querystring: Type.Object(
          { q: Type.String({ minLength: 2, maxLength: 60 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
          }),
          ...errorResponses,
        },
      },
      config: lookupLimit,
    },
    async (request) => {
      const found = await services.persons.search({
        text: request.query.q,
        kind: 'employee',
        limit: 10,
        offset: 0,
      });
      // Only what a visitor needs to pick a host: no e-mail, no company.
      return { items: found.map((p) => ({ id: p.id, name: p.name })) };
    },
  );

  app.post(
    '/api/self-service/requests',
    {
      schema: {
        tags: ['self-service'],
        summary: 'Ask for a card at the kiosk (seed step 1)',
        body: Type.Object(
          {
            kind: Type.Union([
              Type.Literal('visitor'),
              Type.Literal('contractor'),
              Type.Literal('employee'),
            ]),
            name: Name,
            company: Type.Optional(Company),
            email: Type.Optional(Email),
            hostPersonId: Type.Optional(Type.String({ format: 'uuid' })),
            purpose: Type.Optional(Type.String({ maxLength: 200 })),
            validUntil: Type.Optional(IsoDate),
            photo: Type.Optional(PhotoInput),
            acceptTerms: Type.Literal(true, { description: 'the walk-up accepted the site terms' }),
            /** SHA-256 of the terms text shown (GET /api/self-service/terms), and its language. */
            termsVersion: Type.Optional(
              Type.String({
                pattern: '^[0-9a-f]{64}$',
                description: 'SHA-256 (hex) of the terms text the walk-up accepted',
                examples: ['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
              }),
            ),
            language: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('nl')])),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            statusCode: Type.String(),
            qrPayload: Type.String(),
            state: Type.String(),
            processLabel: Type.String(),
          }),
          ...errorResponses,
        },
      },
      config: {
        ...walkUpLimit,
        idempotency: {
          // Only the status code's hash is kept in the clear; a sealed copy answers the
          // kiosk's replays for a day, then only the hash is left.
          secretFields: ['statusCode', 'qrPayload'],
          keepSecretsForReplays: true,
          // Never sent: nobody has seen its code, so the request gets a new one.
          replay: async (_request, resourceId) => {
            const again = resourceId
              ? await services.requests.reissueWalkUpStatusCode(resourceId)
              : null;
            return again ? { statusCode: 201, body: walkUpAnswer(again) } : null;
          },
        },
      },
    },
    async (request, reply) => {
      const { acceptTerms: _terms, photo, termsVersion, language, ...rest } = request.body;
      const decoded = decodePhoto(photo);
      const { request: created, statusCode } = await services.requests.submitWalkUp({
        ...rest,
        terms: {
          ...(termsVersion ? { textSha256: termsVersion } : {}),
          ...(language ? { language } : {}),
        },
        ...(decoded ? { photo: decoded } : {}),
      });
      return reply.status(201).send(walkUpAnswer({ request: created, statusCode }));
    },
  );

  app.post(
    '/api/self-service/status',
    {
      schema: {
        tags: ['self-service'],
        summary: 'Follow a walk-up request by its status code',
        body: StatusCodeBody,
        response: { 200: WalkUpStatus, ...errorResponses },
      },
      config: lookupLimit,
    },
    async (request) => (await services.requests.walkUpStatus(request.body.statusCode)).status,
  );

  app.post(
    '/api/self-service/cancel',
    {
      schema: {
        tags: ['self-service'],
        summary: 'Withdraw a walk-up request before it is approved',
        body: StatusCodeBody,
        response: { 200: WalkUpStatus, ...errorResponses },
      },
      config: lookupLimit,
    },
    async (request) => {
      const { requestId } = await services.requests.walkUpStatus(request.body.statusCode);
      await services.requests.cancel(
        { kind: 'self_service', requestId },
        requestId,
        'withdrawn at the kiosk',
      );
      return (await services.requests.walkUpStatus(request.body.statusCode)).status;
    },
  );
};
