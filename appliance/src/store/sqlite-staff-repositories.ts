/** SQLite adapters for staff users, their sessions and idempotency records. */
import type { SessionRecord, UserRecord } from '../core/records.js';
import type { StaffRole } from '../core/roles.js';
import type {
  IdempotencyRecord,
  IdempotencyRepository,
  SessionRepository,
  UserRepository,
} from '../core/store-ports.js';
import { num, str, strOrNull } from './row-mapping.js';
import type { Row, SqlValue, SqliteConnection } from './sqlite-connection.js';

const USER_COLUMNS: Record<string, string> = {
  displayName: 'display_name',
  roles: 'roles',
  passcodeHash: 'passcode_hash',
  mustChangePasscode: 'must_change_passcode',
  failedAttempts: 'failed_attempts',
  lockedUntil: 'locked_until',
  disabled: 'disabled',
};

export class SqliteUserRepository implements UserRepository {
  constructor(private readonly db: SqliteConnection) {}

  async insert(u: UserRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO users (id, username, display_name, roles, passcode_hash, must_change_passcode, failed_attempts, locked_until, disabled, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        u.id,
        u.username,
        u.displayName,
        JSON.stringify(u.roles),
        u.passcodeHash,
        u.mustChangePasscode ? 1 : 0,
        u.failedAttempts,
        u.lockedUntil,
        u.disabled ? 1 : 0,
        u.createdAt,
      ],
    );
  }

  async get(id: string): Promise<UserRecord | null> {
    const row = await this.db.get('SELECT * FROM users WHERE id = ?', [id]);
    return row ? toUser(row) : null;
  }

  async getByUsername(username: string): Promise<UserRecord | null> {
    const row = await this.db.get('SELECT * FROM users WHERE username = ?', [username]);
    return row ? toUser(row) : null;
  }

  async update(
    id: string,
    changes: Partial<Omit<UserRecord, 'id' | 'username' | 'createdAt'>>,
  ): Promise<void> {
    const sets: string[] = [];
    const params: SqlValue[] = [];
    for (const [key, value] of Object.entries(changes)) {
      const column = USER_COLUMNS[key];
      if (!column) throw new Error(`unknown user field ${key}`);
      sets.push(`${column} = ?`);
      params.push(
        key === 'roles'
          ? JSON.stringify(value)
          : typeof value === 'boolean'
            ? value
              ? 1
              : 0
            : (value as SqlValue),
      );
    }
    if (sets.length === 0) return;
    await this.db.run(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
  }

  async list(): Promise<UserRecord[]> {
    return (await this.db.all('SELECT * FROM users ORDER BY username')).map(toUser);
  }

  async count(): Promise<number> {
    return num((await this.db.get('SELECT COUNT(*) AS n FROM users'))?.n);
  }
}

function toUser(r: Row): UserRecord {
  return {
    id: str(r.id),
    username: str(r.username),
    displayName: str(r.display_name),
    roles: JSON.parse(str(r.roles)) as StaffRole[],
    passcodeHash: str(r.passcode_hash),
    mustChangePasscode: num(r.must_change_passcode) === 1,
    failedAttempts: num(r.failed_attempts),
    lockedUntil: strOrNull(r.locked_until),
    disabled: num(r.disabled) === 1,
    createdAt: str(r.created_at),
  };
}

export class SqliteSessionRepository implements SessionRepository {
  constructor(private readonly db: SqliteConnection) {}

  async insert(s: SessionRecord): Promise<void> {
    await this.db.run(
      'INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?)',
      [s.tokenHash, s.userId, s.createdAt, s.expiresAt, s.lastSeenAt],
    );
  }

  async get(tokenHash: string): Promise<SessionRecord | null> {
    const r = await this.db.get('SELECT * FROM sessions WHERE token_hash = ?', [tokenHash]);
    return r
      ? {
          tokenHash: str(r.token_hash),
          userId: str(r.user_id),
          createdAt: str(r.created_at),
          expiresAt: str(r.expires_at),
          lastSeenAt: str(r.last_seen_at),
        }
      : null;
  }

  async delete(tokenHash: string): Promise<void> {
    await this.db.run('DELETE FROM sessions WHERE token_hash = ?', [tokenHash]);
  }

  async deleteForUser(userId: string): Promise<void> {
    await this.db.run('DELETE FROM sessions WHERE user_id = ?', [userId]);
  }
}

export class SqliteIdempotencyRepository implements IdempotencyRepository {
  constructor(private readonly db: SqliteConnection) {}

  async get(scope: string, key: string): Promise<IdempotencyRecord | null> {
    const r = await this.db.get('SELECT * FROM idempotency_keys WHERE scope = ? AND key = ?', [
      scope,
      key,
    ]);
    return r
      ? {
          scope: str(r.scope),
          key: str(r.key),
          fingerprint: str(r.fingerprint),
          statusCode: num(r.status_code),
          body: str(r.body),
          createdAt: str(r.created_at),
          secretsSealed: strOrNull(r.secrets_sealed),
          secretsShownAt: strOrNull(r.secrets_shown_at),
          resourceId: strOrNull(r.resource_id),
        }
      : null;
  }

  async put(r: IdempotencyRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO idempotency_keys
         (scope, key, fingerprint, status_code, body, created_at, secrets_sealed, secrets_shown_at, resource_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        r.scope,
        r.key,
        r.fingerprint,
        r.statusCode,
        r.body,
        r.createdAt,
        r.secretsSealed,
        r.secretsShownAt,
        r.resourceId,
      ],
    );
  }

  async answer(
    scope: string,
    key: string,
    a: { statusCode: number; body: string; secretsSealed: string | null },
  ): Promise<void> {
    await this.db.run(
      'UPDATE idempotency_keys SET status_code = ?, body = ?, secrets_sealed = ? WHERE scope = ? AND key = ?',
      [a.statusCode, a.body, a.secretsSealed, scope, key],
    );
  }

  async secretsShown(scope: string, key: string, at: string): Promise<void> {
    await this.db.run(
      'UPDATE idempotency_keys SET secrets_sealed = NULL, secrets_shown_at = ? WHERE scope = ? AND key = ?',
      [at, scope, key],
    );
  }

  async expireSecrets(before: string, at: string): Promise<number> {
    const r = await this.db.run(
      'UPDATE idempotency_keys SET secrets_sealed = NULL, secrets_shown_at = ? WHERE secrets_sealed IS NOT NULL AND created_at < ?',
      [at, before],
    );
    return r.changes;
  }
}
