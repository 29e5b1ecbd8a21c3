/**
 * A card's life after production, for staff: its lifecycle view (hold, history, links), the
 * cards due for renewal, and one POST per lifecycle action. Each route is a schema and one
 * call into CardLifecycleService; the table in core/card/card-lifecycle.ts decides who may.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { CARD_REVOKE_REASONS } from '../../core/card/card-lifecycle.js';
import type { CardLifecycleDetails } from '../../services/card-lifecycle-service.js';
import type { AppServices } from '../app-services.js';
import { requireStaff, staffActor } from '../plugins/session-auth.js';
import { presentCard } from '../presenters.js';
import { IdParams, Reason, errorResponses } from '../schemas/common.js';

const Hold = Type.Union([
  Type.Object({
    kind: Type.String(),
    by: Type.String(),
    reason: Type.Union([Type.String(), Type.Null()]),
    since: Type.String(),
  }),
  Type.Null(),
]);

const CardLifecycleView = Type.Object({
  card: Type.Ref('Card'),
  holderName: Type.String(),
  personId: Type.String(),
  processName: Type.String(),
  hold: Hold,
  history: Type.Array(
    Type.Object({
      fromStatus: Type.String(),
      toStatus: Type.String(),
      event: Type.String(),
      actor: Type.String(),
      reason: Type.Union([Type.String(), Type.Null()]),
      at: Type.String(),
    }),
  ),
  links: Type.Array(
    Type.Object({
      kind: Type.String(),
      direction: Type.String(),
      requestId: Type.String(),
      cardId: Type.Union([Type.String(), Type.Null()]),
      cardNumber: Type.Union([Type.String(), Type.Null()]),
      reason: Type.Union([Type.String(), Type.Null()]),
      at: Type.String(),
    }),
  ),
  actions: Type.Array(Type.String(), {
    description:
      'lifecycle events the signed-in roles may send this card now; guards are checked when sent',
  }),
  renewal: Type.Union([Type.Literal('same-chip'), Type.Literal('new-card')], {
    description:
      'how this card renews: same-chip needs the card in the encoder and the holder’s PIN',
  }),
});

const ActionResult = Type.Object({
  card: Type.Ref('Card'),
  newRequestId: Type.Union([Type.String(), Type.Null()]),
});

function present(d: CardLifecycleDetails) {
  return {
    card: presentCard(d.card),
    holderName: d.holderName,
    personId: d.personId,
    processName: d.processName,
    hold: d.hold
      ? { kind: d.hold.kind, by: d.hold.by, reason: d.hold.reason, since: d.hold.since }
      : null,
    history: d.history,
    links: d.links,
    actions: d.actions,
    renewal: d.renewal,
  };
}

const body = <T extends Parameters<typeof Type.Object>[0]>(props: T) =>
  Type.Object(props, { additionalProperties: false });

export const cardLifecycleRoutes: FastifyPluginAsyncTypebox<{ services: AppServices }> = async (
  app,
  { services },
) => {
  const staff = requireStaff();
  const { lifecycle } = services;
  const action = { response: { 200: ActionResult, ...errorResponses } };

  app.get(
    '/api/cards/expiring',
    {
      schema: {
        tags: ['cards'],
        summary: 'Cards in use that expire within the renewal window (or `days`), soonest first',
        querystring: body({ days: Type.Optional(Type.Integer({ minimum: 0, maximum: 3660 })) }),
        response: {
          200: Type.Object({
            items: Type.Array(Type.Object({ card: Type.Ref('Card'), holderName: Type.String() })),
          }),
          ...errorResponses,
        },
      },
      preHandler: staff,
    },
    async (request) => ({
      items: (await lifecycle.expiring(request.query.days)).map((c) => ({
        card: presentCard(c),
        holderName: c.holderName,
      })),
    }),
  );

  app.get(
    '/api/cards/:id/lifecycle',
    {
      schema: {
        tags: ['cards'],
        summary:
          'A card with its hold, lifecycle history and links to the cards before and after it',
        params: IdParams,
        response: { 200: CardLifecycleView, ...errorResponses },
      },
      preHandler: staff,
    },
    async (request) => present(await lifecycle.details(request.params.id, staffActor(request))),
  );

  const result = (r: Awaited<ReturnType<typeof lifecycle.apply>>) => ({
    card: presentCard(r.card),
    newRequestId: r.newRequestId,
  });

  app.post(
    '/api/cards/:id/suspend',
    {
      schema: {
        tags: ['cards'],
        summary: 'Suspend a card: its certificate goes on hold (CRL reason certificateHold)',
        params: IdParams,
        body: body({ reason: Reason }),
        ...action,
      },
      preHandler: staff,
    },
    async (request) =>
      result(
        await lifecycle.apply(
          request.params.id,
          { type: 'suspend', reason: request.body.reason },
          staffActor(request),
        ),
      ),
  );

  app.post(
    '/api/cards/:id/resume',
    {
      schema: {
        tags: ['cards'],
        summary:
          'Resume a suspended card (not by whoever suspended it): the hold is released (removeFromCRL)',
        params: IdParams,
        body: body({ reason: Reason }),
        ...action,
      },
      preHandler: staff,
    },
    async (request) =>
      result(
        await lifecycle.apply(
          request.params.id,
          { type: 'resume', reason: request.body.reason },
          staffActor(request),
        ),
      ),
  );

  app.post(
    '/api/cards/:id/replace',
    {
      schema: {
        tags: ['cards'],
        summary:
          'Replace a lost, stolen, damaged or compromised card: revoke it and request a new one for the same person through the same process, linked both ways',
        params: IdParams,
        body: body({
          reason: Type.Union(CARD_REVOKE_REASONS.map((r) => Type.Literal(r))),
          note: Type.Optional(Type.String({ maxLength: 300 })),
        }),
        ...action,
      },
      preHandler: staff,
    },
    async (request) =>
      result(
        await lifecycle.apply(
          request.params.id,
          {
            type: 'replace',
            revokeReason: request.body.reason,
            ...(request.body.note ? { reason: request.body.note } : {}),
          },
          staffActor(request),
          { details: request.body.reason === 'damaged' ? { oldCard: 'destroyed' } : {} },
        ),
      ),
  );

  app.post(
    '/api/cards/:id/return',
    {
      schema: {
        tags: ['cards'],
        summary:
          'A card handed back (a visitor leaving, a temporary card returned); a temporary card gives the holder their own card back',
        params: IdParams,
        body: body({ note: Type.Optional(Type.String({ maxLength: 300 })) }),
        ...action,
      },
      preHandler: staff,
    },
    async (request) =>
      result(
        await lifecycle.apply(
          request.params.id,
          { type: 'return', ...(request.body.note ? { reason: request.body.note } : {}) },
          staffActor(request),
        ),
      ),
  );

  const Pin = Type.String({ pattern: '^\\d{6,8}$', description: '6 to 8 digits' });

  app.get(
    '/api/cards/:id/pin/puk-source',
    {
      schema: {
        tags: ['cards'],
        summary:
          'Where the PUK for an unblock would come from: the device copy, a release by the centre, or none (never the PUK)',
        params: IdParams,
        response: {
          200: Type.Object({
            source: Type.Union([
              Type.Literal('device-copy'),
              Type.Literal('central-release'),
              Type.Literal('none'),
            ]),
            reason: Type.Union([Type.String(), Type.Null()], {
              description: 'why there is no PUK source (source none), in words for the screen',
            }),
            pinLength: Type.Integer({ description: 'digits in a new PIN on this device' }),
          }),
          ...errorResponses,
        },
      },
      preHandler: staff,
    },
    async (request) => services.pins.pinOptions(request.params.id),
  );

  app.post(
    '/api/cards/:id/pin/unblock',
    {
      schema: {
        tags: ['cards'],
        summary:
          'Unblock the PIN of the card in the encoder with its PUK (never shown) and set the new PIN the holder typed',
        params: IdParams,
        body: body({ newPin: Pin, reason: Type.Optional(Reason) }),
        ...action,
      },
      preHandler: staff,
    },
    async (request) =>
      result(
        await services.pins.unblock(
          request.params.id,
          request.body.newPin,
          staffActor(request),
          request.body.reason ?? 'PIN blocked; identity checked at the desk',
        ),
      ),
  );

  app.post(
    '/api/cards/:id/pin/change',
    {
      schema: {
        tags: ['cards'],
        summary: 'Change the PIN of the card in the encoder; the card checks the current PIN',
        params: IdParams,
        body: body({ currentPin: Pin, newPin: Pin }),
        ...action,
      },
      preHandler: staff,
    },
    async (request) =>
      result(
        await services.pins.change(
          request.params.id,
          request.body.currentPin,
          request.body.newPin,
          staffActor(request),
        ),
      ),
  );

  app.post(
    '/api/cards/:id/renew',
    {
      schema: {
        tags: ['cards'],
        summary:
          'Renew a card expiring within the renewal window, as its card type’s profile says: a new linked card for the same person, or (Digital ID, `same-chip`) a new key and certificate on the card in the encoder, which needs the holder’s PIN for the card to sign with its new key',
        params: IdParams,
        body: Type.Optional(body({ pin: Type.Optional(Pin) })),
        ...action,
      },
      preHandler: staff,
    },
    async (request) =>
      result(
        await services.renewals.renew(request.params.id, staffActor(request), request.body?.pin),
      ),
  );

  app.post(
    '/api/cards/:id/forgotten-badge',
    {
      schema: {
        tags: ['cards'],
        summary:
          'The holder forgot this card: it is suspended (certificateHold) and a temporary card valid today is requested, linked to it',
        params: IdParams,
        body: body({ note: Type.Optional(Type.String({ maxLength: 300 })) }),
        ...action,
      },
      preHandler: staff,
    },
    async (request) =>
      result(
        await lifecycle.apply(
          request.params.id,
          { type: 'forgotten_badge', ...(request.body.note ? { reason: request.body.note } : {}) },
          staffActor(request),
        ),
      ),
  );
};
