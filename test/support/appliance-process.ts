/**
 * Runs the real appliance (appliance/src/main.ts) as a child process on a temporary state
 * directory and a free port, as `npm start` would, and talks to it over real HTTP. For tests
 * of the composition root, first start and restarts after SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface ApplianceProcess {
  url: string;
  output: string[];
  child: ChildProcess;
  /** Resolves with the first output line that matches. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export async function startApplianceProcess(
  stateDir: string,
  port: number,
  config: object = {},
  env: NodeJS.ProcessEnv = {},
  /** Node's arguments: the source under tsx unless a built entry is given. */
  nodeArgs: string[] = ['--import', 'tsx', 'appliance/src/main.ts'],
): Promise<ApplianceProcess> {
  writeFileSync(join(stateDir, 'config.json'), JSON.stringify(config));
  const child = spawn(process.execPath, nodeArgs, {
    cwd: new URL('../..', import.meta.url).pathname,
    env: {
      ...process.env,
      CARDKIOSK_STATE_DIR: stateDir,
      CARDKIOSK_PORT: String(port),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      output.push(line);
      for (const w of [...waiters]) {
        if (w.pattern.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    });
  }
  const proc: ApplianceProcess = {
    url: `http://127.0.0.1:${port}`,
    output,
    child,
    waitForLine(pattern, timeoutMs = 60_000) {
      const seen = output.find((l) => pattern.test(l));
      if (seen) return Promise.resolve(seen);
      const error = new Error(`no output line matched ${pattern} within ${timeoutMs} ms`);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(Object.assign(error, { message: `${error.message}\n${output.join('\n')}` })),
          timeoutMs,
        );
        const onExit = () =>
          reject(
            new Error(`the appliance exited before printing ${pattern}:\n${output.join('\n')}`),
          );
        child.once('exit', onExit);
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            child.off('exit', onExit);
            resolve(line);
          },
        });
      });
    },
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  await proc.waitForLine(/cardkiosk ready/);
  return proc;
}

/** A small cookie-keeping JSON client for one user. */
export class HttpSession {
  private cookie = '';
  constructor(private readonly base: string) {}

  async call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.cookie ? { cookie: this.cookie } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null };
  }
}
