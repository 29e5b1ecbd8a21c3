/**
 * A stand-in for systemd's notify socket: a unix datagram socket (python3, since Node has none)
 * that records every sd_notify message. Reading without ancillary data drops the fd that
 * systemd-notify's BARRIER=1 passes, which is what completes the barrier, as systemd does.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const RECEIVER = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("listening", flush=True)
while True:
    print(s.recv(65536).decode().replace("\\n", "|"), flush=True)
`;

export interface NotifySocketListener {
  path: string;
  /** Messages so far, each with its fields joined by "|". */
  messages: string[];
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  close(): void;
}

export async function listenOnNotifySocket(path: string): Promise<NotifySocketListener> {
  const child = spawn('python3', ['-c', RECEIVER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (m: string) => void }> = [];
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'listening') return resolve();
      messages.push(line);
      for (const w of [...waiters]) {
        if (w.pattern.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    });
  });
  return {
    path,
    messages,
    waitFor(pattern, timeoutMs = 20_000) {
      const seen = messages.find((m) => pattern.test(m));
      if (seen) return Promise.resolve(seen);
      const error = new Error(`no notify message matched ${pattern} within ${timeoutMs} ms`);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(error), timeoutMs);
        waiters.push({
          pattern,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
      });
    },
    close() {
      child.kill('SIGTERM');
    },
  };
}
