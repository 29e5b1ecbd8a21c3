/** GET /health: which driver each device uses, their state, and whether the database takes writes. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppServices } from '../app-services.js';
import { SyncStatusSchema } from './sync.js';

const Loose = Type.Record(Type.String(), Type.Unknown());

export const healthRoutes: FastifyPluginAsyncTypebox<{ services: AppServices }> = async (
  app,
  { services },
) => {
  app.get(
    '/health',
    {
      // A monitor asks every few seconds: logging each call would fill the journal (and the SD
      // card under it) with nothing; warnings and errors still go through.
      logLevel: 'warn',
      schema: {
        tags: ['device'],
        summary: 'Device health',
        response: {
          200: Type.Object({
            status: Type.String(),
            version: Type.String(),
            database: Type.Object({ writable: Type.Boolean() }),
            devices: Type.Object({
              printer: Type.Object({ driver: Type.String(), status: Loose }),
              encoder: Type.Object({ driver: Type.String(), status: Loose }),
              leds: Type.Object({ driver: Type.String(), pattern: Type.String() }),
            }),
            production: Type.Object({
              pending: Type.Integer(),
              current: Type.Union([Type.String(), Type.Null()]),
              spoiledCards: Type.Integer(),
            }),
            outbox: Type.Object({ pending: Type.Integer() }),
            sync: Type.Union([SyncStatusSchema, Type.Null()]),
          }),
          503: Type.Ref('Error'),
        },
      },
    },
    async (_request, reply) => {
      const report = await services.status.health();
      return reply.status(report.database.writable ? 200 : 503).send(report);
    },
  );
};
