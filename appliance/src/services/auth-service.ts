/**
 * Staff sign-in: user name and passcode (scrypt), sessions as random bearer tokens kept only
 * as SHA-256 on the device, accounts locked for a while after repeated failures, and the
 * first device administrator created on first start with a one-time passcode that must be
 * changed at first sign-in. Passcodes never reach a log, an audit event or an error message.
 */
import { createHash } from 'node:crypto';
import {
  ConflictError,
  DomainError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  UnauthenticatedError,
} from '../core/errors.js';
import type { Clock, RandomSource } from '../core/ports.js';
import type { UserRecord } from '../core/records.js';
import { actorLabel, type Actor, type StaffRole } from '../core/roles.js';
import type { Store } from '../core/store-ports.js';
import type { DomainEvents } from './domain-events.js';
import { newId } from './workflow-engine.js';

export interface PasscodeHasherPort {
  hash(passcode: string): Promise<string>;
  verify(passcode: string, stored: string): Promise<boolean>;
}

export interface AuthPolicy {
  maxFailedAttempts: number;
  lockMinutes: number;
  sessionIdleMinutes: number;
  sessionMaxHours: number;
  minPasscodeLength: number;
}

export const DEFAULT_AUTH_POLICY: AuthPolicy = {
  maxFailedAttempts: 5,
  lockMinutes: 15,
  sessionIdleMinutes: 30,
  sessionMaxHours: 12,
  minPasscodeLength: 10,
};

export const FIRST_ADMIN_USERNAME = 'admin';
const PASSCODE_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const ONE_TIME_PASSCODE_LENGTH = 16;

export interface SignedInUser {
  user: PublicUser;
  actor: Actor & { kind: 'staff' };
}

export type PublicUser = Pick<
  UserRecord,
  'id' | 'username' | 'displayName' | 'roles' | 'mustChangePasscode' | 'disabled' | 'createdAt'
>;

