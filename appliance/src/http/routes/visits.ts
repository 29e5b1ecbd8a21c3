/**
 * Visits for staff: the list and one visit, ending a visit, desk sign-out, who is on site
 * (JSON, CSV and a page to print, from local data, so it works while the centre is away),
 * unreturned badges, held walk-ups, the barred persons list and a request's screening,
 * host notifications (what was sent, what failed, send again), invitations, erasure on
 * request and hosts' languages. Response schemas are allowlists: a barred-list match is
 * named only by the staff routes here, never by a self-service route.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { VISIT_STATES } from '../../core/visit/visit-machine.js';
import { NOTIFICATION_STATES } from '../../core/notification/notification-machine.js';
import { ERASERS } from '../../services/retention/retention-service.js';
import {
  BARRED_LIST_KEEPERS,
  SCREENING_READERS,
} from '../../services/visits/barred-person-service.js';
import { INVITERS } from '../../services/visits/invitation-service.js';
import { requireStaff, staffActor } from '../plugins/session-auth.js';
import {
  Company,
  Email,
  IdParams,
  IsoDate,
  Name,
  Paging,
  Reason,
  errorResponses,
} from '../schemas/common.js';
import {
  ON_SITE_PRINT_CSS,
  onSiteCsv,
  onSiteHtml,
  presentNotification,
  presentVisit,
} from '../visit-presenters.js';
import type { AppServices } from '../app-services.js';
import type { VisitServices } from '../../visits-composition.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const NStr = Nullable(Type.String());

const VisitBody = Type.Object({
  id: Type.String(),
  state: Type.Union(VISIT_STATES.map((s) => Type.Literal(s))),
  stateReason: NStr,
  personId: NStr,
  name: Type.String(),
  company: NStr,
  kind: Type.String(),
  hostPersonId: NStr,
  hostName: NStr,
  requestId: NStr,
  invitationId: NStr,
  cardId: NStr,
  cardNumber: NStr,
  cardStatus: NStr,
  cardValidUntil: NStr,
  hasPhoto: Type.Boolean(),
  badgeReturned: Type.Union([Type.Boolean(), Type.Null()]),
  arrivedAt: NStr,
  onSiteAt: NStr,
  endedAt: NStr,
  updatedAt: Type.String(),
});
const VisitList = Type.Object({ items: Type.Array(VisitBody) });

const NotificationBody = Type.Object({
  id: Type.String(),
  channel: Type.String(),
  topic: Type.String(),
  recipient: Type.String(),
  language: Type.String(),
  visitId: NStr,
  invitationId: NStr,
  subject: NStr,
  state: Type.Union(NOTIFICATION_STATES.map((s) => Type.Literal(s))),
  attempts: Type.Integer(),
  nextAttemptAt: NStr,
  lastError: NStr,
  sentAt: NStr,
  createdAt: Type.String(),
});

const BarredBody = Type.Object({
  id: Type.String(),
  name: Type.String(),
  company: NStr,
  dateOfBirth: NStr,
  reason: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.String(),
});

const InvitationBody = Type.Object({
  id: Type.String(),
  name: NStr,
  company: NStr,
  email: NStr,
  hostPersonId: NStr,
  processName: Type.String(),
  firstDay: Type.String(),
  lastDay: Type.String(),
  state: Type.String(),
  createdBy: Type.String(),
  requestId: NStr,
  createdAt: Type.String(),
});

const DESK = ['security_staff', 'registration_officer'] as const;

export const visitRoutes: FastifyPluginAsyncTypebox<{ services: AppServices }> = async (
  app,
  { services },
) => {
  const v = services.visiting as VisitServices;
  const deskOrApprover = requireStaff('security_staff', 'registration_officer', 'approver');

  app.get(
    '/api/visits',
    {
      schema: {
        tags: ['visits'],
        summary: 'Visits, newest change first; filter by state',
        querystring: Type.Object(
          {
            state: Type.Optional(Type.Union(VISIT_STATES.map((s) => Type.Literal(s)))),
            ...Paging,
          },
          { additionalProperties: false },
        ),
        response: { 200: VisitList, ...errorResponses },
      },
      preHandler: deskOrApprover,
    },
    async (request) => ({ items: (await v.visits.list(request.query)).map(presentVisit) }),
  );

  app.get(
    '/api/visits/on-site',
    {
      schema: {
        tags: ['visits'],
        summary: 'Who is on site now: visits with a collected, unreturned, valid card (local data)',
        response: {
          200: Type.Object({ at: Type.String(), items: Type.Array(VisitBody) }),
          ...errorResponses,
        },
      },
      preHandler: requireStaff(...DESK),
    },
    async () => ({
      at: services.clock.now().toISOString(),
      items: (await v.visits.onSite()).map(presentVisit),
    }),
  );

  app.get(
    '/api/visits/on-site.csv',
    {
      schema: { tags: ['visits'], summary: 'Who is on site now, as CSV' },
      preHandler: requireStaff(...DESK),
    },
    async (_request, reply) =>
      reply
        .type('text/csv; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('content-disposition', 'attachment; filename="on-site.csv"')
        .send(onSiteCsv(await v.visits.onSite())),
  );

  app.get(
    '/api/visits/on-site/print',
    {
      schema: { tags: ['visits'], summary: 'Who is on site now, as a page to print' },
      preHandler: requireStaff(...DESK),
    },
    async (_request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(onSiteHtml(await v.visits.onSite(), v.siteName, services.clock.now().toISOString())),
  );

  app.get('/api/visits/on-site/print.css', { schema: { hide: true } }, async (_request, reply) =>
    reply
      .type('text/css; charset=utf-8')
      .header('cache-control', 'max-age=3600')
      .send(ON_SITE_PRINT_CSS),
  );

  app.get(
    '/api/visits/unreturned-badges',
    {
      schema: {
        tags: ['visits'],
        summary: 'Visits that ended without the badge coming back',
        querystring: Type.Object({ ...Paging }, { additionalProperties: false }),
        response: { 200: VisitList, ...errorResponses },
      },
      preHandler: requireStaff(...DESK),
    },
    async (request) => ({
      items: (await v.visits.unreturnedBadges(request.query)).map(presentVisit),
    }),
  );

  app.get(
    '/api/visits/:id',
    {
      schema: {
        tags: ['visits'],
        summary: 'One visit with its history',
        params: IdParams,
        response: {
          200: Type.Object({
            visit: VisitBody,
            transitions: Type.Array(
              Type.Object({
                fromState: NStr,
                toState: Type.String(),
                event: Type.String(),
                actor: Type.String(),
                reason: NStr,
                at: Type.String(),
              }),
            ),
            notifications: Type.Array(NotificationBody),
          }),
          ...errorResponses,
        },
      },
      preHandler: deskOrApprover,
    },
    async (request) => {
      const { visit, transitions } = await v.visits.details(request.params.id);
      const notifications = await v.notifications.list({
        visitId: visit.id,
        limit: 100,
        offset: 0,
      });
      return {
        visit: presentVisit(visit),
        transitions,
        notifications: notifications.map(presentNotification),
      };
    },
  );

  app.get(
    '/api/visits/:id/photo',
    {
      schema: { tags: ['visits'], summary: 'The visitor’s photo', params: IdParams },
      preHandler: requireStaff(...DESK),
    },
    async (request, reply) => {
      const photo = await v.visits.photo(request.params.id);
      if (!photo)
        return reply.status(404).send({ error: 'NOT_FOUND', message: 'this visit has no photo' });
      return reply
        .type(photo.mimeType)
        .header('cache-control', 'private, no-store')
        .send(Buffer.from(photo.data));
    },
  );

  app.post(
    '/api/visits/:id/end',
    {
      schema: {
        tags: ['visits'],
        summary: 'End a visit at the desk, saying whether the badge was handed back',
        params: IdParams,
        body: Type.Object(
          { badgeReturned: Type.Boolean(), reason: Type.Optional(Reason) },
          { additionalProperties: false },
        ),
        response: { 200: VisitBody, ...errorResponses },
      },
      preHandler: requireStaff(...DESK),
    },
    async (request) =>
      presentVisit(await v.visits.end(staffActor(request), request.params.id, request.body)),
  );

  app.post(
    '/api/visits/sign-out',
    {
      schema: {
        tags: ['visits'],
        summary: 'Sign a visitor out at the desk by the badge’s card number',
        body: Type.Object(
          { cardNumber: Type.String({ pattern: '^\\s*\\d[\\d\\s]{1,30}$' }) },
          { additionalProperties: false },
        ),
        response: { 200: VisitBody, ...errorResponses },
      },
      preHandler: requireStaff('security_staff'),
    },
    async (request) =>
      presentVisit(await v.visits.signOut(staffActor(request), request.body.cardNumber)),
  );

  app.post(
    '/api/visits/held/:id/release',
    {
      schema: {
        tags: ['visits'],
        summary:
          'Release a walk-up held because it matched the barred persons list (process without approval)',
        params: IdParams,
        response: { 200: Type.Object({ state: Type.String() }), ...errorResponses },
      },
      preHandler: requireStaff('registration_officer'),
    },
    async (request) => {
      const r = await services.requests.submitHeld(staffActor(request), request.params.id);
      return { state: r.state };
    },
  );

  app.get(
    '/api/requests/:id/screening',
    {
      schema: {
        tags: ['barred persons'],
        summary: 'Matches of a request against the barred persons list (staff only)',
        params: IdParams,
        response: {
          200: Type.Object({
            matches: Type.Array(
              Type.Object({
                barredPersonId: Type.String(),
                name: Type.String(),
                company: NStr,
                dateOfBirth: NStr,
                reason: Type.String(),
                matchedOn: Type.Array(Type.String()),
                at: Type.String(),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
      preHandler: requireStaff(...SCREENING_READERS),
    },
    async (request) => ({
      matches: (await v.barred.matches(request.params.id)).map((m) => ({
        barredPersonId: m.barredPersonId,
        name: m.barred.name,
        company: m.barred.company,
        dateOfBirth: m.barred.dateOfBirth,
        reason: m.barred.reason,
        matchedOn: m.matchedOn,
        at: m.at,
      })),
    }),
  );

  app.get(
    '/api/barred-persons',
    {
      schema: {
        tags: ['barred persons'],
        summary: 'The barred persons list',
        response: { 200: Type.Object({ items: Type.Array(BarredBody) }), ...errorResponses },
      },
      preHandler: requireStaff(...BARRED_LIST_KEEPERS),
    },
    async () => ({ items: await v.barred.list() }),
  );

  app.post(
    '/api/barred-persons',
    {
      schema: {
        tags: ['barred persons'],
        summary: 'Add a person to the barred persons list',
        body: Type.Object(
          {
            name: Name,
            company: Type.Optional(Company),
            dateOfBirth: Type.Optional(IsoDate),
            reason: Reason,
          },
          { additionalProperties: false },
        ),
        response: { 201: BarredBody, ...errorResponses },
      },
      preHandler: requireStaff(...BARRED_LIST_KEEPERS),
    },
    async (request, reply) =>
      reply.status(201).send(await v.barred.add(staffActor(request), request.body)),
  );

  app.delete(
    '/api/barred-persons/:id',
    {
      schema: {
        tags: ['barred persons'],
        summary: 'Remove a person from the barred persons list',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
      preHandler: requireStaff(...BARRED_LIST_KEEPERS),
    },
    async (request, reply) => {
      await v.barred.remove(staffActor(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/notifications',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Host notifications and invitation e-mails: what was sent, what failed',
        querystring: Type.Object(
          {
            state: Type.Optional(Type.Union(NOTIFICATION_STATES.map((s) => Type.Literal(s)))),
            ...Paging,
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            counts: Type.Record(Type.String(), Type.Integer()),
            items: Type.Array(NotificationBody),
          }),
          ...errorResponses,
        },
      },
      preHandler: requireStaff('security_staff', 'registration_officer', 'device_admin'),
    },
    async (request) => ({
      counts: await v.notifications.counts(),
      items: (await v.notifications.list(request.query)).map(presentNotification),
    }),
  );

  app.post(
    '/api/notifications/:id/resend',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Send a failed notification again',
        params: IdParams,
        response: { 200: NotificationBody, ...errorResponses },
      },
      preHandler: requireStaff('security_staff', 'registration_officer', 'device_admin'),
    },
    async (request) =>
      presentNotification(await v.notifications.resend(staffActor(request), request.params.id)),
  );

  app.get(
    '/api/invitations',
    {
      schema: {
        tags: ['invitations'],
        summary: 'Invitations, by first day',
        querystring: Type.Object(
          {
            state: Type.Optional(
              Type.Union(['open', 'used', 'withdrawn', 'expired'].map((s) => Type.Literal(s))),
            ),
            ...Paging,
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(InvitationBody) }), ...errorResponses },
      },
      preHandler: requireStaff(...INVITERS),
    },
    async (request) => ({
      items: await v.invitations.list(
        request.query as { limit: number; offset: number; state?: 'open' },
      ),
    }),
  );

  app.post(
    '/api/invitations',
    {
      schema: {
        tags: ['invitations'],
        summary: 'Register an expected visitor; they get an e-mail with a QR code and a short code',
        body: Type.Object(
          {
            name: Name,
            company: Type.Optional(Company),
            email: Email,
            hostPersonId: Type.String({ format: 'uuid' }),
            // Omitted: today at the site (its time zone), as the device's clock says.
            firstDay: Type.Optional(IsoDate),
            lastDay: Type.Optional(IsoDate),
            processName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            language: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('nl')])),
          },
          { additionalProperties: false },
        ),
        response: {
          // The code is shown once to the inviter, who may pass it on by other means.
          201: Type.Object({ invitation: InvitationBody, code: Type.String() }),
          ...errorResponses,
        },
      },
      preHandler: requireStaff(...INVITERS),
    },
    async (request, reply) => {
      const { invitation, code } = await v.invitations.create(staffActor(request), request.body);
      return reply.status(201).send({ invitation, code });
    },
  );

  app.post(
    '/api/invitations/:id/withdraw',
    {
      schema: {
        tags: ['invitations'],
        summary: 'Withdraw an open invitation: its codes stop working, the expected visit ends',
        params: IdParams,
        body: Type.Optional(
          Type.Object(
            { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) },
            { additionalProperties: false },
          ),
        ),
        response: { 200: Type.Object({ invitation: InvitationBody }), ...errorResponses },
      },
      preHandler: requireStaff(...INVITERS),
    },
    async (request) => ({
      invitation: await v.invitations.withdraw(
        staffActor(request),
        request.params.id,
        request.body?.reason,
      ),
    }),
  );

  app.post(
    '/api/persons/:id/erase',
    {
      schema: {
        tags: ['persons'],
        summary: 'Erase a visitor’s or contractor’s personal data on their request',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
      preHandler: requireStaff(...ERASERS),
    },
    async (request, reply) => {
      await v.retention.erase(staffActor(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/persons/:id/language',
    {
      schema: {
        tags: ['persons'],
        summary: 'The language a host’s notifications are written in',
        params: IdParams,
        body: Type.Object(
          { language: Type.Union([Type.Literal('en'), Type.Literal('nl')]) },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), ...errorResponses },
      },
      preHandler: requireStaff('registration_officer', 'device_admin'),
    },
    async (request, reply) => {
      await v.visits.setHostLanguage(staffActor(request), request.params.id, request.body.language);
      return reply.status(204).send(null);
    },
  );
};
