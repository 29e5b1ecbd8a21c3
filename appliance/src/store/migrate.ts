/**
 * Applies pending migrations in version order, each in its own transaction together with
 * its row in schema_migrations, so that a crash leaves the schema at a known version.
 */
import type { Migration } from './migrations/index.js';
import type { SqliteConnection } from './sqlite-connection.js';

export async function migrate(
  conn: SqliteConnection,
  migrations: readonly Migration[],
): Promise<number> {
  await conn.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  const row = await conn.get<{ v: number | null }>(
    'SELECT MAX(version) AS v FROM schema_migrations',
  );
  const current = row?.v ?? 0;
  const known = Math.max(0, ...migrations.map((m) => m.version));
  if (current > known) {
    throw new Error(
      `database schema version ${current} is newer than this software knows (${known})`,
    );
  }
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    await conn.exec('BEGIN IMMEDIATE');
    try {
      await conn.exec(m.sql);
      await conn.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        m.version,
        m.name,
        new Date().toISOString(),
      ]);
      await conn.exec('COMMIT');
    } catch (err) {
      await conn.exec('ROLLBACK');
      throw err;
    }
  }
  return known;
}
