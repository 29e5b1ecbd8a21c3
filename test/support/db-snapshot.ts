/** Row counts of every table and the audit chain's head, to prove a refused request changed nothing. */
import type { TestApp } from './build-test-app.js';

export async function dbSnapshot(t: TestApp): Promise<Record<string, unknown>> {
  return t.store.exclusive(false, async (db) => {
    const tables = await db.all<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    );
    const snapshot: Record<string, unknown> = {};
    for (const { name } of tables) {
      if (name === 'device_state' || name === 'sessions') continue; // health probes and session touches are not workflow changes
      snapshot[name] = (await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${name}`))?.n;
    }
    snapshot.auditHead =
      (await db.get<{ hash: string }>('SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1'))
        ?.hash ?? null;
    snapshot.requestStates = await db.all(
      'SELECT id, state, state_reason, batch_id FROM requests ORDER BY id',
    );
    snapshot.cards = await db.all(
      'SELECT id, status, pin_sealed IS NULL AS pin_gone FROM cards ORDER BY id',
    );
    return snapshot;
  });
}
