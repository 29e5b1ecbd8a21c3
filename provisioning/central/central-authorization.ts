/**
 * Who may write what at the centre. Two kinds of caller reach the SCIM routes:
 *
 * - a **device**, by its client certificate (CN = device id, issued by the central CA): it may
 *   create its own objects and change only those, and only in the attributes a device
 *   reports (state, card status, certificate, history, …);
 * - an **administrator**, by a bearer token the centre issued to a named person: only an
 *   administrator sets the attributes that are orders to a device (a central decision on a
 *   request, a central revocation of a card) and changes the directory.
 *
 * A refusal is a SCIM error with status 403 and changes nothing. SCIM attribute names are
 * case-insensitive (RFC 7643 §2.1), so every comparison here is on lower-cased names.
 *
 * Pure: no I/O; the server passes in the stored object and the request.
 */
export type CentralActor = { kind: 'device'; id: string } | { kind: 'admin'; id: string };

/** Attributes only an administrator writes, per resource endpoint: orders to devices. */
export const ADMIN_ONLY_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  CardRequests: ['decision'],
  Cards: ['centralRevocation', 'centralHold'],
};

/**
 * Attributes nobody writes through SCIM: the centre sets them from the caller (`device`), or
 * records them itself (`pukReleases`, by POST /PukReleases).
 */
const SERVER_SET_ATTRIBUTES = ['device', 'id', 'meta', 'pukReleases'];

/** Endpoints a device may create objects on through Bulk or POST. */
const DEVICE_CREATABLE = new Set(['Users', 'Cards', 'CardRequests', 'CardBatches']);

export class CentralAuthorizationError extends Error {
  readonly status = 403;
  constructor(message: string) {
    super(message);
    this.name = 'CentralAuthorizationError';
  }
}

/**
 * The attribute names a write touches, lower-cased: the top-level keys of a resource body, or
 * the first path segment (or value keys) of each PatchOp operation. An extension's attributes
 * are named `urn:…:attr`.
 */
export function touchedAttributes(method: 'POST' | 'PATCH', data: unknown): string[] {
  const names = new Set<string>();
  const addKeys = (value: unknown) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
    for (const [key, inner] of Object.entries(value)) {
      const lower = key.toLowerCase();
      if (lower === 'schemas') continue;
      if (lower.startsWith('urn:') && typeof inner === 'object' && inner && !Array.isArray(inner))
        for (const k of Object.keys(inner)) names.add(`${lower}:${k.toLowerCase()}`);
      else names.add(lower);
    }
  };
  if (method === 'POST') {
    addKeys(data);
    return [...names];
  }
  const ops = (data as { Operations?: unknown } | null)?.Operations;
  if (!Array.isArray(ops)) return [...names];
  for (const op of ops as Array<{ path?: unknown; value?: unknown }>) {
    if (typeof op?.path === 'string' && op.path.trim()) names.add(attributeOfPath(op.path));
    else addKeys(op?.value);
  }
  return [...names];
}

/** The attribute a PATCH path addresses: `decision.value` → `decision`, `urn:…:User:history` → `urn:…:user:history`. */
function attributeOfPath(path: string): string {
  const lower = path.trim().toLowerCase();
  const base = lower.split('[')[0] ?? lower;
  if (base.startsWith('urn:')) {
    // The attribute follows the schema URN's last colon; a sub-attribute follows a dot.
    const cut = base.lastIndexOf(':');
    return `${base.slice(0, cut)}:${base.slice(cut + 1).split('.')[0] ?? ''}`;
  }
  return base.split('.')[0] ?? base;
}

const lowered = (names: readonly string[]) => names.map((n) => n.toLowerCase());

/**
 * Throws CentralAuthorizationError unless `actor` may make this write.
 * `owner` is the device that created the target object (undefined for a create).
 */
export function authorizeWrite(write: {
  actor: CentralActor;
  endpoint: string;
  method: 'POST' | 'PATCH';
  owner: string | undefined;
  data: unknown;
}): void {
  const { actor, endpoint, method, owner, data } = write;
  const touched = touchedAttributes(method, data);
  const serverSet = touched.filter((a) => lowered(SERVER_SET_ATTRIBUTES).includes(a));
  if (serverSet.length)
    throw new CentralAuthorizationError(`${serverSet.join(', ')} is set by the centre`);
  if (actor.kind === 'admin') return;

  if (method === 'POST' && !DEVICE_CREATABLE.has(endpoint))
    throw new CentralAuthorizationError(`a device does not create ${endpoint}`);
  if (method === 'PATCH' && owner !== actor.id)
    throw new CentralAuthorizationError(
      owner === 'central'
        ? `device ${actor.id} may not change a directory object`
        : `device ${actor.id} may change only its own objects`,
    );
  const adminOnly = lowered(ADMIN_ONLY_ATTRIBUTES[endpoint] ?? []);
  const ordered = touched.filter((a) => adminOnly.includes(a));
  if (ordered.length)
    throw new CentralAuthorizationError(
      `${ordered.join(', ')} is decided by a central administrator, not by a device`,
    );
}
