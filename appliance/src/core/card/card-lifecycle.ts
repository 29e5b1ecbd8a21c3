/**
 * A card's life after production as data (DESIGN.md §2 "After hand-over"), in the shape of
 * the request state table: for each card status the events it accepts, and for each event
 * the candidate transitions in order, each with its target, named guards, named effects and
 * the roles allowed to send it. The first candidate whose roles include the actor and whose
 * guards pass is taken. Guards live in card-guards.ts; effects are carried out by the
 * lifecycle service after the change is saved (certificate hold, release and revocation
 * before, as a revocation is today). `generated` and `cancelled` belong to the request
 * workflow and accept nothing here. Pure data; depends on nothing.
 */
import { CARD_STATUSES } from '../records.js';
import type { Role, StaffRole } from '../roles.js';

/** The card statuses the lifecycle moves between: the card object's own (records.ts). */
export const CARD_LIFECYCLE_STATES = CARD_STATUSES;
export type CardLifecycleState = (typeof CARD_LIFECYCLE_STATES)[number];

export const CARD_FINAL_STATES: readonly CardLifecycleState[] = [
  'revoked',
  'returned',
  'expired',
  'cancelled',
];

export const CARD_EVENTS = [
  'suspend',
  'resume',
  'forgotten_badge',
  'temporary_ended',
  'revoke',
  'replace',
  'return',
  'renew',
  'expire',
  'unblock_pin',
  'change_pin',
] as const;
export type CardEventType = (typeof CARD_EVENTS)[number];

export type CardGuardName =
  /** A reason of at most MAX_REASON_LENGTH characters. */
  | 'reasonGiven'
  /** revoke/replace: lost, stolen, damaged or compromised. */
  | 'revocationReasonGiven'
  /** Separation of duties: whoever suspended the card cannot resume it. */
  | 'notSuspender'
  /** The hold was placed by staff or the centre, not for a temporary card. */
  | 'heldByStaffOrCentre'
  /** The hold was placed because the holder got a temporary card. */
  | 'heldForTemporaryCard'
  | 'employeeCard'
  /** The card is (not) a temporary card issued for a forgotten badge. */
  | 'temporaryCard'
  | 'notTemporaryCard'
  /** The card's last valid day is before today (the device's calendar day). */
  | 'validityPassed'
  /** The card expires within the renewal window (or has not expired yet and is in it). */
  | 'withinRenewalWindow'
  /** Digital ID whose card type's profile renews on the same chip. */
  | 'renewsOnSameChip'
  /** Physical ID, or a profile that renews by a new card. */
  | 'renewsByNewCard';

/**
 * Effects the service carries out for a saved transition.
 * - holdCertificate / releaseHold: RFC 5280 certificateHold on the CRL, and its release
 *   (removeFromCRL in the delta CRL); Digital ID only, nothing to do for Physical ID.
 * - revokeCertificate: revoke with the reason the event maps to.
 * - requestReplacement / requestRenewalCard: a new request for the same person through the
 *   same process, linked both ways to this card.
 * - requestTemporaryCard: a Physical ID valid today, linked as this card's temporary card.
 * - resumeOwnCard: send temporary_ended to the card this temporary card stood in for.
 * - renewOnChip: new key pair and certificate on the card in the encoder; old certificate
 *   revoked as superseded.
 * - unblockPin / changePin: the PIN operation on the card in the encoder (status unchanged).
 */
export type CardEffectName =
  | 'holdCertificate'
  | 'releaseHold'
  | 'revokeCertificate'
  | 'requestReplacement'
  | 'requestRenewalCard'
  | 'requestTemporaryCard'
  | 'resumeOwnCard'
  | 'renewOnChip'
  | 'unblockPin'
  | 'changePin';

export interface CardTransitionSpec {
  target: CardLifecycleState;
  roles: readonly Role[];
  guards?: readonly CardGuardName[];
  effects?: readonly CardEffectName[];
}

export type CardStateTable = Readonly<
  Record<
    CardLifecycleState,
    Readonly<Partial<Record<CardEventType, readonly CardTransitionSpec[]>>>
  >
>;

/** Staff who may suspend, resume and revoke (security at the desk, and card administrators). */
export const CARD_STAFF: readonly StaffRole[] = [
  'security_staff',
  'card_production_admin',
  'registration_officer',
];
/**
 * Staff who start a new card for the same person (replace, renew by a new card): the new
 * request is submitted by them, and only a registration officer submits (request table).
 */
const CARD_REQUESTERS: readonly StaffRole[] = ['registration_officer'];
/** Staff who renew a Digital ID on its chip (production work at the encoder). */
const CARD_RENEWERS: readonly StaffRole[] = ['registration_officer', 'card_production_admin'];

const REVOKE: readonly CardTransitionSpec[] = [
  {
    target: 'revoked',
    // The appliance revokes a visitor's badge that never came back when the visit ends.
    roles: [...CARD_STAFF, 'central', 'system'],
    guards: ['revocationReasonGiven'],
    effects: ['revokeCertificate'],
  },
];

