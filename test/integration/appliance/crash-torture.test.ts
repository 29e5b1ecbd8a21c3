/**
 * A bounded crash-torture run in the suite (test/support/crash-torture.ts says what it
 * checks): 20 SIGKILLs of the real appliance process. The seed is printed; set
 * CARDKIOSK_TORTURE_SEED to replay a failing one. `npm run torture -- <kills>` runs longer.
 */
import { expect, it } from 'vitest';
import { runCrashTorture } from '../../support/crash-torture.js';

/** 20 in the suite; CARDKIOSK_TORTURE_KILLS changes it for a local run. */
const KILLS = Number(process.env.CARDKIOSK_TORTURE_KILLS ?? '20');

it('loses, repeats and strands nothing when killed at random moments, and stops in time', async () => {
  const seed = Number(process.env.CARDKIOSK_TORTURE_SEED ?? Date.now() % 2 ** 31);
  console.log(`crash torture seed ${seed} (CARDKIOSK_TORTURE_SEED=${seed} to replay)`);
  const report = await runCrashTorture({ kills: KILLS, seed });
  console.log(JSON.stringify(report));
  expect(report.kills).toBe(KILLS);
  expect(report.replays).toBeGreaterThan(0);
  expect(report.spoiled + report.cardsProduced).toBe(report.blanksFed);
}, 300_000);
