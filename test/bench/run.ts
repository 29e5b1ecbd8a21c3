/**
 * `npm run bench`: every benchmark, each measuring its baseline in the same run, printed as
 * JSON so figures can be compared between runs. Speed targets live here, never in tests.
 * `npm run bench -- WORD…` runs only those whose name contains one of the words.
 */
import { runCaBench } from './ca-bench.js';
import { runPrinterBench } from './printer-bench.js';
import { runEncoderBench } from './encoder-bench.js';
import { runWorkflowBench } from './workflow-bench.js';
import { runSyncBench } from './sync-bench.js';
import { runStartupBench } from './startup-bench.js';

const benches: Array<[string, () => Promise<unknown>]> = [
  ['workflow', runWorkflowBench],
  ['printer', runPrinterBench],
  ['encoder', runEncoderBench],
  ['certificate authority', runCaBench],
  ['sync with the central Identity Manager', runSyncBench],
  ['start-up, memory and /health against a bare node:http server', runStartupBench],
];

// `npm run bench -- start-up` runs only the benchmarks whose name contains a given word.
const only = process.argv.slice(2);
for (const [name, run] of benches) {
  if (only.length > 0 && !only.some((word) => name.includes(word))) continue;
  const started = Date.now();
  const figures = await run();
  process.stdout.write(
    `\n## ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)\n${JSON.stringify(figures, null, 2)}\n`,
  );
}
