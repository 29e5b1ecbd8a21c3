import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../appliance/src/store/sqlite-store.js';
import { countUnsyncedEvents, factoryReset } from '../../provisioning/device/factory-reset.js';
import { ProvisioningError } from '../../provisioning/errors.js';

/** Runs one statement on the appliance's database the way another process would. */
function exec(file: string, sql: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, (err) => {
      if (err) return reject(err);
      db.exec(sql, (e) => db.close(() => (e ? reject(e) : resolve())));
    });
  });
}

describe('factory reset', () => {
  let stateDir: string;
  let db: string;

  beforeEach(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'factory-reset-'));
    db = join(stateDir, 'cardkiosk.db');
    // The real schema, from the appliance's own migrations.
    const store = await SqliteStore.open(db);
    await store.close();
    for (const n of [1, 2]) {
      await exec(
        db,
        `INSERT INTO outbox (id, aggregate_type, aggregate_id, type, payload, created_at)
         VALUES ('evt-${n}', 'card', 'card-${n}', 'card.generated', '{}', '2025-01-01T00:00:00Z')`,
      );
    }
    mkdirSync(join(stateDir, 'provisioning'), { mode: 0o700 });
    writeFileSync(join(stateDir, 'provisioning', 'device-key.pem'), 'key', { mode: 0o600 });
    writeFileSync(
      join(stateDir, 'config.json'),
      JSON.stringify({
        siteName: 'Lobby',
        leds: { driver: 'gpio', pins: { green: 17, amber: 27, red: 22 } },
      }),
    );
  });

  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  it('refuses while card objects have not reached the centre, and removes nothing', async () => {
    expect(await countUnsyncedEvents(stateDir)).toBe(2);
    let error: unknown;
    try {
      await factoryReset({ stateDir });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProvisioningError);
    expect((error as ProvisioningError).code).toBe('UNSYNCED_CARD_OBJECTS');
    expect((error as Error).message).toMatch(/^2 change/);
    expect(existsSync(db)).toBe(true);
    expect(existsSync(join(stateDir, 'provisioning', 'device-key.pem'))).toBe(true);
  });

  it('goes ahead once every event is sent', async () => {
    await exec(db, `UPDATE outbox SET sent_at = '2025-01-02T00:00:00Z'`);
    const result = await factoryReset({ stateDir });
    expect(result.unsyncedDiscarded).toBe(0);
    expect(readdirSync(stateDir)).toEqual(['config.json']);
  });

  it('discards unsynced card objects with --force and keeps only the hardware settings', async () => {
    const result = await factoryReset({ stateDir, force: true });
    expect(result.unsyncedDiscarded).toBe(2);
    expect(existsSync(db)).toBe(false);
    expect(existsSync(join(stateDir, 'provisioning'))).toBe(false);
    expect(JSON.parse(readFileSync(join(stateDir, 'config.json'), 'utf8'))).toEqual({
      leds: { driver: 'gpio', pins: { green: 17, amber: 27, red: 22 } },
    });
  });

  it('has nothing to protect on a device that never started', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'factory-reset-empty-'));
    try {
      expect(await countUnsyncedEvents(empty)).toBe(0);
      await expect(factoryReset({ stateDir: empty })).resolves.toEqual({
        removed: [],
        unsyncedDiscarded: 0,
      });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
