/**
 * The printer for the production administrator: GET its state (model, firmware, counters,
 * supplies, warnings, what it answers), POST a cleaning cycle (audited; refused while cards
 * are being produced).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppServices } from '../app-services.js';
import { requireStaff, staffActor } from '../plugins/session-auth.js';
import { errorResponses } from '../schemas/common.js';

const PrinterStatusSchema = Type.Object({
  state: Type.String(),
  fault: Type.Optional(Type.String()),
  rawFault: Type.Optional(Type.String()),
  model: Type.Optional(Type.String()),
  serialNumber: Type.Optional(Type.String()),
  firmware: Type.Optional(Type.String()),
  family: Type.Optional(Type.String()),
  capabilities: Type.Optional(Type.Array(Type.String())),
  ribbonType: Type.Optional(Type.String()),
  cardsInFeeder: Type.Optional(Type.Integer()),
  ribbonRemaining: Type.Optional(Type.Integer()),
  cardsInserted: Type.Optional(Type.Integer()),
  panelsPrinted: Type.Optional(Type.Integer()),
  cover: Type.Optional(Type.String()),
  warnings: Type.Optional(Type.Array(Type.String())),
});

export const printerRoutes: FastifyPluginAsyncTypebox<{ services: AppServices }> = async (
  app,
  { services },
) => {
  const maintenance = services.printerMaintenance;
  if (!maintenance) return;
  const caretakers = requireStaff('card_production_admin', 'device_admin');

  app.get(
    '/api/printer',
    {
      schema: {
        tags: ['device'],
        summary: 'The card printer: model, firmware, counters, supplies, warnings',
        response: {
          200: Type.Object({ driver: Type.String(), status: PrinterStatusSchema }),
          ...errorResponses,
        },
      },
      preHandler: caretakers,
    },
    async () => ({ driver: services.status.printerDriver(), status: await maintenance.status() }),
  );

  app.post(
    '/api/printer/cleaning',
    {
      schema: {
        tags: ['device'],
        summary: 'Run the printer cleaning cycle (load a cleaning card first)',
        response: {
          200: Type.Object({
            cleaned: Type.Boolean(),
            reason: Type.Union([Type.String(), Type.Null()]),
            status: PrinterStatusSchema,
          }),
          ...errorResponses,
        },
      },
      preHandler: caretakers,
    },
    async (request) => maintenance.runCleaning(staffActor(request)),
  );
};
