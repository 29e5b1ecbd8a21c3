/**
 * Roles and actors. An actor is whoever sends a workflow event: a signed-in staff member
 * with roles, an anonymous walk-up holding one request's status code, the appliance itself,
 * or the central Identity Manager (a decision or revocation made there, learned by sync).
 * Pure data; depends on nothing.
 */

export const STAFF_ROLES = [
  'registration_officer',
  'approver',
  'card_production_admin',
  'security_staff',
  'device_admin',
] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Every role a transition can name, including the non-staff ones. */
export type Role = StaffRole | 'self_service' | 'system' | 'central';
export const ALL_ROLES: readonly Role[] = [...STAFF_ROLES, 'self_service', 'system', 'central'];

export type Actor =
  | { kind: 'staff'; userId: string; username: string; roles: readonly StaffRole[] }
  | { kind: 'self_service'; requestId: string | null }
  | { kind: 'system' }
  /** A decision taken in the central Identity Manager; `by` names who took it there. */
  | { kind: 'central'; by: string };

export function actorRoles(actor: Actor): readonly Role[] {
  switch (actor.kind) {
    case 'staff':
      return actor.roles;
    case 'self_service':
      return ['self_service'];
    case 'system':
      return ['system'];
    case 'central':
      return ['central'];
  }
}

/** How an actor is named in audit events and transition history. Never a secret. */
export function actorLabel(actor: Actor): string {
  switch (actor.kind) {
    case 'staff':
      return `staff:${actor.username}`;
    case 'self_service':
      return 'self-service';
    case 'system':
      return 'system';
    case 'central':
      return `central:${actor.by}`;
  }
}

export const SYSTEM_ACTOR: Actor = { kind: 'system' };

export function isStaffRole(value: string): value is StaffRole {
  return (STAFF_ROLES as readonly string[]).includes(value);
}