export function publicUser(u: UserRecord): PublicUser {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    roles: u.roles,
    mustChangePasscode: u.mustChangePasscode,
    disabled: u.disabled,
    createdAt: u.createdAt,
  };
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export class AuthService {
  /** Verified against when the user name is unknown, so timing does not tell which names exist. */
  private dummyHash: Promise<string> | null = null;
  /** Last use of each session (token hash → ms), newer than the stored last_seen_at. */
  private readonly lastSeen = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly hasher: PasscodeHasherPort,
    private readonly random: RandomSource,
    private readonly clock: Clock,
    private readonly policy: AuthPolicy = DEFAULT_AUTH_POLICY,
    private readonly events: DomainEvents | null = null,
  ) {}

  /**
   * On first start, create the first device administrator. Returns its one-time passcode, or
   * null when users already exist (the passcode is never shown again).
   */
  async ensureFirstAdmin(): Promise<string | null> {
    if ((await this.store.read((tx) => tx.users.count())) > 0) return null;
    const passcode = this.oneTimePasscode();
    const passcodeHash = await this.hasher.hash(passcode);
    const created = await this.store.transaction(async (tx) => {
      if ((await tx.users.count()) > 0) return false;
      const at = this.clock.now().toISOString();
      const id = newId();
      await tx.users.insert({
        id,
        username: FIRST_ADMIN_USERNAME,
        displayName: 'Device administrator',
        roles: ['device_admin'],
        passcodeHash,
        mustChangePasscode: true,
        failedAttempts: 0,
        lockedUntil: null,
        disabled: false,
        createdAt: at,
      });
      await tx.audit.append(
        {
          actor: 'system',
          action: 'user.created',
          objectType: 'user',
          objectId: id,
          details: { username: FIRST_ADMIN_USERNAME, roles: ['device_admin'], firstStart: true },
        },
        at,
      );
      return true;
    });
    return created ? passcode : null;
  }

  async signIn(username: string, passcode: string): Promise<{ token: string; user: PublicUser }> {
    const user = await this.store.read((tx) => tx.users.getByUsername(username));
    const now = this.clock.now();
    if (!user) {
      await this.hasher.verify(
        passcode,
        await (this.dummyHash ??= this.hasher.hash('not-a-real-passcode')),
      );
      throw new UnauthenticatedError('user name or passcode is wrong');
    }
    if (user.disabled) throw new UnauthenticatedError('user name or passcode is wrong');
    if (user.lockedUntil && new Date(user.lockedUntil) > now) {
      throw new DomainError(
        'ACCOUNT_LOCKED',
        `too many failed sign-ins; try again after ${user.lockedUntil}`,
      );
    }
    const ok = await this.hasher.verify(passcode, user.passcodeHash);
    const at = now.toISOString();
    if (!ok) {
      await this.store.transaction(async (tx) => {
        const current = await tx.users.get(user.id);
        const failures = (current?.failedAttempts ?? 0) + 1;
        const lock = failures >= this.policy.maxFailedAttempts;
        await tx.users.update(user.id, {
          failedAttempts: lock ? 0 : failures,
          lockedUntil: lock
            ? new Date(now.getTime() + this.policy.lockMinutes * 60_000).toISOString()
            : (current?.lockedUntil ?? null),
        });
        await tx.audit.append(
          {
            actor: `staff:${user.username}`,
            action: lock ? 'user.locked' : 'user.sign_in_failed',
            objectType: 'user',
            objectId: user.id,
            details: { failures },
          },
          at,
        );
      });
      throw new UnauthenticatedError('user name or passcode is wrong');
    }
    const token = Buffer.from(this.random.bytes(32)).toString('base64url');
    await this.store.transaction(async (tx) => {
      await tx.users.update(user.id, { failedAttempts: 0, lockedUntil: null });
      await tx.sessions.insert({
        tokenHash: hashToken(token),
        userId: user.id,
        createdAt: at,
        expiresAt: new Date(now.getTime() + this.policy.sessionMaxHours * 3_600_000).toISOString(),
        lastSeenAt: at,
      });
      await tx.audit.append(
        {
          actor: `staff:${user.username}`,
          action: 'user.signed_in',
          objectType: 'user',
          objectId: user.id,
          details: {},
        },
        at,
      );
    });
    // Forget sessions idle past the limit, so the map holds only live ones.
    for (const [hash, seen] of this.lastSeen) {
      if (now.getTime() - seen > this.policy.sessionIdleMinutes * 60_000)
        this.lastSeen.delete(hash);
    }
    return { token, user: publicUser(user) };
  }

  /** The signed-in user behind a session token, or UnauthenticatedError. */
  async authenticate(token: string): Promise<SignedInUser> {
    const tokenHash = hashToken(token);
    const now = this.clock.now();
    const found = await this.store.read(async (tx) => {
      const session = await tx.sessions.get(tokenHash);
      const user = session ? await tx.users.get(session.userId) : null;
      return session && user ? { session, user } : null;
    });
    if (!found) throw new UnauthenticatedError('your session has ended; sign in again');
    const { session, user } = found;
    const lastSeen = Math.max(
      new Date(session.lastSeenAt).getTime(),
      this.lastSeen.get(tokenHash) ?? 0,
    );
    const idleLimit = new Date(lastSeen + this.policy.sessionIdleMinutes * 60_000);
    if (user.disabled || new Date(session.expiresAt) <= now || idleLimit <= now) {
      this.lastSeen.delete(tokenHash);
      await this.store.transaction((tx) => tx.sessions.delete(tokenHash));
      throw new UnauthenticatedError('your session has ended; sign in again');
    }
    // The idle timer lives in memory, so that reading with a session never writes; after a
    // restart it runs from the sign-in (sessions idle longer than the limit by then end).
    this.lastSeen.set(tokenHash, now.getTime());
    return {
      user: publicUser(user),
      actor: { kind: 'staff', userId: user.id, username: user.username, roles: user.roles },
    };
  }

  async signOut(token: string): Promise<void> {
    this.lastSeen.delete(hashToken(token));
    await this.store.transaction((tx) => tx.sessions.delete(hashToken(token)));
  }

  async changePasscode(actor: Actor, current: string, next: string): Promise<void> {
    if (actor.kind !== 'staff') throw new UnauthenticatedError();
    this.checkPasscodePolicy(next);
    if (current === next)
      throw new InvalidInputError('the new passcode must differ from the current one');
    const user = await this.store.read((tx) => tx.users.get(actor.userId));
    if (!user || !(await this.hasher.verify(current, user.passcodeHash))) {
      throw new ForbiddenError('the current passcode is wrong');
    }
    const passcodeHash = await this.hasher.hash(next);
    await this.store.transaction(async (tx) => {
      const at = this.clock.now().toISOString();
      await tx.users.update(user.id, { passcodeHash, mustChangePasscode: false });
      await tx.audit.append(
        {
          actor: actorLabel(actor),
          action: 'user.passcode_changed',
          objectType: 'user',
          objectId: user.id,
          details: {},
        },
        at,
      );
    });
    this.events?.emit('user.passcode_changed', { userId: user.id, username: user.username });
  }

  /** A device administrator adds a staff member; the one-time passcode is returned once. */
  async createUser(
    actor: Actor,
    input: { username: string; displayName: string; roles: StaffRole[] },
  ): Promise<{ user: PublicUser; oneTimePasscode: string }> {
    this.requireAdmin(actor);
    if (input.roles.length === 0)
      throw new InvalidInputError('a staff member needs at least one role');
    const passcode = this.oneTimePasscode();
    const passcodeHash = await this.hasher.hash(passcode);
    const at = this.clock.now().toISOString();
    const user: UserRecord = {
      id: newId(),
      username: input.username,
      displayName: input.displayName,
      roles: [...new Set(input.roles)],
      passcodeHash,
      mustChangePasscode: true,
      failedAttempts: 0,
      lockedUntil: null,
      disabled: false,
      createdAt: at,
    };
    await this.store.transaction(async (tx) => {
      if (await tx.users.getByUsername(input.username))
        throw new ConflictError(`user name ${input.username} is taken`);
      await tx.users.insert(user);
      await tx.audit.append(
        {
          actor: actorLabel(actor),
          action: 'user.created',
          objectType: 'user',
          objectId: user.id,
          details: { username: user.username, roles: user.roles },
        },
        at,
      );
    });
    return { user: publicUser(user), oneTimePasscode: passcode };
  }

  async listUsers(actor: Actor): Promise<PublicUser[]> {
    this.requireAdmin(actor);
    return (await this.store.read((tx) => tx.users.list())).map(publicUser);
  }

  async setDisabled(actor: Actor, userId: string, disabled: boolean): Promise<PublicUser> {
    this.requireAdmin(actor);
    if (actor.kind === 'staff' && actor.userId === userId)
      throw new InvalidInputError('you cannot disable your own account');
    return this.store.transaction(async (tx) => {
      const user = await tx.users.get(userId);
      if (!user) throw new NotFoundError('user', userId);
      const at = this.clock.now().toISOString();
      await tx.users.update(userId, { disabled });
      if (disabled) await tx.sessions.deleteForUser(userId);
      await tx.audit.append(
        {
          actor: actorLabel(actor),
          action: disabled ? 'user.disabled' : 'user.enabled',
          objectType: 'user',
          objectId: userId,
          details: { username: user.username },
        },
        at,
      );
      return publicUser({ ...user, disabled });
    });
  }

  private requireAdmin(actor: Actor): void {
    if (actor.kind !== 'staff' || !actor.roles.includes('device_admin'))
      throw new ForbiddenError('this needs the device_admin role');
  }

  private checkPasscodePolicy(passcode: string): void {
    if (passcode.length < this.policy.minPasscodeLength) {
      throw new InvalidInputError(
        `a passcode needs at least ${this.policy.minPasscodeLength} characters`,
      );
    }
    if (new Set(passcode).size < 4)
      throw new InvalidInputError('a passcode needs at least 4 different characters');
  }

  private oneTimePasscode(): string {
    let s = '';
    for (let i = 0; i < ONE_TIME_PASSCODE_LENGTH; i++)
      s += PASSCODE_ALPHABET[this.random.int(PASSCODE_ALPHABET.length)];
    return s.replace(/(.{4})(?=.)/g, '$1-');
  }
}
