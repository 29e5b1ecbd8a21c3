/**
 * Whether a system tool the tests need is installed. Outside CI a missing tool skips the
 * suite that needs it; under CI=true it is a failure, so CI can never pass by skipping.
 */
import { spawnSync } from 'node:child_process';
import { it } from 'vitest';

export function hasTool(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

type TestFn = (name: string, fn: () => Promise<void> | void, timeoutMs?: number) => void;

/** `it`, or — when a tool is missing outside CI — a skipped test; under CI a missing tool fails. */
export function itWithTools(tools: string[]): TestFn {
  const missing = tools.filter((t) => !hasTool(t));
  if (missing.length === 0) return (name, fn, timeoutMs) => it(name, fn, timeoutMs);
  if (process.env.CI === 'true') {
    return (name) =>
      it(name, () => {
        throw new Error(
          `missing system tools: ${missing.join(', ')} (CI installs them in .ci/run)`,
        );
      });
  }
  return (name, fn) => it.skipIf(true)(name, fn);
}
