/**
 * Walk-up routes of visits: the site terms (generated from the retention settings, with the
 * version a request records), "I'm leaving" (the badge's QR code or typed card number), and
 * invitations (find by QR code or short code, then confirm). No sign-in; rate-limited like
 * status lookups. Nothing here names a barred-list match: the response schemas have no field
 * for one.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { decodePhoto } from '../presenters.js';
import { PhotoInput, errorResponses } from '../schemas/common.js';
import type { AppOptions, AppServices } from '../app-services.js';
import type { VisitServices } from '../../visits-composition.js';

const Language = Type.Union([Type.Literal('en'), Type.Literal('nl')]);
const TermsVersion = Type.String({
  pattern: '^[0-9a-f]{64}$',
  description: 'SHA-256 (hex) of the terms text the walk-up accepted',
  examples: ['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
});
const InvitationCode = Type.Object(
  { code: Type.String({ minLength: 8, maxLength: 40 }) },
  { additionalProperties: false },
);

export const selfServiceVisitRoutes: FastifyPluginAsyncTypebox<{
  services: AppServices;
  options: AppOptions;
}> = async (app, { services, options }) => {
  const v = services.visiting as VisitServices;
  const lookupLimit = {
    rateLimit: { max: options.rateLimits?.statusLookupsPerMinute ?? 60, timeWindow: 60_000 },
  };
  const walkUpLimit = {
    rateLimit: { max: options.rateLimits?.walkUpPerMinute ?? 30, timeWindow: 60_000 },
  };

  app.get(
    '/api/self-service/terms',
    {
      schema: {
        tags: ['self-service'],
        summary: 'The site terms in a language, with the version a request records',
        querystring: Type.Object(
          { lang: Type.Optional(Language) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            language: Type.String(),
            text: Type.String(),
            version: Type.String(),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const t = v.terms.get(request.query.lang);
      return { language: t.language, text: t.text, version: t.sha256 };
    },
  );

  app.post(
    '/api/self-service/sign-out',
    {
      schema: {
        tags: ['self-service'],
        summary: "I'm leaving: the badge's QR code (its card number) or the typed number",
        body: Type.Object(
          { cardNumber: Type.String({ pattern: '^\\s*\\d[\\d\\s]{1,30}$' }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ state: Type.String() }), ...errorResponses },
      },
      config: lookupLimit,
    },
    async (request) => {
      const visit = await v.visits.signOut(
        { kind: 'self_service', requestId: null },
        request.body.cardNumber,
      );
      return { state: visit.state };
    },
  );

  app.post(
    '/api/self-service/sign-out/card-in-reader',
    {
      schema: {
        tags: ['self-service'],
        summary: "I'm leaving: the Digital ID put in the encoder's reader (its CHUID GUID)",
        response: { 200: Type.Object({ state: Type.String() }), ...errorResponses },
      },
      config: lookupLimit,
    },
    async () => {
      const visit = await v.visits.signOutByCardInReader({
        kind: 'self_service',
        requestId: null,
      });
      return { state: visit.state };
    },
  );

  app.post(
    '/api/self-service/invitations/lookup',
    {
      schema: {
        tags: ['self-service'],
        summary: 'Find today’s invitation by its QR code or short code',
        body: InvitationCode,
        response: {
          200: Type.Object({
            name: Type.String(),
            company: Type.Union([Type.String(), Type.Null()]),
            hostName: Type.Union([Type.String(), Type.Null()]),
            processLabel: Type.String(),
            kind: Type.String(),
            lastDay: Type.String(),
          }),
          ...errorResponses,
        },
      },
      config: lookupLimit,
    },
    async (request) => v.invitations.lookup(request.body.code),
  );

  app.post(
    '/api/self-service/invitations/redeem',
    {
      schema: {
        tags: ['self-service'],
        summary: 'Confirm an invitation at the kiosk: the card request under its process',
        body: Type.Object(
          {
            code: Type.String({ minLength: 8, maxLength: 40 }),
            photo: Type.Optional(PhotoInput),
            acceptTerms: Type.Literal(true),
            termsVersion: Type.Optional(TermsVersion),
            language: Type.Optional(Language),
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
      config: walkUpLimit,
    },
    async (request, reply) => {
      const photo = decodePhoto(request.body.photo);
      const { statusCode } = await v.invitations.redeem(request.body.code, {
        ...(photo ? { photo } : {}),
        terms: {
          ...(request.body.termsVersion ? { textSha256: request.body.termsVersion } : {}),
          ...(request.body.language ? { language: request.body.language } : {}),
        },
      });
      const { status } = await services.requests.walkUpStatus(statusCode);
      return reply.status(201).send({
        statusCode,
        qrPayload: `${options.publicBaseUrl}/#/status/${statusCode}`,
        state: status.state,
        processLabel: status.processLabel,
      });
    },
  );
};
