/**
 * The central Identity Manager's SCIM resource types, on SCIMMY: `User` (with the cardkiosk
 * User extension), `Card`, `CardRequest`, `CardBatch`, `CardNumberRange` and `Invitation` (an
 * expected visitor registered centrally for one device's site), each with its own
 * schema URN, so that /ResourceTypes and /Schemas describe them. SCIMMY keeps declarations
 * in one process-wide registry, so they are declared once here and every handler reaches
 * the server it serves through the `ctx` SCIMMY passes along.
 */
import SCIMMY from 'scimmy';
import { SCIM } from '../../appliance/src/central/scim-protocol.js';

const { Attribute, SchemaDefinition } = SCIMMY.Types;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ScimError = SCIMMY.Types.Error as any as new (
  status: number,
  scimType: string | null,
  message: string,
) => Error;

/** What a handler needs from the server it serves. */
export interface ResourceContext {
  /** The device (client certificate CN) making the request, or 'central' for local admin. */
  device: string;
  list(type: string): StoredResource[];
  get(type: string, id: string): StoredResource | undefined;
  put(type: string, data: Record<string, unknown>, id?: string): StoredResource;
}

export interface StoredResource {
  id: string;
  device: string;
  created: string;
  lastModified: string;
  data: Record<string, unknown>;
}

const text = (name: string, config: Record<string, unknown> = {}) =>
  new Attribute('string', name, config);
const history = () =>
  new Attribute('complex', 'history', { multiValued: true, uniqueness: false }, [
    text('eventId'),
    text('type'),
    text('at'),
    text('details'),
  ]);
const ref = (name: string) =>
  new Attribute('complex', name, {}, [text('value'), text('externalId'), text('display')]);

export const cardSchema = new SchemaDefinition('Card', SCIM.card, 'A card object', [
  text('cardNumber', { required: true }),
  text('cardType'),
  text('idType'),
  text('status'),
  text('guid'),
  text('validFrom'),
  text('validUntil'),
  text('numberRange'),
  text('chipSerial'),
  text('certificate', { description: 'DER, base64' }),
  text('certificateSerial'),
  text('revocationReason'),
  new Attribute(
    'complex',
    'attestation',
    { description: 'Key attestation checked before the key was certified' },
    [text('outcome'), text('detail')],
  ),
  text('managementKeyAlgorithm'),
  text('device'),
  ref('holder'),
  ref('request'),
  new Attribute(
    'complex',
    'pukEscrow',
    { description: "PUK sealed to the centre's escrow key (ECIES P-256)" },
    [text('value'), text('keyId')],
  ),
  new Attribute('complex', 'centralRevocation', {}, [text('reason'), text('by'), text('at')]),
  // Lifecycle (issue 15): the device's hold and links, and a suspension or resumption decided here.
  new Attribute('complex', 'hold', {}, [
    new Attribute('boolean', 'active'),
    text('kind'),
    text('reason'),
    text('since'),
  ]),
  new Attribute('complex', 'links', { multiValued: true, uniqueness: false }, [
    text('type'),
    text('direction'),
    text('externalId'),
    text('request'),
  ]),
  new Attribute('complex', 'centralHold', {}, [
    text('action'),
    text('reason'),
    text('by'),
    text('at'),
  ]),
  new Attribute('complex', 'pukReleases', { multiValued: true, uniqueness: false }, [
    text('releaseId'),
    text('reason'),
    text('by'),
    text('device'),
    text('at'),
  ]),
  history(),
]);

export const cardRequestSchema = new SchemaDefinition(
  'CardRequest',
  SCIM.cardRequest,
  'A card request (process instance)',
  [
    text('processName'),
    text('channel'),
    text('state'),
    text('stateReason'),
    text('requestedBy'),
    text('device'),
    ref('person'),
    ref('batch'),
    new Attribute('complex', 'decision', {}, [
      text('value'),
      text('reason'),
      text('by'),
      text('at'),
    ]),
    history(),
  ],
);

export const cardBatchSchema = new SchemaDefinition(
  'CardBatch',
  SCIM.cardBatch,
  'A mass-production batch',
  [text('name'), text('state'), text('device'), history()],
);

export const numberRangeSchema = new SchemaDefinition(
  'CardNumberRange',
  SCIM.numberRange,
  'Card numbers leased to one device',
  [
    new Attribute('integer', 'first'),
    new Attribute('integer', 'last'),
    new Attribute('integer', 'size'),
    text('device'),
  ],
);

/**
 * A visitor the centre expects at one device's site (`forDevice`, the device's id). Only an
 * administrator writes one; the device reads those for it and registers them locally, where
 * the short code is made and the visitor's e-mail sent (the centre never holds the code).
 * `state` is `open` or `withdrawn` (set by the administrator to call the visit off).
 */
