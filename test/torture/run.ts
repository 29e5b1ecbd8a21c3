/**
 * The full crash-torture run: `npm run torture -- <kills> [seed]` (default 100 kills, a random
 * seed). Prints the seed first, so a failure is reproduced with the same command and seed.
 */
import { runCrashTorture } from '../support/crash-torture.js';

const kills = Number(process.argv[2] ?? '100');
const seed = process.argv[3] !== undefined ? Number(process.argv[3]) : Date.now() % 2 ** 31;
if (!Number.isInteger(kills) || kills < 1 || !Number.isInteger(seed)) {
  console.error('usage: npm run torture -- <kills> [seed]');
  process.exit(2);
}
console.log(`crash torture: ${kills} kills, seed ${seed}`);
runCrashTorture({ kills, seed, log: (line) => console.log(line) }).then(
  (report) => {
    console.log(JSON.stringify(report, null, 2));
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
