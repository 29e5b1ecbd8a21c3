/**
 * Card requests for staff: "Produce card" (seed step 2), approve or reject (3), choose single
 * or mass production (5), try again or cancel a failed production (7), and hand the card to
 * its holder (8). Every rule lives in the services and the workflow core; a route is a schema
 * and a call.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { presentCard, presentPerson } from '../presenters.js';
import { requireStaff, staffActor } from '../plugins/session-auth.js';
import { IdParams, Paging, Reason, RequestStateSchema, errorResponses } from '../schemas/common.js';
import type { AppServices } from '../app-services.js';
import type { RouteIdempotency } from '../plugins/idempotency.js';

const RequestReply = Type.Object({ request: Type.Ref('Request') });

export const requestRoutes: FastifyPluginAsyncTypebox<{ services: AppServices }> = async (
  app,
  { services },
) => {
  const staff = requireStaff();
  const { requests } = services;
  /**
   * Rebuilds the `{ request }` answer of a keyed change whose answer a crash lost: the request
   * as it is now (the URL's, or the one the change created).
   */
  const requestAnswer = (statusCode: number): { idempotency: RouteIdempotency } => ({
    idempotency: {
      replay: async (request, resourceId) => {
        const id = (request.params as { id?: string }).id ?? resourceId;
        const found = id ? await requests.find(id) : null;
        return found ? { statusCode, body: { request: found } } : null;
      },
    },
  });

  app.post(
    '/api/requests',
    {
      schema: {
        tags: ['requests'],
        summary: 'Produce card: start a card request for a person under a process',
        body: Type.Object(
          {
            personId: Type.String({ format: 'uuid' }),
            processName: Type.String({ minLength: 1, maxLength: 80 }),
            purpose: Type.Optional(Type.String({ maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: RequestReply, ...errorResponses },
      },
      preHandler: requireStaff('registration_officer'),
      config: requestAnswer(201),
    },
    async (request, reply) =>
      reply
        .status(201)
        .send({ request: await requests.produceCard(staffActor(request), request.body) }),
  );

  app.get(
    '/api/requests',
    {
      schema: {
        tags: ['requests'],
        summary: 'List and filter card requests',
        querystring: Type.Object(
          {
            state: Type.Optional(RequestStateSchema),
            processName: Type.Optional(Type.String({ maxLength: 80 })),
            personId: Type.Optional(Type.String({ format: 'uuid' })),
            batchId: Type.Optional(Type.String({ format: 'uuid' })),
            channel: Type.Optional(
              Type.Union([Type.Literal('self-service'), Type.Literal('identity-manager')]),
            ),
            ...Paging,
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ items: Type.Array(Type.Ref('Request')), total: Type.Integer() }),
          ...errorResponses,
        },
      },
      preHandler: staff,
    },
    async (request) => requests.list(request.query),
  );

  app.get(
    '/api/requests/:id',
    {
      schema: {
        tags: ['requests'],
        summary: 'One request with its person, card, history and production attempts',
        params: IdParams,
        response: {
          200: Type.Object({
            request: Type.Ref('Request'),
            person: Type.Ref('Person'),
            process: Type.Object({
              name: Type.String(),
              label: Type.String(),
              idType: Type.String(),
              cardType: Type.String(),
              channel: Type.String(),
              approval: Type.Boolean(),
            }),
            card: Type.Union([Type.Ref('Card'), Type.Null()]),
            host: Type.Union(
              [Type.Object({ id: Type.String(), name: Type.String() }), Type.Null()],
              {
                description: 'the employee a visitor comes to see',
              },
            ),
            transitions: Type.Array(
              Type.Object({
                fromState: Type.Union([Type.String(), Type.Null()]),
                toState: Type.String(),
                event: Type.String(),
                actor: Type.String(),
                reason: Type.Union([Type.String(), Type.Null()]),
                at: Type.String(),
              }),
            ),
            attempts: Type.Array(
              Type.Object({
                attempt: Type.Integer(),
                outcome: Type.String(),
                reason: Type.Union([Type.String(), Type.Null()]),
                spoiledCards: Type.Integer(),
                startedAt: Type.String(),
                finishedAt: Type.Union([Type.String(), Type.Null()]),
                printer: Type.String(),
                encoder: Type.String(),
                batchId: Type.Union([Type.String(), Type.Null()]),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
      preHandler: staff,
    },
    async (request) => {
      const d = await requests.get(request.params.id);
      return { ...d, person: presentPerson(d.person), card: d.card ? presentCard(d.card) : null };
    },
  );

  app.get(
    '/api/requests/:id/preview.png',
    {
      schema: {
        tags: ['requests'],
        summary:
          'The card layout as it will be printed (PNG, 300 dpi), once the card object exists',
        params: IdParams,
        querystring: Type.Object(
          { side: Type.Union([Type.Literal('front'), Type.Literal('back')], { default: 'front' }) },
          { additionalProperties: false },
        ),
        response: errorResponses,
      },
      preHandler: staff,
    },
    async (request, reply) => {
      const png = await requests.preview(request.params.id, request.query.side);
      return reply
        .type('image/png')
        .header('cache-control', 'private, max-age=60')
        .send(Buffer.from(png));
    },
  );

  app.post(
    '/api/requests/:id/approve',
    {
      schema: {
        tags: ['requests'],
        summary: 'Approve (seed step 3); not by the requester',
        params: IdParams,
        response: { 200: RequestReply, ...errorResponses },
      },
      preHandler: staff,
      config: requestAnswer(200),
    },
    async (request) => ({
      request: await requests.approve(staffActor(request), request.params.id),
    }),
  );

  app.post(
    '/api/requests/:id/reject',
    {
      schema: {
        tags: ['requests'],
        summary: 'Reject, with a reason',
        params: IdParams,
        body: Type.Object({ reason: Reason }, { additionalProperties: false }),
        response: { 200: RequestReply, ...errorResponses },
      },
      preHandler: staff,
      config: requestAnswer(200),
    },
    async (request) => ({
      request: await requests.reject(staffActor(request), request.params.id, request.body.reason),
    }),
  );

  app.post(
    '/api/requests/:id/production',
    {
      schema: {
        tags: ['requests'],
        summary:
          'Choose single production (starts at once) or mass production (joins a named batch)',
        params: IdParams,
        body: Type.Union([
          Type.Object({ mode: Type.Literal('single') }, { additionalProperties: false }),
          Type.Object(
            {
              mode: Type.Literal('mass'),
              batchName: Type.String({ minLength: 1, maxLength: 80, pattern: '\\S' }),
            },
            { additionalProperties: false },
          ),
        ]),
        response: { 200: RequestReply, ...errorResponses },
      },
      preHandler: staff,
      config: requestAnswer(200),
    },
    async (request) => ({
      request: await requests.chooseProduction(
        staffActor(request),
        request.params.id,
        request.body,
      ),
    }),
  );

  app.post(
    '/api/requests/:id/retry',
    {
      schema: {
        tags: ['requests'],
        summary: 'Try a failed production again (a new blank is used)',
        params: IdParams,
        response: { 200: RequestReply, ...errorResponses },
      },
      preHandler: staff,
      config: requestAnswer(200),
    },
    async (request) => ({ request: await requests.retry(staffActor(request), request.params.id) }),
  );

  app.post(
    '/api/requests/:id/cancel',
    {
      schema: {
        tags: ['requests'],
        summary: 'Cancel a request before it is produced, with a reason',
        params: IdParams,
        body: Type.Object({ reason: Reason }, { additionalProperties: false }),
        response: { 200: RequestReply, ...errorResponses },
      },
      preHandler: staff,
      config: requestAnswer(200),
    },
    async (request) => ({
      request: await requests.cancel(staffActor(request), request.params.id, request.body.reason),
    }),
  );

  app.post(
    '/api/requests/:id/collect',
    {
      schema: {
        tags: ['requests'],
        summary:
          'Hand the produced card to its holder; the PIN is in this response once, then destroyed on the device',
        params: IdParams,
        response: {
          200: Type.Object({
            request: Type.Ref('Request'),
            cardNumber: Type.String(),
            holderName: Type.String(),
            pin: Type.String({ description: 'show to the holder only; never shown again' }),
          }),
          ...errorResponses,
        },
      },
      preHandler: staff,
      config: {
        idempotency: {
          // The PIN is kept sealed for a replay only until this answer was delivered once.
          secretFields: ['pin'],
          replay: async (request) => {
            const again = await requests.collectAnswerAgain((request.params as { id: string }).id);
            if (!again) return null;
            const { person } = await requests.get(again.request.id);
            const body = {
              request: again.request,
              cardNumber: again.card.cardNumber,
              holderName: person.name,
              pin: again.pin,
            };
            return { statusCode: 200, body };
          },
        },
      },
    },
    async (request, reply) => {
      const {
        request: updated,
        card,
        pin,
      } = await requests.collect(staffActor(request), request.params.id);
      const { person } = await requests.get(updated.id);
      reply.header('cache-control', 'no-store');
      return { request: updated, cardNumber: card.cardNumber, holderName: person.name, pin };
    },
  );
};