export const invitationSchema = new SchemaDefinition(
  'Invitation',
  SCIM.invitation,
  'A visitor expected at a device’s site',
  [
    text('name', { required: true }),
    text('company'),
    text('email'),
    ref('host'),
    text('firstDay'),
    text('lastDay'),
    text('processName'),
    text('language'),
    text('forDevice'),
    text('state'),
    text('by'),
    text('reason'),
  ],
);

export const userExtensionSchema = new SchemaDefinition(
  'CardkioskUser',
  SCIM.userExtension,
  'cardkiosk facts about a person',
  [
    text('kind'),
    text('company'),
    text('validUntil'),
    text('hostExternalId'),
    ref('host'),
    text('device'),
    history(),
  ],
);

/* SCIMMY's classes are plain JavaScript with static private state; its typings do not let a
 * subclass be built generically, so the two bases are taken untyped here and nowhere else. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const SchemaBase = SCIMMY.Types.Schema as Any;
const ResourceBase = SCIMMY.Types.Resource as Any;

function schemaClass(definition: InstanceType<typeof SchemaDefinition>): Any {
  return class extends SchemaBase {
    static get id() {
      return definition.id;
    }
    static get definition() {
      return definition;
    }
    constructor(resource: unknown, direction = 'both', basepath?: string, filters?: unknown) {
      super(resource, direction);
      Object.assign(
        this,
        definition.coerce(resource as Any, direction as Any, basepath, filters as Any),
      );
    }
  };
}

type Ingress = (resource: Any, instance: Any, ctx: ResourceContext) => unknown;
type Egress = (resource: Any, ctx: ResourceContext) => unknown;

/** A SCIMMY resource type whose storage is the server's, reached through ctx. */
function resourceClass(name: string, endpoint: string, Schema: Any): Any {
  let basepath: string | undefined;
  let ingress: Ingress = () => {
    throw new ScimError(501, null, `ingress not implemented for ${name}`);
  };
  let egress: Egress = () => {
    throw new ScimError(501, null, `egress not implemented for ${name}`);
  };
  const fail = (ex: unknown, id: string | undefined) => {
    if (ex instanceof SCIMMY.Types.Error) return ex as Error;
    if (ex instanceof TypeError) return new ScimError(400, 'invalidValue', ex.message);
    return new ScimError(404, null, `Resource ${id} not found`);
  };
  const R = class extends ResourceBase {
    static get endpoint() {
      return endpoint;
    }
    static basepath(path?: string) {
      if (path === undefined) return basepath;
      basepath = path.endsWith(endpoint) ? path : `${path}${endpoint}`;
      return R;
    }
    static get schema() {
      return Schema;
    }
    static ingress(handler: Ingress) {
      ingress = handler;
      return R;
    }
    static egress(handler: Egress) {
      egress = handler;
      return R;
    }
    static degress() {
      return R;
    }
    async read(ctx: ResourceContext) {
      try {
        const source = await egress(this, ctx);
        const target = this.id ? [source].flat().shift() : source;
        if (!this.id && Array.isArray(target))
          return new SCIMMY.Messages.ListResponse(
            target.map((u) => new Schema(u, 'out', basepath, this.attributes)),
            this.constraints,
          );
        if (target instanceof Object) return new Schema(target, 'out', basepath, this.attributes);
        throw new ScimError(500, null, 'egress returned nothing');
      } catch (ex) {
        throw fail(ex, this.id);
      }
    }
    async write(instance: unknown, ctx: ResourceContext) {
      if (Object(instance) !== instance || Array.isArray(instance))
        throw new ScimError(400, 'invalidSyntax', 'expected a single complex value');
      try {
        const target = await ingress(this, new Schema(instance, 'in'), ctx);
        return new Schema(target, 'out', basepath, this.attributes);
      } catch (ex) {
        throw fail(ex, this.id);
      }
    }
    async patch(message: unknown, ctx: ResourceContext) {
      if (!this.id) throw new ScimError(404, null, 'PATCH must target a resource');
      return new SCIMMY.Messages.PatchOp(message as Any)
        .apply(await this.read(ctx), async (instance: unknown) => await this.write(instance, ctx))
        .then((instance: unknown) =>
          instance ? new Schema(instance, 'out', basepath, this.attributes) : undefined,
        );
    }
    async dispose() {
      throw new ScimError(405, null, 'resources are never deleted here');
    }
  };
  Object.defineProperty(R, 'name', { value: name });
  return R;
}

export const Card = resourceClass('Card', '/Cards', schemaClass(cardSchema));
export const CardRequest = resourceClass(
  'CardRequest',
  '/CardRequests',
  schemaClass(cardRequestSchema),
);
export const CardBatch = resourceClass('CardBatch', '/CardBatches', schemaClass(cardBatchSchema));
export const CardNumberRange = resourceClass(
  'CardNumberRange',
  '/CardNumberRanges',
  schemaClass(numberRangeSchema),
);

export const Invitation = resourceClass(
  'Invitation',
  '/Invitations',
  schemaClass(invitationSchema),
);

