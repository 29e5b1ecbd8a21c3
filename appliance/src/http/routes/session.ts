/** Staff sign-in, sign-out, the current session and passcode change. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { requireStaff, staffActor } from '../plugins/session-auth.js';
import { errorResponses } from '../schemas/common.js';
import type { AppOptions, AppServices } from '../app-services.js';

const Passcode = Type.String({ minLength: 1, maxLength: 200 });

export const sessionRoutes: FastifyPluginAsyncTypebox<{
  services: AppServices;
  options: AppOptions;
}> = async (app, { services, options }) => {
  app.post(
    '/api/session',
    {
      schema: {
        tags: ['session'],
        summary: 'Sign in with user name and passcode',
        body: Type.Object(
          { username: Type.String({ minLength: 1, maxLength: 64 }), passcode: Passcode },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ user: Type.Ref('User') }),
          ...errorResponses,
          423: Type.Ref('Error'),
        },
      },
      config: { rateLimit: { max: options.rateLimits?.signInPerMinute ?? 10, timeWindow: 60_000 } },
    },
    async (request, reply) => {
      const { token, user } = await services.auth.signIn(
        request.body.username,
        request.body.passcode,
      );
      reply.setSessionCookie(token);
      return { user };
    },
  );

  app.get(
    '/api/session',
    {
      schema: {
        tags: ['session'],
        summary: 'Who is signed in',
        response: { 200: Type.Object({ user: Type.Ref('User') }), ...errorResponses },
      },
      preHandler: requireStaff(),
      config: { allowBeforePasscodeChange: true },
    },
    async (request) => ({ user: request.staff!.user }),
  );

  app.post(
    '/api/session/sign-out',
    { schema: { tags: ['session'], summary: 'Sign out', response: { 204: Type.Null() } } },
    async (request, reply) => {
      if (request.sessionToken) await services.auth.signOut(request.sessionToken);
      reply.clearSessionCookie();
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/session/passcode',
    {
      schema: {
        tags: ['session'],
        summary: 'Change your passcode (required after a one-time passcode)',
        body: Type.Object(
          { currentPasscode: Passcode, newPasscode: Passcode },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), ...errorResponses },
      },
      preHandler: requireStaff(),
      config: { allowBeforePasscodeChange: true },
    },
    async (request, reply) => {
      await services.auth.changePasscode(
        staffActor(request),
        request.body.currentPasscode,
        request.body.newPasscode,
      );
      return reply.status(204).send(null);
    },
  );
};
