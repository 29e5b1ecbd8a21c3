/** Staff accounts, managed by device administrators. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { requireStaff, staffActor } from '../plugins/session-auth.js';
import { IdParams, StaffRoleSchema, errorResponses } from '../schemas/common.js';
import type { AppServices } from '../app-services.js';

export const userRoutes: FastifyPluginAsyncTypebox<{ services: AppServices }> = async (
  app,
  { services },
) => {
  const admin = requireStaff('device_admin');

  app.get(
    '/api/users',
    {
      schema: {
        tags: ['users'],
        summary: 'List staff accounts',
        response: { 200: Type.Object({ items: Type.Array(Type.Ref('User')) }), ...errorResponses },
      },
      preHandler: admin,
    },
    async (request) => ({ items: await services.auth.listUsers(staffActor(request)) }),
  );

  app.post(
    '/api/users',
    {
      schema: {
        tags: ['users'],
        summary: 'Add a staff member; the one-time passcode is in this response only',
        body: Type.Object(
          {
            username: Type.String({ minLength: 2, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }),
            displayName: Type.String({ minLength: 1, maxLength: 120 }),
            roles: Type.Array(StaffRoleSchema, { minItems: 1, maxItems: 5, uniqueItems: true }),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ user: Type.Ref('User'), oneTimePasscode: Type.String() }),
          ...errorResponses,
        },
      },
      preHandler: admin,
      config: { secretResponse: true },
    },
    async (request, reply) =>
      reply.status(201).send(await services.auth.createUser(staffActor(request), request.body)),
  );

  for (const [path, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post(
      `/api/users/:id/${path}`,
      {
        schema: {
          tags: ['users'],
          summary: `${path[0]!.toUpperCase()}${path.slice(1)} a staff account`,
          params: IdParams,
          response: { 200: Type.Object({ user: Type.Ref('User') }), ...errorResponses },
        },
        preHandler: admin,
      },
      async (request) => ({
        user: await services.auth.setDisabled(staffActor(request), request.params.id, disabled),
      }),
    );
  }
};
