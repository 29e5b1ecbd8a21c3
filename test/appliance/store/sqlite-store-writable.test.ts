/**
 * The store knows whether the disk takes writes from its last real write: a question answers
 * from that while it is recent, a probe row is committed only when nothing was written for the
 * probe interval, and a write the file refuses turns the answer to false at once.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../appliance/src/store/sqlite-store.js';

let dir: string;
let store: SqliteStore;
let now = 0;

async function open(): Promise<SqliteStore> {
  dir = mkdtempSync(join(tmpdir(), 'cardkiosk-writable-'));
  now = 1_000;
  store = await SqliteStore.open(join(dir, 'cardkiosk.db'), {
    monotonicNow: () => now,
    probeIntervalMs: 300_000,
    retryIntervalMs: 10_000,
  });
  return store;
}

const walSize = () => statSync(join(dir, 'cardkiosk.db-wal')).size;
const probes = () =>
  store.exclusive(false, async (db) =>
    db.get<{ value: string }>("SELECT value FROM device_state WHERE key = 'health_probe'"),
  );
/** PRAGMA query_only makes SQLite refuse every write with SQLITE_READONLY, as a read-only disk does. */
const readOnly = (on: boolean) =>
  store.exclusive(false, (db) => db.exec(`PRAGMA query_only=${on ? 1 : 0}`));
const insertUser = (id: string) =>
  store.transaction((tx) =>
    tx.users.insert({
      id,
      username: id,
      displayName: id,
      roles: ['approver'],
      passcodeHash: 'x',
      mustChangePasscode: false,
      failedAttempts: 0,
      lockedUntil: null,
      disabled: false,
      createdAt: '2026-01-01T00:00:00.000Z',
    }),
  );

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteStore.isWritable', () => {
  it('probes once at open, then answers without writing until the probe interval passes', async () => {
    await open();
    expect(await probes()).toBeDefined();
    const size = walSize();
    for (let i = 0; i < 50; i++) expect(await store.isWritable()).toBe(true);
    now += 299_000;
    expect(await store.isWritable()).toBe(true);
    expect(walSize()).toBe(size);
    now += 2_000;
    const [a, b] = await Promise.all([store.isWritable(), store.isWritable()]);
    expect([a, b]).toEqual([true, true]);
    expect(walSize()).toBeGreaterThan(size);
  });

  it('counts a real write as proof, so a busy device never probes', async () => {
    await open();
    const first = (await probes())?.value;
    for (let i = 0; i < 3; i++) {
      now += 200_000;
      await insertUser(`u${i}`);
      expect(await store.isWritable()).toBe(true);
    }
    expect((await probes())?.value).toBe(first);
  });

  it('answers false as soon as a write is refused, and true again once a retry succeeds', async () => {
    await open();
    await readOnly(true);
    await expect(insertUser('refused')).rejects.toMatchObject({ code: 'SQLITE_READONLY' });
    expect(await store.isWritable()).toBe(false);
    now += 11_000;
    expect(await store.isWritable()).toBe(false); // the retry probe is refused as well
    await readOnly(false);
    expect(await store.isWritable()).toBe(false); // still within the retry interval
    now += 11_000;
    expect(await store.isWritable()).toBe(true);
  });

  it('does not count a refused change (a broken rule, not the disk) as unwritable', async () => {
    await open();
    await insertUser('twice');
    await expect(insertUser('twice')).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT' });
    expect(await store.isWritable()).toBe(true);
  });
});
