/**
 * The central server's state: every SCIM resource, every idempotency key it has applied with
 * the result it gave, and the next free card number. Held in memory for reads and written to
 * one SQLite file; a request's changes and its keys commit in one transaction, so a key is
 * recorded exactly when its effect is, and a repeat after a crash finds it.
 */
import { randomUUID } from 'node:crypto';
import { SqliteConnection } from '../../appliance/src/store/sqlite-connection.js';
import type { StoredResource } from './scim-resources.js';

export interface KeyResult {
  key: string;
  device: string;
  /** The JSON result given the first time (a Bulk operation result or a resource). */
  result: string;
}

/** One line of the centre's audit: who wrote (or was refused) what. */
export interface CentralAuditEntry {
  at: string;
  /** `admin:<name>` or `device:<id>`. */
  actor: string;
  action: string;
  endpoint: string;
  resourceId: string | null;
  outcome: 'applied' | 'refused';
  detail: string;
}

export class CentralStore {
  private readonly resources = new Map<string, Map<string, StoredResource>>();
  private readonly keys = new Map<string, KeyResult>();
  private dirty: Array<{ type: string; r: StoredResource }> = [];
  private newKeys: KeyResult[] = [];
  private newAudit: CentralAuditEntry[] = [];
  private readonly adminTokens = new Map<string, { name: string; created: string }>();
  private lastTick = 0;
  nextNumber: number;

  private constructor(
    private readonly db: SqliteConnection,
    firstNumber: number,
  ) {
    this.nextNumber = firstNumber;
  }

  static async open(file: string, firstNumber = 5_000_000): Promise<CentralStore> {
    const db = await SqliteConnection.open(file);
    await db.exec(`
      CREATE TABLE IF NOT EXISTS resources (type TEXT NOT NULL, id TEXT NOT NULL, device TEXT NOT NULL,
        created TEXT NOT NULL, last_modified TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (type, id));
      CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, device TEXT NOT NULL, result TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS admin_tokens (token_sha256 TEXT PRIMARY KEY, name TEXT NOT NULL, created TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL,
        action TEXT NOT NULL, endpoint TEXT NOT NULL, resource_id TEXT, outcome TEXT NOT NULL, detail TEXT NOT NULL);`);
    const store = new CentralStore(db, firstNumber);
    for (const row of await db.all<Record<string, string>>('SELECT * FROM resources')) {
      store.map(row.type as string).set(row.id as string, {
        id: row.id as string,
        device: row.device as string,
        created: row.created as string,
        lastModified: row.last_modified as string,
        data: JSON.parse(row.data as string) as Record<string, unknown>,
      });
      store.lastTick = Math.max(store.lastTick, Date.parse(row.last_modified as string));
    }
    for (const row of await db.all<Record<string, string>>('SELECT * FROM admin_tokens'))
      store.adminTokens.set(row.token_sha256 as string, {
        name: row.name as string,
        created: row.created as string,
      });
    for (const row of await db.all<KeyResult>('SELECT * FROM idempotency'))
      store.keys.set(row.key, row);
    const next = await db.get<{ value: string }>("SELECT value FROM meta WHERE key = 'nextNumber'");
    if (next) store.nextNumber = Number(next.value);
    return store;
  }

  private map(type: string): Map<string, StoredResource> {
    let m = this.resources.get(type);
    if (!m) this.resources.set(type, (m = new Map()));
    return m;
  }

  /** Strictly increasing timestamps, so a pull by watermark never misses a tie. */
  tick(): string {
    this.lastTick = Math.max(Date.now(), this.lastTick + 1);
    return new Date(this.lastTick).toISOString();
  }

  list(type: string): StoredResource[] {
    return [...this.map(type).values()];
  }

  get(type: string, id: string): StoredResource | undefined {
    return this.map(type).get(id);
  }

  put(type: string, device: string, data: Record<string, unknown>, id?: string): StoredResource {
    const now = this.tick();
    const existing = id ? this.get(type, id) : undefined;
    const r: StoredResource = {
      id: id ?? randomUUID(),
      // The device that created an object keeps it; nobody rewrites that.
      device: existing?.device ?? device,
      created: existing?.created ?? now,
      lastModified: now,
      data: { ...data, device: existing?.device ?? device },
    };
    this.map(type).set(r.id, r);
    this.dirty.push({ type, r });
    return r;
  }

  keyResult(key: string): KeyResult | undefined {
    return this.keys.get(key);
  }

  recordKey(k: KeyResult): void {
    this.keys.set(k.key, k);
    this.newKeys.push(k);
  }

  /** Record an audit line; it commits with the next commit(), together with the change. */
  audit(entry: CentralAuditEntry): void {
    this.newAudit.push(entry);
  }

  async auditLog(): Promise<CentralAuditEntry[]> {
    const rows = await this.db.all<Record<string, string | null>>(
      'SELECT at, actor, action, endpoint, resource_id, outcome, detail FROM audit ORDER BY seq',
    );
    return rows.map((r) => ({
      at: String(r.at),
      actor: String(r.actor),
      action: String(r.action),
      endpoint: String(r.endpoint),
      resourceId: r.resource_id ?? null,
      outcome: r.outcome === 'refused' ? 'refused' : 'applied',
      detail: String(r.detail),
    }));
  }

  /** The administrator a token's SHA-256 belongs to. */
  adminByTokenHash(sha256Hex: string): string | undefined {
    return this.adminTokens.get(sha256Hex)?.name;
  }

  async addAdminToken(name: string, sha256Hex: string): Promise<void> {
    const created = new Date().toISOString();
    await this.db.run('INSERT INTO admin_tokens (token_sha256, name, created) VALUES (?, ?, ?)', [
      sha256Hex,
      name,
      created,
    ]);
    this.adminTokens.set(sha256Hex, { name, created });
  }

  keyCount(): number {
    return this.keys.size;
  }

  /** Write everything changed since the last commit in one transaction. */
  async commit(): Promise<void> {
    const dirty = this.dirty;
    const keys = this.newKeys;
    const audit = this.newAudit;
    this.dirty = [];
    this.newKeys = [];
    this.newAudit = [];
    await this.db.serialize(async () => {
      await this.db.exec('BEGIN IMMEDIATE');
      try {
        for (const { type, r } of dirty)
          await this.db.run(
            'INSERT INTO resources (type, id, device, created, last_modified, data) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(type, id) DO UPDATE SET last_modified = excluded.last_modified, data = excluded.data',
            [type, r.id, r.device, r.created, r.lastModified, JSON.stringify(r.data)],
          );
        for (const k of keys)
          await this.db.run('INSERT INTO idempotency (key, device, result) VALUES (?, ?, ?)', [
            k.key,
            k.device,
            k.result,
          ]);
        for (const a of audit)
          await this.db.run(
            'INSERT INTO audit (at, actor, action, endpoint, resource_id, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
            [a.at, a.actor, a.action, a.endpoint, a.resourceId, a.outcome, a.detail],
          );
        await this.db.run(
          "INSERT INTO meta (key, value) VALUES ('nextNumber', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
          [String(this.nextNumber)],
        );
        await this.db.exec('COMMIT');
      } catch (err) {
        await this.db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    await this.db.serialize(() => this.db.close());
  }
}