const REPLACE: readonly CardTransitionSpec[] = [
  {
    target: 'revoked',
    roles: CARD_REQUESTERS,
    guards: ['revocationReasonGiven', 'notTemporaryCard'],
    effects: ['revokeCertificate', 'requestReplacement'],
  },
];

/** A temporary card that ends (returned or expired) gives the holder their own card back. */
const endTemporary = (
  target: CardLifecycleState,
  roles: readonly Role[],
  guards: readonly CardGuardName[] = [],
  effects: readonly CardEffectName[] = [],
): readonly CardTransitionSpec[] => [
  { target, roles, guards: [...guards, 'temporaryCard'], effects: [...effects, 'resumeOwnCard'] },
  { target, roles, guards: [...guards, 'notTemporaryCard'], effects },
];

const EXPIRE = endTemporary('expired', ['system'], ['validityPassed']);
/**
 * Handed back at the desk; a return decided centrally; or, when a visit ends at sign-out or
 * closing time with the badge in the return slot, by the appliance.
 */
const RETURN = endTemporary(
  'returned',
  ['security_staff', 'central', 'system'],
  [],
  ['revokeCertificate'],
);

/** PIN operations leave the status as it is. */
function pinEvents(
  self: CardLifecycleState,
): Partial<Record<CardEventType, readonly CardTransitionSpec[]>> {
  return {
    // Security staff check the holder's identity; the PUK comes from escrow.
    unblock_pin: [{ target: self, roles: ['security_staff'], effects: ['unblockPin'] }],
    // The holder proves the current PIN to the chip itself; staff may help at the desk.
    change_pin: [
      { target: self, roles: ['self_service', 'security_staff'], effects: ['changePin'] },
    ],
  };
}

function inUse(
  self: CardLifecycleState,
): Partial<Record<CardEventType, readonly CardTransitionSpec[]>> {
  return {
    suspend: [
      {
        target: 'suspended',
        roles: CARD_STAFF,
        guards: ['reasonGiven'],
        effects: ['holdCertificate'],
      },
      // Decided in the central Identity Manager, learned by sync.
      { target: 'suspended', roles: ['central'], effects: ['holdCertificate'] },
    ],
    forgotten_badge: [
      {
        target: 'suspended',
        // The holder asks for the temporary card (it is submitted in their name, as at the
        // kiosk) once security staff have checked who they are.
        roles: ['security_staff', 'registration_officer'],
        guards: ['employeeCard', 'notTemporaryCard'],
        effects: ['holdCertificate', 'requestTemporaryCard'],
      },
    ],
    revoke: REVOKE,
    replace: REPLACE,
    return: RETURN,
    renew: [
      {
        target: 'active',
        roles: CARD_RENEWERS,
        guards: ['notTemporaryCard', 'withinRenewalWindow', 'renewsOnSameChip'],
        effects: ['renewOnChip'],
      },
      {
        target: self,
        roles: CARD_REQUESTERS,
        guards: ['notTemporaryCard', 'withinRenewalWindow', 'renewsByNewCard'],
        effects: ['requestRenewalCard'],
      },
    ],
    expire: EXPIRE,
    ...pinEvents(self),
  };
}

export const CARD_LIFECYCLE: CardStateTable = {
  generated: {},
  // Produced but not handed over yet: it can be revoked (lost on the way) or run out.
  produced: { revoke: REVOKE, expire: EXPIRE },
  collected: inUse('collected'),
  active: inUse('active'),
  suspended: {
    resume: [
      {
        target: 'active',
        roles: CARD_STAFF,
        guards: ['heldByStaffOrCentre', 'notSuspender', 'reasonGiven'],
        effects: ['releaseHold'],
      },
      {
        target: 'active',
        roles: ['central'],
        guards: ['heldByStaffOrCentre'],
        effects: ['releaseHold'],
      },
    ],
    // Sent by the appliance when the temporary card standing in for this one ends.
    temporary_ended: [
      {
        target: 'active',
        roles: ['system'],
        guards: ['heldForTemporaryCard'],
        effects: ['releaseHold'],
      },
    ],
    revoke: REVOKE,
    replace: REPLACE,
    return: RETURN,
    expire: EXPIRE,
    ...pinEvents('suspended'),
  },
  revoked: {},
  returned: {},
  expired: {},
  cancelled: {},
};

export function isCardEvent(value: string): value is CardEventType {
  return (CARD_EVENTS as readonly string[]).includes(value);
}

/** Reasons a card is revoked or replaced, and the RFC 5280 reason code each maps to. */
export const CARD_REVOKE_REASONS = ['lost', 'stolen', 'damaged', 'compromised'] as const;
export type CardRevokeReason = (typeof CARD_REVOKE_REASONS)[number];

/**
 * The events someone with these roles could send a card in this status, before guards: what
 * the console offers. The guards (reason, separation of duties, window, profile) are checked
 * when the event is sent, so an offered action may still be refused, in words.
 */
export function cardEventsFor(status: CardLifecycleState, roles: readonly Role[]): CardEventType[] {
  const events = CARD_LIFECYCLE[status];
  return CARD_EVENTS.filter((event) =>
    (events[event] ?? []).some((spec) => spec.roles.some((r) => roles.includes(r))),
  );
}
