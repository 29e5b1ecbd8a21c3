/**
 * Sync with the central Identity Manager: the time to drain 10,000 waiting events into the
 * central test server over SCIM Bulk with mutual TLS on loopback, against the server's own
 * time to apply and commit them (measured by the server in the same run), so the ratio shows
 * what the relay, TLS and HTTP add. Also the cost of adding one event (one committed
 * transaction) with 10,000 waiting against with none, and of choosing the next batch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ScimIdentityManagerClient } from '../../appliance/src/central/scim-identity-manager-client.js';
import { systemClock } from '../../appliance/src/crypto/node-random-source.js';
import { silentLogger } from '../../appliance/src/services/ports.js';
import type { CentralInbox } from '../../appliance/src/services/sync/central-inbox.js';
import { SyncService } from '../../appliance/src/services/sync/sync-service.js';
import { SYNC_DEFAULTS } from '../../appliance/src/config.js';
import { SqliteStore } from '../../appliance/src/store/sqlite-store.js';
import { SCIM_BASE_PATH } from '../../provisioning/central/central-server.js';
import { startCentral } from '../support/central-fixture.js';
import { seedBacklog } from '../support/sync-backlog.js';

const WAITING_EVENTS = 10_000;
const ADDS = 200;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function addCostUs(store: SqliteStore): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < ADDS; i++) {
    const at = new Date().toISOString();
    const start = performance.now();
    await store.transaction((tx) =>
      tx.outbox.add(
        {
          aggregateType: 'batch',
          aggregateId: `bench-${i}`,
          type: 'batch.created',
          payload: { name: `bench ${i}`, at },
        },
        at,
      ),
    );
    samples.push((performance.now() - start) * 1000);
  }
  return Math.round(median(samples));
}

export async function runSyncBench(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'cardkiosk-sync-bench-'));
  const fx = await startCentral('kiosk-bench');
  try {
    const empty = await SqliteStore.open(join(dir, 'empty.db'));
    const addEmptyUs = await addCostUs(empty);
    await empty.close();

    const loaded = await SqliteStore.open(join(dir, 'loaded.db'));
    await seedBacklog(loaded, WAITING_EVENTS / 4 + ADDS / 4);
    const addLoadedUs = await addCostUs(loaded);

    const store = await SqliteStore.open(join(dir, 'drain.db'));
    const events = await seedBacklog(store, WAITING_EVENTS / 4);
    const selectStart = performance.now();
    await store.read((tx) => tx.outbox.nextForDelivery(SYNC_DEFAULTS.batchSize));
    const selectMs = performance.now() - selectStart;

    // Straight to the server (no proxy), as a device on the same network would.
    const client = new ScimIdentityManagerClient({
      baseUrl: `https://127.0.0.1:${fx.centralPort}${SCIM_BASE_PATH}`,
      tls: { certFile: fx.device.certFile, keyFile: fx.device.keyFile, caFile: fx.pki.caCert },
      requestTimeoutMs: 60_000,
      log: silentLogger,
    });
    const noInbox = {
      apply: async () => ({
        personsAdded: 0,
        personsUpdated: 0,
        decisionsApplied: 0,
        revocationsApplied: 0,
        rangesAdded: 0,
        skipped: 0,
      }),
    } as unknown as CentralInbox;
    const sync = new SyncService({
      store,
      client,
      inbox: noInbox,
      clock: systemClock,
      log: silentLogger,
      options: { ...SYNC_DEFAULTS, numberRanges: { lowWater: 0, leaseSize: 1 } },
    });
    const before = { ...fx.central.stats };
    const start = performance.now();
    await sync.runOnce();
    const drainMs = performance.now() - start;
    const left = await store.read((tx) => tx.outbox.deliveryStats());
    const applyMs = fx.central.stats.applyMs - before.applyMs;
    await client.close();
    await store.close();
    await loaded.close();
    return {
      events,
      batchSize: SYNC_DEFAULTS.batchSize,
      bulkRequests: fx.central.stats.bulkRequests - before.bulkRequests,
      drainMs: Math.round(drainMs),
      eventsPerSecond: Math.round((events / drainMs) * 1000),
      centralApplyMs: Math.round(applyMs),
      drainOverCentralApply: Number((drainMs / applyMs).toFixed(2)),
      leftWaiting: left.pending,
      addOneEventMedianUs: { noneWaiting: addEmptyUs, tenThousandWaiting: addLoadedUs },
      chooseNextBatchMsWith10kWaiting: Number(selectMs.toFixed(2)),
    };
  } finally {
    await fx.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
