/**
 * The holder's own PIN change at the walk-up side (README "After hand-over"): no session, the
 * card in the encoder identifies itself and checks the current PIN. Rate-limited like a
 * walk-up request, and answering nothing about the card.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppOptions, AppServices } from '../app-services.js';
import { errorResponses } from '../schemas/common.js';

const Pin = Type.String({ pattern: '^\\d{6,8}$', description: '6 to 8 digits' });

export const selfServicePinRoutes: FastifyPluginAsyncTypebox<{
  services: AppServices;
  options: AppOptions;
}> = async (app, { services, options }) => {
  app.post(
    '/api/self-service/pin/change',
    {
      schema: {
        tags: ['self-service'],
        summary:
          'Change the PIN of the card in the encoder, by its holder: the card checks the current PIN; the answer says nothing about the card',
        body: Type.Object({ currentPin: Pin, newPin: Pin }, { additionalProperties: false }),
        response: { 200: Type.Object({ changed: Type.Literal(true) }), ...errorResponses },
      },
      config: {
        // Guessing a secret, like a staff sign-in: the same limit (10 a minute by default).
        // The card itself blocks the PIN after its retries; this stops trying card after card.
        rateLimit: { max: options.rateLimits?.signInPerMinute ?? 10, timeWindow: 60_000 },
      },
    },
    async (request) => {
      await services.pins.changeAtKiosk(request.body.currentPin, request.body.newPin);
      return { changed: true as const };
    },
  );
};
