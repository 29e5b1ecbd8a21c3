/** GET /health: which driver each device uses, their state, and whether the database takes writes. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { HealthReport } from '../../services/device-status-service.js';
import type { AppServices } from '../app-services.js';
import { SyncStatusSchema } from './sync.js';

const Loose = Type.Record(Type.String(), Type.Unknown());

/**
 * The same schema with every "X or null" union written as X with `nullable: true` (OpenAPI
 * 3.0's way). fast-json-stringify serializes an `anyOf` by validating each value with an Ajv
 * it compiles for that purpose, which cost ~150 ms on the first /health after a start and a
 * validation on every call; `nullable` is a plain null check.
 */
function nullableNotUnion<T extends TSchema>(schema: T): T {
  const convert = (s: Record<string, unknown>): Record<string, unknown> => {
    const anyOf = s.anyOf as Record<string, unknown>[] | undefined;
    if (anyOf?.length === 2) {
      const rest = anyOf.filter((option) => option.type !== 'null');
      if (rest.length === 1)
        return { ...convert(rest[0] as Record<string, unknown>), nullable: true };
    }
    if (!s.properties) return s;
    const properties = Object.fromEntries(
      Object.entries(s.properties as Record<string, Record<string, unknown>>).map(([k, v]) => [
        k,
        convert(v),
      ]),
    );
    return { ...s, properties };
  };
  return Type.Unsafe<Static<T>>(
    convert(schema as unknown as Record<string, unknown>),
  ) as unknown as T;
}

export const HealthReportSchema = nullableNotUnion(
  Type.Object({
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
);

/**
 * The JSON of each report. A report is reused for up to a second (DeviceStatusService), and so
 * is its JSON; sent as a string, it passes no serializer, so none is compiled either (building
 * fast-json-stringify's serializer for this schema was most of the first /health after a start).
 * The report is assembled field by field in DeviceStatusService, so JSON.stringify writes
 * exactly the schema's fields (test/http/lazy-schema-compilers.test.ts checks it).
 */
const reportJson = new WeakMap<HealthReport, string>();

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
          200: HealthReportSchema,
          // The same report: the database does not take writes.
          503: HealthReportSchema,
        },
      },
    },
    async (_request, reply) => {
      const report = await services.status.health();
      let json = reportJson.get(report);
      if (json === undefined) {
        json = JSON.stringify(report);
        reportJson.set(report, json);
      }
      return reply
        .status(report.database.writable ? 200 : 503)
        .type('application/json; charset=utf-8')
        .send(json as never); // already JSON: Fastify sends a string as it is
    },
  );
};
