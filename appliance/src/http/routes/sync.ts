/** GET /api/sync: the state of sync with the central Identity Manager, for staff. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppServices } from '../app-services.js';
import { requireStaff } from '../plugins/session-auth.js';
import { errorResponses } from '../schemas/common.js';

const NullableString = Type.Union([Type.String(), Type.Null()]);

/** The sync section of /health and GET /api/sync (an allowlist: no payloads, no secrets). */
export const SyncStatusSchema = Type.Object({
  enabled: Type.Boolean(),
  client: Type.String(),
  connected: Type.Boolean(),
  offline: Type.Boolean(),
  pending: Type.Integer(),
  rejected: Type.Integer(),
  oldestPendingAgeMs: Type.Union([Type.Integer(), Type.Null()]),
  lastSuccessAt: NullableString,
  lastAttemptAt: NullableString,
  lastPullAt: NullableString,
  lastError: Type.Union([
    Type.Object({ code: Type.String(), message: Type.String(), at: Type.String() }),
    Type.Null(),
  ]),
  consecutiveFailures: Type.Integer(),
  nextAttemptAt: NullableString,
  delivered: Type.Integer(),
  duplicates: Type.Integer(),
});

export const syncRoutes: FastifyPluginAsyncTypebox<{ services: AppServices }> = async (
  app,
  { services },
) => {
  app.get(
    '/api/sync',
    {
      schema: {
        tags: ['device'],
        summary: 'Sync with the central Identity Manager: connected, waiting events, last error',
        response: {
          200: Type.Union([SyncStatusSchema, Type.Object({ enabled: Type.Literal(false) })]),
          ...errorResponses,
        },
      },
      preHandler: requireStaff(),
    },
    async () => (services.sync ? services.sync.status() : { enabled: false as const }),
  );
};
