/** Cards, batches, processes and the audit trail, for staff. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { presentCard } from '../presenters.js';
import { CARD_STATUSES } from '../../core/records.js';
import { CARD_REVOCATION_REASONS } from '../../services/card-service.js';
import { requireStaff, staffActor } from '../plugins/session-auth.js';
import { IdParams, Paging, errorResponses } from '../schemas/common.js';
import type { AppServices } from '../app-services.js';

export const catalogRoutes: FastifyPluginAsyncTypebox<{ services: AppServices }> = async (
  app,
  { services },
) => {
  const staff = requireStaff();

  app.get(
    '/api/processes',
    {
      schema: {
        tags: ['processes'],
        summary: 'The process catalog and which processes this device enables',
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                name: Type.String(),
                label: Type.String(),
                idType: Type.String(),
                cardType: Type.String(),
                channel: Type.String(),
                approval: Type.Boolean(),
                needsCertificate: Type.Boolean(),
                enabled: Type.Boolean(),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
      preHandler: staff,
    },
    async () => ({
      items: services.catalog.all().map((p) => ({
        ...p,
        needsCertificate: p.idType === 'digital',
        enabled: services.catalog.isEnabled(p.name),
      })),
    }),
  );

  app.get(
    '/api/cards',
    {
      schema: {
        tags: ['cards'],
        summary: 'List and filter card objects',
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Union(CARD_STATUSES.map((s) => Type.Literal(s)))),
            cardNumber: Type.Optional(Type.String({ pattern: '^\\d{2,20}$' })),
            requestId: Type.Optional(Type.String({ format: 'uuid' })),
            ...Paging,
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(Type.Ref('Card')) }), ...errorResponses },
      },
      preHandler: staff,
    },
    async (request) => ({ items: (await services.cards.list(request.query)).map(presentCard) }),
  );

  app.get(
    '/api/cards/:id',
    {
      schema: {
        tags: ['cards'],
        summary: 'One card object',
        params: IdParams,
        response: { 200: Type.Ref('Card'), ...errorResponses },
      },
      preHandler: staff,
    },
    async (request) => presentCard(await services.cards.get(request.params.id)),
  );

  app.post(
    '/api/cards/:id/revoke',
    {
      schema: {
        tags: ['cards'],
        summary:
          'Revoke a lost, stolen, returned or damaged card; its certificate goes on the CRL at once',
        params: IdParams,
        body: Type.Object(
          {
            reason: Type.Union(CARD_REVOCATION_REASONS.map((r) => Type.Literal(r))),
            note: Type.Optional(Type.String({ maxLength: 300 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Ref('Card'), ...errorResponses },
      },
      preHandler: staff,
    },
    async (request) =>
      presentCard(
        await services.cards.revoke(
          staffActor(request),
          request.params.id,
          request.body.reason,
          request.body.note,
        ),
      ),
  );

  const Batch = Type.Object({
    id: Type.String(),
    name: Type.String(),
    state: Type.String(),
    createdBy: Type.String(),
    createdAt: Type.String(),
    startedAt: Type.Union([Type.String(), Type.Null()]),
    finishedAt: Type.Union([Type.String(), Type.Null()]),
  });

  app.get(
    '/api/batches',
    {
      schema: {
        tags: ['batches'],
        summary: 'List mass-production batches',
        querystring: Type.Object(
          {
            state: Type.Optional(
              Type.Union([
                Type.Literal('open'),
                Type.Literal('running'),
                Type.Literal('completed'),
              ]),
            ),
            ...Paging,
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(Batch) }), ...errorResponses },
      },
      preHandler: staff,
    },
    async (request) => ({ items: await services.batches.list(request.query) }),
  );

  app.get(
    '/api/batches/:id',
    {
      schema: {
        tags: ['batches'],
        summary: 'A batch with each card’s outcome',
        params: IdParams,
        response: {
          200: Type.Object({
            batch: Batch,
            members: Type.Array(
              Type.Object({
                requestId: Type.String(),
                holderName: Type.String(),
                cardNumber: Type.Union([Type.String(), Type.Null()]),
                state: Type.String(),
                reason: Type.Union([Type.String(), Type.Null()]),
                attempts: Type.Integer(),
                spoiledCards: Type.Integer(),
              }),
            ),
            totals: Type.Object({
              members: Type.Integer(),
              produced: Type.Integer(),
              failed: Type.Integer(),
              cancelled: Type.Integer(),
              waiting: Type.Integer(),
              spoiledCards: Type.Integer(),
            }),
          }),
          ...errorResponses,
        },
      },
      preHandler: staff,
    },
    async (request) => services.batches.report(request.params.id),
  );

  app.post(
    '/api/batches/:id/run',
    {
      schema: {
        tags: ['batches'],
        summary: 'Produce the batch as one run; returns when every card is queued',
        params: IdParams,
        response: { 202: Type.Object({ batch: Batch }), ...errorResponses },
      },
      preHandler: staff,
      config: {
        idempotency: {
          // A run whose answer a crash lost: the batch as it is now.
          replay: async (request) => ({
            statusCode: 202,
            body: {
              batch: (await services.batches.report((request.params as { id: string }).id)).batch,
            },
          }),
        },
      },
    },
    async (request, reply) =>
      reply
        .status(202)
        .send({ batch: await services.batches.run(staffActor(request), request.params.id) }),
  );

  const AuditEvent = Type.Object({
    seq: Type.Integer(),
    at: Type.String(),
    actor: Type.String(),
    action: Type.String(),
    objectType: Type.String(),
    objectId: Type.String(),
    details: Type.Record(Type.String(), Type.Unknown()),
    prevHash: Type.String(),
    hash: Type.String(),
  });

  app.get(
    '/api/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'The audit trail, newest first',
        querystring: Type.Object(
          {
            objectType: Type.Optional(Type.String({ maxLength: 20 })),
            objectId: Type.Optional(Type.String({ maxLength: 64 })),
            actor: Type.Optional(Type.String({ maxLength: 80 })),
            action: Type.Optional(Type.String({ maxLength: 60 })),
            ...Paging,
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(AuditEvent) }), ...errorResponses },
      },
      preHandler: staff,
    },
    async (request) => ({ items: await services.audit.list(request.query) }),
  );

  app.get(
    '/api/audit/verify',
    {
      schema: {
        tags: ['audit'],
        summary: 'Check the audit trail’s hash chain',
        response: {
          200: Type.Object({
            ok: Type.Boolean(),
            events: Type.Integer(),
            brokenAt: Type.Union([Type.Integer(), Type.Null()]),
          }),
          ...errorResponses,
        },
      },
      preHandler: requireStaff('device_admin', 'card_production_admin', 'security_staff'),
    },
    async (request) => {
      void staffActor(request);
      return services.audit.verify();
    },
  );
};