/** The type name each endpoint stores under. */
export const TYPES: Record<string, Any> = {
  Users: SCIMMY.Resources.User,
  Cards: Card,
  CardRequests: CardRequest,
  CardBatches: CardBatch,
  CardNumberRanges: CardNumberRange,
  Invitations: Invitation,
};

const plain = (instance: unknown): Record<string, unknown> =>
  JSON.parse(JSON.stringify(instance)) as Record<string, unknown>;

let declared = false;

/** Declare the resource types and their storage handlers once per process. */
export function declareResources(basePath: string): void {
  if (declared) return;
  declared = true;
  SCIMMY.Config.set({
    patch: true,
    bulk: { supported: true, maxOperations: 1000, maxPayloadSize: 8 * 1024 * 1024 },
    filter: { supported: true, maxResults: 1000 },
    sort: true,
    etag: false,
    changePassword: false,
    // Devices authenticate with TLS client certificates, which RFC 7643's scheme list has no
    // value for (described in the README); administrators with a bearer token.
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Administrator bearer token',
        description:
          'A token the centre issued to a named administrator: Authorization: Bearer <token>',
      },
    ],
  } as Any);
  SCIMMY.Resources.declare(
    SCIMMY.Resources.User.extend(schemaClass(userExtensionSchema), false) as Any,
  );
  for (const [type, Resource] of Object.entries(TYPES)) {
    if (type !== 'Users') SCIMMY.Resources.declare(Resource, type.slice(0, -1).replace(/ie$/, 'y'));
    Resource.basepath(basePath);
    Resource.ingress((resource: Any, instance: Any, ctx: ResourceContext) => {
      const data = resolveUserReferences(type, plain(instance), ctx);
      delete data.meta;
      delete data.id;
      const stored = resource.id ? ctx.get(type, resource.id) : undefined;
      if (resource.id && !stored)
        throw new ScimError(404, null, `Resource ${resource.id} not found`);
      return toScim(ctx.put(type, data, resource.id));
    });
    Resource.egress((resource: Any, ctx: ResourceContext) => {
      if (resource.id) {
        const one = ctx.get(type, resource.id);
        if (!one) throw new ScimError(404, null, `Resource ${resource.id} not found`);
        return toScim(one);
      }
      let all = ctx.list(type).map(toScim);
      // Number ranges are private to the device that leased them.
      if (type === 'CardNumberRanges') all = all.filter((r) => r.device === ctx.device);
      // Invitations are for one device's site; an administrator sees them all.
      if (type === 'Invitations' && ctx.device !== 'central')
        all = all.filter((r) => r.forDevice === ctx.device);
      const matched = resource.filter ? resource.filter.match(all) : all;
      return [...matched].sort((a, b) =>
        String(a.meta.lastModified).localeCompare(String(b.meta.lastModified)),
      );
    });
  }
}

type Json = Record<string, unknown>;
/** Where each resource type names a person: a card's holder, a request's person, a visitor's host. */
const USER_REFERENCES: Record<
  string,
  { within: (d: Json) => Json | undefined; attribute: string }
> = {
  Cards: { within: (d) => d, attribute: 'holder' },
  CardRequests: { within: (d) => d, attribute: 'person' },
  Users: { within: (d) => d[SCIM.userExtension] as Json | undefined, attribute: 'host' },
  Invitations: { within: (d) => d, attribute: 'host' },
};

/**
 * Name every person reference in the centre's own terms: `value` is the centre's User id.
 * A device sends the centre's id when it knows it (a directory employee, a person already
 * synced) and always its own id as `externalId`; an `externalId` alone is resolved among the
 * Users the same device created. A `value` that names no User is refused.
 */
function resolveUserReferences(type: string, data: Json, ctx: ResourceContext): Json {
  const where = USER_REFERENCES[type];
  const holder = where?.within(data);
  if (!where || !holder) return data;
  const { attribute } = where;
  const ref = holder[attribute] as { value?: unknown; externalId?: unknown } | undefined;
  if (!ref || typeof ref !== 'object') return data;
  const value = typeof ref.value === 'string' && ref.value ? ref.value : undefined;
  const externalId =
    typeof ref.externalId === 'string' && ref.externalId ? ref.externalId : undefined;
  let user = value ? ctx.get('Users', value) : undefined;
  if (value && !user) throw new ScimError(400, 'invalidValue', `${attribute}: no User ${value}`);
  user ??= externalId
    ? ctx.list('Users').find((u) => u.data.externalId === externalId && u.device === ctx.device)
    : undefined;
  if (user)
    holder[attribute] = {
      ...ref,
      value: user.id,
      ...(typeof user.data.displayName === 'string' ? { display: user.data.displayName } : {}),
    };
  return data;
}

function toScim(r: StoredResource): Any {
  return {
    ...r.data,
    id: r.id,
    meta: { created: r.created, lastModified: r.lastModified },
  };
}
