/**
 * A pseudo-terminal pair made by `socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B`:
 * bytes written to one end come out of the other, like a null-modem cable. The pty paths are
 * parsed from socat's stderr ("PTY is /dev/pts/N"); the links give both ends stable names so
 * that a new pair made after `stop()` appears at the same paths (a cable plugged back).
 */

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface SocatPtyPair {
  /** The /dev/pts paths socat reported, in argument order. */
  ptys: [string, string];
  links: [string, string];
  /** Kills socat (both ends vanish) and waits for it to exit. */
  stop(): Promise<void>;
}

export function socatAvailable(): boolean {
  return spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
}

export function startSocatPtyPair(
  linkA: string,
  linkB: string,
  readyTimeoutMs = 5_000,
): Promise<SocatPtyPair> {
  const child: ChildProcess = spawn(
    'socat',
    ['-d', '-d', `pty,raw,echo=0,link=${linkA}`, `pty,raw,echo=0,link=${linkB}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const timeoutError = new Error(`socat did not report its ptys within ${readyTimeoutMs} ms`);
  return new Promise((resolve, reject) => {
    const ptys: string[] = [];
    const timer = setTimeout(() => {
      void stop();
      reject(timeoutError);
    }, readyTimeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`socat exited with ${code} before it was ready`));
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      const pty = /PTY is (\S+)/.exec(line)?.[1];
      if (pty) ptys.push(pty);
      if (/starting data transfer loop/.test(line) && ptys.length === 2) {
        clearTimeout(timer);
        resolve({ ptys: [ptys[0]!, ptys[1]!], links: [linkA, linkB], stop });
      }
    });
  });
}
