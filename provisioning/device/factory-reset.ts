/**
 * Factory reset: forget the enrollment, the device's keys and certificates, the CA, the
 * database and the site configuration, so the box can be provisioned again. Card objects the
 * central Identity Manager has not received yet (outbox events with sent_at NULL) would be
 * lost for good, so the reset refuses while there are any, unless forced. The service must be
 * stopped first (it holds the database open).
 *
 * Kept: the hardware part of config.json (printer, encoder, LEDs, listener), which describes
 * the box rather than the site.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { ProvisioningError } from '../errors.js';
import { writePrivateFile } from './device-identity.js';

export const DATABASE_FILE = 'cardkiosk.db';
const HARDWARE_CONFIG_KEYS = ['http', 'printer', 'encoder', 'leds', 'logLevel'];

/** Outbox events not yet delivered to the centre; 0 when there is no database yet. */
export async function countUnsyncedEvents(stateDir: string): Promise<number> {
  const file = join(stateDir, DATABASE_FILE);
  if (!existsSync(file)) return 0;
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const opened: sqlite3.Database = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (err) =>
      err ? reject(err) : resolve(opened),
    );
  });
  try {
    const hasOutbox = await new Promise<boolean>((resolve, reject) =>
      db.get(
        "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'outbox'",
        (err, row) => (err ? reject(err) : resolve(row !== undefined)),
      ),
    );
    if (!hasOutbox) return 0;
    return await new Promise<number>((resolve, reject) =>
      db.get('SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL', (err, row: { n: number }) =>
        err ? reject(err) : resolve(row.n),
      ),
    );
  } finally {
    await new Promise<void>((resolve) => db.close(() => resolve()));
  }
}

export interface FactoryResetResult {
  removed: string[];
  unsyncedDiscarded: number;
}

/** Errors: UNSYNCED_CARD_OBJECTS (nothing removed). */
export async function factoryReset(options: {
  stateDir: string;
  force?: boolean;
}): Promise<FactoryResetResult> {
  const { stateDir } = options;
  const unsynced = await countUnsyncedEvents(stateDir);
  if (unsynced > 0 && !options.force) {
    throw new ProvisioningError(
      'UNSYNCED_CARD_OBJECTS',
      `${unsynced} change(s) to card objects have not reached the central Identity Manager yet; connect the device and let it sync, or reset with --force to discard them`,
    );
  }
  if (!existsSync(stateDir)) return { removed: [], unsyncedDiscarded: 0 };
  const configFile = join(stateDir, 'config.json');
  const hardware: Record<string, unknown> = {};
  if (existsSync(configFile)) {
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    for (const key of HARDWARE_CONFIG_KEYS) if (key in config) hardware[key] = config[key];
  }
  const removed = readdirSync(stateDir);
  for (const entry of removed) rmSync(join(stateDir, entry), { recursive: true, force: true });
  if (Object.keys(hardware).length > 0) {
    writePrivateFile(configFile, JSON.stringify(hardware, null, 2) + '\n');
  }
  return { removed, unsyncedDiscarded: unsynced };
}
