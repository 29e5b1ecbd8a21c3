/** The person directory: search (seed step 2), add, look up. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { decodePhoto, presentPerson } from '../presenters.js';
import { requireStaff, staffActor } from '../plugins/session-auth.js';
import {
  CardKind,
  Company,
  Email,
  IdParams,
  IsoDate,
  Name,
  Paging,
  PhotoInput,
  errorResponses,
} from '../schemas/common.js';
import type { AppServices } from '../app-services.js';

export const personRoutes: FastifyPluginAsyncTypebox<{ services: AppServices }> = async (
  app,
  { services },
) => {
  const readers = requireStaff(
    'registration_officer',
    'approver',
    'card_production_admin',
    'security_staff',
  );

  app.get(
    '/api/persons',
    {
      schema: {
        tags: ['persons'],
        summary: 'Search persons by name, company or e-mail',
        querystring: Type.Object(
          {
            q: Type.Optional(Type.String({ maxLength: 100 })),
            kind: Type.Optional(CardKind),
            ...Paging,
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ items: Type.Array(Type.Ref('Person')) }),
          ...errorResponses,
        },
      },
      preHandler: readers,
    },
    async (request) => {
      const { q, kind, limit, offset } = request.query;
      const items = await services.persons.search({
        ...(q ? { text: q } : {}),
        ...(kind ? { kind } : {}),
        limit,
        offset,
      });
      return { items: items.map(presentPerson) };
    },
  );

  app.get(
    '/api/persons/:id',
    {
      schema: {
        tags: ['persons'],
        summary: 'One person',
        params: IdParams,
        response: { 200: Type.Ref('Person'), ...errorResponses },
      },
      preHandler: readers,
    },
    async (request) => presentPerson(await services.persons.get(request.params.id)),
  );

  // The guard compares it with the holder at hand-over, the approver sees whom they let in.
  app.get(
    '/api/persons/:id/photo',
    {
      schema: {
        tags: ['persons'],
        summary: "The person's photo (JPEG or PNG), when one was taken",
        params: IdParams,
        response: errorResponses,
      },
      preHandler: readers,
    },
    async (request, reply) => {
      const photo = await services.persons.photo(request.params.id);
      return reply
        .type(photo.mimeType)
        .header('cache-control', 'private, no-store')
        .send(Buffer.from(photo.data));
    },
  );

  app.post(
    '/api/persons',
    {
      schema: {
        tags: ['persons'],
        summary: 'Add a person to the directory',
        body: Type.Object(
          {
            kind: CardKind,
            name: Name,
            company: Type.Optional(Company),
            email: Type.Optional(Email),
            hostPersonId: Type.Optional(Type.String({ format: 'uuid' })),
            validUntil: Type.Optional(IsoDate),
            photo: Type.Optional(PhotoInput),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Ref('Person'), ...errorResponses },
      },
      preHandler: requireStaff('registration_officer'),
    },
    async (request, reply) => {
      const { photo, ...rest } = request.body;
      const decoded = decodePhoto(photo);
      const person = await services.persons.create(staffActor(request), {
        ...rest,
        ...(decoded ? { photo: decoded } : {}),
      });
      return reply.status(201).send(presentPerson(person));
    },
  );
};
