/**
 * JSON schemas shared by the routes. Response schemas are an allowlist: only the fields
 * named here reach the wire, so a PIN, PUK or key can leave only through the one route whose
 * schema names it (collect).
 */
import { Type, type Static } from '@sinclair/typebox';
import { REQUEST_STATES } from '../../core/workflow/request-machine.js';
import { STAFF_ROLES } from '../../core/roles.js';

export const ErrorBody = Type.Object(
  { error: Type.String({ description: 'stable error code, UPPER_SNAKE' }), message: Type.String() },
  { $id: 'Error' },
);

export const errorResponses = {
  400: Type.Ref('Error'),
  401: Type.Ref('Error'),
  403: Type.Ref('Error'),
  404: Type.Ref('Error'),
  409: Type.Ref('Error'),
  422: Type.Ref('Error'),
  429: Type.Ref('Error'),
};

export const Id = Type.String({ format: 'uuid' });
export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
export const IsoDate = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}$',
  description: 'YYYY-MM-DD',
});
export const CardKind = Type.Union([
  Type.Literal('employee'),
  Type.Literal('contractor'),
  Type.Literal('visitor'),
]);
export const RequestStateSchema = Type.Union(REQUEST_STATES.map((s) => Type.Literal(s)));
export const StaffRoleSchema = Type.Union(STAFF_ROLES.map((r) => Type.Literal(r)));
export const Reason = Type.String({ minLength: 1, maxLength: 500 });
export const Name = Type.String({ minLength: 1, maxLength: 120, pattern: '\\S' });
export const Company = Type.String({ maxLength: 120 });
export const Email = Type.String({ format: 'email', maxLength: 254 });

export const Paging = {
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
};

/** A photo as a data URL-free base64 string, at most ~512 KiB decoded. */
export const PhotoInput = Type.Object(
  {
    mimeType: Type.Union([Type.Literal('image/jpeg'), Type.Literal('image/png')]),
    base64: Type.String({ minLength: 4, maxLength: 700_000, pattern: '^[A-Za-z0-9+/]+={0,2}$' }),
  },
  { additionalProperties: false },
);

export const PersonBody = Type.Object(
  {
    id: Type.String(),
    kind: CardKind,
    name: Type.String(),
    company: Type.Union([Type.String(), Type.Null()]),
    email: Type.Union([Type.String(), Type.Null()]),
    hostPersonId: Type.Union([Type.String(), Type.Null()]),
    validUntil: Type.Union([Type.String(), Type.Null()]),
    hasPhoto: Type.Boolean(),
    centralId: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String(),
  },
  { $id: 'Person' },
);

export const RequestBody = Type.Object(
  {
    id: Type.String(),
    processName: Type.String(),
    personId: Type.String(),
    channel: Type.String(),
    state: Type.String(),
    stateReason: Type.Union([Type.String(), Type.Null()]),
    requestedBy: Type.String(),
    batchId: Type.Union([Type.String(), Type.Null()]),
    purpose: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { $id: 'Request' },
);

export const CardBody = Type.Object(
  {
    id: Type.String(),
    requestId: Type.String(),
    cardNumber: Type.String(),
    cardType: Type.String(),
    idType: Type.String(),
    status: Type.String(),
    guid: Type.String(),
    validFrom: Type.String(),
    validUntil: Type.String(),
    chipSerial: Type.Union([Type.String(), Type.Null()]),
    hasCertificate: Type.Boolean(),
    pinRevealedAt: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { $id: 'Card' },
);

export const UserBody = Type.Object(
  {
    id: Type.String(),
    username: Type.String(),
    displayName: Type.String(),
    roles: Type.Array(Type.String()),
    mustChangePasscode: Type.Boolean(),
    disabled: Type.Boolean(),
    createdAt: Type.String(),
  },
  { $id: 'User' },
);

export const sharedSchemas = [ErrorBody, PersonBody, RequestBody, CardBody, UserBody];

export type PhotoInputT = Static<typeof PhotoInput>;
