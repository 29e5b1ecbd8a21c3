/**
 * pcscd with the vpcd virtual reader for integration tests. `ensurePcscd()` starts pcscd
 * (foreground, as a child of the test process; the tests run as root) unless one is
 * already running, then polls — with a bound, no fixed sleeps — until pcsclite lists the
 * vpcd readers. `restartPcscd()` stops and starts the pcscd this module started.
 *
 * Missing tools: in CI (`CI=true`) a test that needs them must fail, elsewhere it may
 * skip; `requireTools` implements that rule.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { listPcscReaders } from '../../drivers/encoder/pcsc-piv-encoder.js';

export const VPCD_READERS = ['Virtual PCD 00 00', 'Virtual PCD 00 01'] as const;
export const VPCD_PORTS = { 'Virtual PCD 00 00': 35_963, 'Virtual PCD 00 01': 35_964 } as const;
const VPCD_DRIVER = '/usr/lib/pcsc/drivers/serial/libifdvpcd.so';
const READERS_TIMEOUT_MS = 15_000;
const POLL_INTERVAL_MS = 100;
const STOP_TIMEOUT_MS = 5_000;

export const inCi = (): boolean => process.env.CI === 'true';

function onPath(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** What is missing of `tools` (binaries on PATH; 'vpcd' means the vpcd reader driver). */
export function missingTools(tools: readonly string[]): string[] {
  return tools.filter((tool) => (tool === 'vpcd' ? !existsSync(VPCD_DRIVER) : !onPath(tool)));
}

/**
 * Returns undefined when every tool is there, else a reason to skip. In CI it throws
 * instead, so that the test fails.
 */
export function requireTools(tools: readonly string[]): string | undefined {
  const missing = missingTools(tools);
  if (missing.length === 0) return undefined;
  const reason = `missing: ${missing.join(', ')} (apt-get install pcscd vsmartcard-vpcd opensc yubico-piv-tool)`;
  if (inCi()) throw new Error(reason);
  return reason;
}

let child: ChildProcess | null = null;

function pcscdRunning(): boolean {
  return spawnSync('pgrep', ['-x', 'pcscd'], { stdio: 'ignore' }).status === 0;
}

async function pollUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

async function waitForVpcdReaders(): Promise<void> {
  await pollUntil(
    async () => {
      const readers = await listPcscReaders(500);
      return VPCD_READERS.every((name) => readers.includes(name));
    },
    READERS_TIMEOUT_MS,
    'pcscd to list the vpcd readers',
  );
}

function startChild(): void {
  const started = spawn('pcscd', ['--foreground'], { stdio: 'ignore' });
  started.on('error', () => undefined);
  started.on('exit', () => {
    if (child === started) child = null;
  });
  child = started;
}

/** Make sure pcscd runs with the vpcd readers visible. Returns whether this process started it. */
export async function ensurePcscd(): Promise<{ started: boolean }> {
  let started = false;
  if (!pcscdRunning()) {
    startChild();
    started = true;
  }
  await waitForVpcdReaders();
  return { started };
}

export function ownsPcscd(): boolean {
  return child !== null;
}

/** Stop the pcscd this module started; resolves once it has exited. */
export async function stopPcscd(): Promise<void> {
  const running = child;
  if (!running) return;
  const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
  running.kill('SIGTERM');
  const timer = setTimeout(() => running.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
  // pcscd removes its socket on the way out; wait until no pcscd is left.
  await pollUntil(() => !pcscdRunning(), STOP_TIMEOUT_MS, 'pcscd to exit');
}

/** Restart the pcscd this module started (as a pcscd crash or package upgrade would). */
export async function restartPcscd(): Promise<void> {
  if (!child) throw new Error('restartPcscd: pcscd was not started by this test process');
  await stopPcscd();
  startChild();
  await waitForVpcdReaders();
}

/**
 * Run a command and capture its output (tools get PINs as arguments, never from a TTY).
 * Asynchronous on purpose: the emulated card answers from this same process, so a
 * synchronous spawn would leave the tool waiting for a card that cannot reply.
 */
export function runTool(
  command: string,
  args: readonly string[],
  timeoutMs = 60_000,
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('error', (error) => {
      clearTimeout(timer);
      resolve({ status: -1, stdout, stderr: stderr + error.message });
    });
    proc.on('close', (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, stdout, stderr });
    });
  });
}

/** OpenSC's reader index for a reader name (`opensc-tool -l`). */
export async function openscReaderIndex(name: string): Promise<number> {
  const listing = (await runTool('opensc-tool', ['-l'])).stdout;
  for (const line of listing.split('\n')) {
    const match =
      /^(\d+)\s+\S+\s+.*?\s{2,}(.+)$/.exec(line.trim()) ??
      /^(\d+)\s+(?:Yes|No)\s+(.+)$/.exec(line.trim());
    if (match && match[2]!.trim() === name) return Number(match[1]);
  }
  throw new Error(`opensc-tool does not list reader ${name}`);
}

/** OpenSC's PKCS#11 module (its directory depends on the machine's architecture). */
export function openscPkcs11Module(): string {
  for (const dir of [
    '/usr/lib',
    ...readdirSync('/usr/lib')
      .filter((d) => d.endsWith('-linux-gnu'))
      .map((d) => `/usr/lib/${d}`),
  ]) {
    const candidate = `${dir}/opensc-pkcs11.so`;
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('opensc-pkcs11.so not found (apt-get install opensc-pkcs11)');
}
