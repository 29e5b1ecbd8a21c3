/**
 * `npm run bench`: every benchmark, each measuring its baseline in the same run, printed as
 * JSON so figures can be compared between runs. Speed targets live here, never in tests.
 */
import { runCaBench } from './ca-bench.js';
import { runPrinterBench } from './printer-bench.js';
import { runEncoderBench } from './encoder-bench.js';
import { runWorkflowBench } from './workflow-bench.js';
import { runSyncBench } from './sync-bench.js';

const benches: Array<[string, () => Promise<unknown>]> = [
  ['workflow', runWorkflowBench],
  ['printer', runPrinterBench],
  ['encoder', runEncoderBench],
  ['certificate authority', runCaBench],
  ['sync with the central Identity Manager', runSyncBench],
];

for (const [name, run] of benches) {
  const started = Date.now();
  const figures = await run();
  process.stdout.write(
    `\n## ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)\n${JSON.stringify(figures, null, 2)}\n`,
  );
}
