/**
 * Start-up, footprint and /health: the built service (`node dist/appliance/src/main.js`, what
 * `npm start` and the systemd unit run) against a bare node:http server answering `{}`, started
 * the same way and measured in the same run. Per server, median of RUNS starts with existing
 * state: wall time from spawn to the first 200 on /health and the CPU time used by then; then,
 * on the last start, CONNECTIONS keep-alive connections asking /health for LOAD_MS, giving
 * requests per second, the peak resident memory (VmHWM, start and load together) and whether
 * the database or its WAL changed (writes per /health), and the server's CPU time per request
 * (steadier than req/s when other work shares the cores). Loopback only, bounded in time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  type Stats,
} from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const RUNS = 5;
const CONNECTIONS = 10;
const LOAD_MS = 3_000;
const MAX_REQUESTS = 300_000;
const START_TIMEOUT_MS = 60_000;
const CLOCK_TICKS_PER_S = 100; // USER_HZ on Linux
const APPLIANCE = 'dist/appliance/src/main.js';
const BARE = 'test/bench/bare-health-server.mjs';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** One GET /health on a fresh connection: its status code, or null when nothing listens yet. */
function probeOnce(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.setEncoding('latin1');
    socket.once('connect', () =>
      socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'),
    );
    socket.on('data', (chunk: string) => (data += chunk));
    socket.once('error', () => resolve(null));
    socket.once('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(data);
      resolve(m ? Number(m[1]) : null);
    });
  });
}

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // utime and stime are fields 14 and 15 of stat(5); here counted from field 3 (state).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
}

function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

interface Started {
  child: ChildProcess;
  startMs: number;
  cpuMs: number;
}

async function start(script: string, stateDir: string, port: number): Promise<Started> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [script], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NODE_ENV: 'production',
      CARDKIOSK_STATE_DIR: stateDir,
      CARDKIOSK_HOST: '127.0.0.1',
      CARDKIOSK_PORT: String(port),
    },
    stdio: 'ignore',
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`${script} exited during start`);
    if (performance.now() - t0 > START_TIMEOUT_MS) throw new Error(`${script}: no /health`);
    if ((await probeOnce(port)) === 200) break;
    await new Promise((r) => setTimeout(r, 2));
  }
  const startMs = performance.now() - t0;
  return { child, startMs, cpuMs: cpuMs(child.pid as number) };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Keep-alive connections each sending the next GET /health when the last answer is complete. */
