/**
 * Tells systemd how the service is doing (sd_notify): READY=1 once the database, drivers and
 * HTTP listener are up (the unit is Type=notify, so the kiosk browser waits for it), WATCHDOG=1
 * pings, STOPPING=1 and a STATUS= line for `systemctl status`.
 *
 * Why a child process: the notify socket ($NOTIFY_SOCKET) is an AF_UNIX datagram socket and
 * Node has no unix datagram sockets. The npm packages that add them (sd-notify, unix-dgram)
 * are native addons built by an install script, which this project's npm blocks and a Pi
 * would have to compile. `systemd-notify` ships with systemd itself. It sends from its own PID,
 * so the unit needs NotifyAccess=all; since systemd 246 it waits (BARRIER=1) until systemd
 * has read the message, so the message is never lost to the sender exiting first.
 */
import { execFile } from 'node:child_process';

export const NOTIFY_TIMEOUT_MS = 10_000;

export interface ServiceNotifier {
  ready(status: string): Promise<void>;
  watchdog(): Promise<void>;
  stopping(): Promise<void>;
  status(text: string): Promise<void>;
}

export type NotifyCommandRunner = (
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
) => Promise<void>;

const runCommand: NotifyCommandRunner = (command, args, env) =>
  new Promise((resolve, reject) => {
    execFile(command, args, { env, timeout: NOTIFY_TIMEOUT_MS }, (err) =>
      err ? reject(err) : resolve(),
    );
  });

/** sd_notify through `systemd-notify VAR=value …`. */
export class SystemdNotifyCommand implements ServiceNotifier {
  constructor(
    private readonly socketPath: string,
    private readonly run: NotifyCommandRunner = runCommand,
    private readonly command = 'systemd-notify',
  ) {}

  ready(status: string): Promise<void> {
    return this.send({ READY: '1', STATUS: status });
  }

  watchdog(): Promise<void> {
    return this.send({ WATCHDOG: '1' });
  }

  stopping(): Promise<void> {
    return this.send({ STOPPING: '1', STATUS: 'stopping' });
  }

  status(text: string): Promise<void> {
    return this.send({ STATUS: text });
  }

  private send(fields: Record<string, string>): Promise<void> {
    // One line per field; a newline inside a value would start a field of its own.
    const args = Object.entries(fields).map(
      ([name, value]) => `${name}=${value.replace(/[\r\n]+/g, ' ')}`,
    );
    return this.run(this.command, args, { PATH: process.env.PATH, NOTIFY_SOCKET: this.socketPath });
  }
}

/** The notifier for this process: null when not started by systemd with a notify socket. */
export function notifierFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceNotifier | null {
  const socket = env.NOTIFY_SOCKET;
  return socket ? new SystemdNotifyCommand(socket) : null;
}
