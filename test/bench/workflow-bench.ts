/**
 * The workflow's own cost per card, for a 100-card mass batch on simulated devices with zero
 * device delay, against the cost of one synchronous=FULL single-row commit by the sqlite3
 * driver measured in the same run and the same directory: the ratio shows what the workflow
 * costs beyond durability. Two device setups: interface-level devices that cost nothing (the
 * appliance alone), and the protocol-level simulators at zero cycle time (driver framing,
 * APDUs and the simulators' own work included).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import sqlite3 from 'sqlite3';
import { createSimulatedPivEncoder } from '../../drivers/encoder/simulated-piv-encoder.js';
import { createSimulatedCardPrinter } from '../../drivers/printer/index.js';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { FakeCardPrinter, FakePivEncoder } from '../support/fake-devices.js';
import {
  addPerson,
  crewFor,
  ok,
  post,
  produceCard,
  type Crew,
} from '../support/workflow-driver.js';

const CARDS = 100;
const COMMITS = 200;

async function commitBaselineMs(dir: string): Promise<number> {
  const db = new sqlite3.Database(join(dir, 'baseline.db'));
  const run = (sql: string, params: unknown[] = []) =>
    new Promise<void>((resolve, reject) =>
      db.run(sql, params, (err) => (err ? reject(err) : resolve())),
    );
  await run('PRAGMA journal_mode=WAL');
  await run('PRAGMA synchronous=FULL');
  await run('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  for (let i = 0; i < 20; i++) await run('INSERT INTO t (v) VALUES (?)', ['warm-up']);
  const start = performance.now();
  for (let i = 0; i < COMMITS; i++) await run('INSERT INTO t (v) VALUES (?)', [`row ${i}`]);
  const ms = (performance.now() - start) / COMMITS;
  await new Promise<void>((resolve) => db.close(() => resolve()));
  return ms;
}

/** Cards run first and not measured, so that JIT warm-up is not billed to the workflow. */
const WARM_UP_CARDS = 10;

type BatchFigures = {
  prepareMsPerCard: number;
  produceMsPerCard: number;
  totalMsPerCard: number;
  produced: number;
};

/** Request, approve-free card generation and mass choice for each card, then one batch run. */
async function batchRun(
  t: TestApp,
  crew: Crew,
  cards: number,
  batchName: string,
): Promise<BatchFigures> {
  const start = performance.now();
  for (let i = 0; i < cards; i++) {
    const personId = await addPerson(t, crew.officer, 'visitor');
    const { id } = await produceCard(t, crew.officer, personId, 'CCProcVisitorCardWithoutApproval');
    await ok(post(t, crew.producer, `/api/requests/${id}/production`, { mode: 'mass', batchName }));
  }
  const prepared = performance.now();
  const batch = (await t.store.read((tx) => tx.batches.getByName(batchName)))!;
  await ok(post(t, crew.producer, `/api/batches/${batch.id}/run`), 202);
  await t.appliance.services.production.whenIdle();
  const done = performance.now();
  const report = await ok(
    t.call({ method: 'GET', url: `/api/batches/${batch.id}`, cookie: crew.producer.cookie }),
  );
  return {
    prepareMsPerCard: (prepared - start) / cards,
    produceMsPerCard: (done - prepared) / cards,
    totalMsPerCard: (done - start) / cards,
    produced: report.totals.produced,
  };
}

async function measured(t: TestApp): Promise<BatchFigures> {
  try {
    const crew = await crewFor(t);
    await batchRun(t, crew, WARM_UP_CARDS, 'warm-up');
    return await batchRun(t, crew, CARDS, 'bench');
  } finally {
    await t.dispose();
  }
}

export async function runWorkflowBench(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'cardkiosk-bench-'));
  try {
    const commitMs = await commitBaselineMs(dir);
    const appliance = await measured(
      await buildTestApp({
        stateDir: join(dir, 'fake'),
        printer: new FakeCardPrinter(),
        encoder: new FakePivEncoder(),
      }),
    );
    const simulated = await measured(
      await buildTestApp({
        stateDir: join(dir, 'sims'),
        printer: createSimulatedCardPrinter({
          device: { timeScale: 0, cardsInFeeder: 1000, ribbonPrints: 1000 },
        }),
        encoder: createSimulatedPivEncoder(),
      }),
    );
    const round = (n: number) => Math.round(n * 100) / 100;
    return {
      cards: CARDS,
      sqliteFullCommitMs: round(commitMs),
      applianceOnly: {
        ...mapValues(appliance, round),
        ratioToCommit: round(appliance.totalMsPerCard / commitMs),
      },
      protocolSimulators: {
        ...mapValues(simulated, round),
        ratioToCommit: round(simulated.totalMsPerCard / commitMs),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function mapValues<T extends Record<string, number>>(o: T, f: (n: number) => number): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)])) as T;
}