async function load(
  port: number,
): Promise<{ requests: number; perSecond: number; errors: number }> {
  const request = Buffer.from('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 'latin1');
  const deadline = performance.now() + LOAD_MS;
  let requests = 0;
  let errors = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from(
      { length: CONNECTIONS },
      () =>
        new Promise<void>((resolve) => {
          const socket = connect(port, '127.0.0.1');
          socket.setNoDelay(true);
          let buffered: Buffer = Buffer.alloc(0);
          const next = () => {
            if (performance.now() >= deadline || requests >= MAX_REQUESTS) socket.end();
            else socket.write(request);
          };
          socket.once('connect', next);
          socket.on('data', (chunk: Buffer) => {
            buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
            for (;;) {
              const headerEnd = buffered.indexOf('\r\n\r\n');
              if (headerEnd < 0) return;
              const head = buffered.subarray(0, headerEnd).toString('latin1');
              const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
              if (buffered.length < headerEnd + 4 + length) return;
              if (!head.startsWith('HTTP/1.1 200')) errors++;
              requests++;
              buffered = buffered.subarray(headerEnd + 4 + length);
              next();
            }
          });
          socket.once('error', () => resolve());
          socket.once('close', () => resolve());
        }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { requests, perSecond: requests / seconds, errors };
}

/** Size, mtime and hash of every database and WAL file in the state directory. */
function storeFiles(stateDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(stateDir)) {
    if (!/\.db(-wal)?$/.test(name)) continue;
    const file = join(stateDir, name);
    const st: Stats = statSync(file);
    out[name] =
      `${st.size}:${st.mtimeMs}:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;
  }
  return out;
}

/** Waits until the database files have not changed for a second (at most 15 s). */
async function storeQuiet(stateDir: string): Promise<void> {
  let last = JSON.stringify(storeFiles(stateDir));
  let quietSince = performance.now();
  const giveUp = quietSince + 15_000;
  while (performance.now() - quietSince < 1_000 && performance.now() < giveUp) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = JSON.stringify(storeFiles(stateDir));
    if (now !== last) {
      last = now;
      quietSince = performance.now();
    }
  }
}

function walFrames(stateDir: string): number {
  const wal = join(stateDir, 'cardkiosk.db-wal');
  if (!existsSync(wal)) return 0;
  // WAL: 32-byte header, then frames of a 24-byte header and one page (4096 bytes here).
  return Math.max(0, Math.round((statSync(wal).size - 32) / (24 + 4096)));
}

interface Figures {
  startMs: number;
  cpuMs: number;
  peakRssMiB: number;
  healthPerSecond: number;
  healthRequests: number;
  /** The server's own CPU time per /health: what req/s would be if it had a core to itself. */
  cpuMsPerHealth: number;
  writesPerHealth: number;
}

async function measure(script: string): Promise<Figures> {
  const stateDir = mkdtempSync(join(tmpdir(), 'cardkiosk-bench-start-'));
  try {
    // First start creates the state (database, keys, first admin); the measured ones find it.
    const port = await freePort();
    await stop((await start(script, stateDir, port)).child);
    const starts: number[] = [];
    const cpus: number[] = [];
    let last: Started | null = null;
    for (let i = 0; i < RUNS; i++) {
      const s = await start(script, stateDir, port);
      starts.push(s.startMs);
      cpus.push(s.cpuMs);
      if (i < RUNS - 1) await stop(s.child);
      else last = s;
    }
    const running = last as Started;
    // The service's own start-up work after listen (the scheduler's catch-up, queued
    // notifications) may still be committing: count only what the /health load writes.
    await storeQuiet(stateDir);
    const before = storeFiles(stateDir);
    const framesBefore = walFrames(stateDir);
    const cpuBefore = cpuMs(running.child.pid as number);
    const loaded = await load(port);
    const loadCpuMs = cpuMs(running.child.pid as number) - cpuBefore;
    const changed = JSON.stringify(storeFiles(stateDir)) !== JSON.stringify(before);
    const frames = walFrames(stateDir) - framesBefore;
    const peak = peakRssMiB(running.child.pid as number);
    await stop(running.child);
    if (loaded.errors > 0) throw new Error(`${script}: ${loaded.errors} /health answers not 200`);
    return {
      startMs: round(median(starts), 0),
      cpuMs: round(median(cpus), 0),
      peakRssMiB: round(peak, 1),
      healthPerSecond: round(loaded.perSecond, 0),
      healthRequests: loaded.requests,
      cpuMsPerHealth: round(loadCpuMs / loaded.requests, 3),
      writesPerHealth: changed ? round(Math.max(frames, 1) / loaded.requests, 4) : 0,
    };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

export async function runStartupBench(): Promise<unknown> {
  if (!existsSync(APPLIANCE)) throw new Error(`${APPLIANCE} is missing: run npm run build first`);
  const bare = await measure(BARE);
  const appliance = await measure(APPLIANCE);
  const ratio = (a: number, b: number) => round(a / b, 2);
  return {
    method: `median of ${RUNS} starts with existing state; /health with ${CONNECTIONS} keep-alive connections for ${LOAD_MS} ms`,
    cardkiosk: appliance,
    bareNodeHttp: bare,
    ratios: {
      startToFirstHealth: { value: ratio(appliance.startMs, bare.startMs), goal: '<= 4' },
      cpuToFirstHealth: { value: ratio(appliance.cpuMs, bare.cpuMs), goal: 'none' },
      peakRss: { value: ratio(appliance.peakRssMiB, bare.peakRssMiB), goal: '<= 2' },
      healthRequestsPerSecond: {
        value: ratio(appliance.healthPerSecond, bare.healthPerSecond),
        goal: '>= 0.25',
      },
      healthCpuPerRequest: {
        // bare / cardkiosk, comparable to the req/s ratio but steady on a busy machine.
        value: ratio(bare.cpuMsPerHealth, appliance.cpuMsPerHealth),
        goal: '>= 0.25',
      },
      writesPerHealth: { value: appliance.writesPerHealth, goal: '0' },
    },
  };
}
