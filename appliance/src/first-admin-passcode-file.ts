/**
 * The first device administrator's one-time passcode, handed over in a file when no one
 * watches the console (under systemd stdout is the journal, which is a log). The file is
 * readable by the service user only and is deleted as soon as the administrator changes the
 * passcode, not at the next start: until then it holds a working credential. A start that
 * finds the file after the change (the service stopped before it could delete it) deletes it.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from './core/store-ports.js';
import { FIRST_ADMIN_USERNAME } from './services/auth-service.js';
import type { DomainEvents } from './services/domain-events.js';
import type { Logger } from './services/ports.js';

export const FIRST_ADMIN_PASSCODE_FILE = 'first-admin-passcode';

export class FirstAdminPasscodeFile {
  readonly path: string;

  constructor(
    stateDir: string,
    private readonly log: Logger,
  ) {
    this.path = join(stateDir, FIRST_ADMIN_PASSCODE_FILE);
  }

  exists(): boolean {
    return existsSync(this.path);
  }

  /** Writes the passcode, mode 0600; the log names the file, never the passcode. */
  write(passcode: string): void {
    writeFileSync(this.path, `${passcode}\n`, { mode: 0o600 });
    this.log.warn(
      { file: this.path },
      'first start: the one-time passcode of device administrator "admin" is in this file (readable by the service user only); it is deleted once changed',
    );
  }

  /**
   * Deletes the file once the first administrator's passcode change has committed. Returns a
   * function that stops listening.
   */
  deleteOnceChanged(events: DomainEvents): () => void {
    const onChanged = ({ username }: { username: string }) => {
      if (username === FIRST_ADMIN_USERNAME) this.delete('the passcode was changed');
    };
    events.on('user.passcode_changed', onChanged);
    return () => events.off('user.passcode_changed', onChanged);
  }

  /** At start: delete a file left over from a passcode that has since been changed. */
  async deleteIfChanged(store: Pick<Store, 'read'>): Promise<void> {
    if (!this.exists()) return;
    const admin = await store.read((tx) => tx.users.getByUsername(FIRST_ADMIN_USERNAME));
    if (!admin?.mustChangePasscode) this.delete('the passcode was changed before this start');
  }

  private delete(why: string): void {
    if (!this.exists()) return;
    rmSync(this.path, { force: true });
    this.log.info({ file: this.path }, `first-admin passcode file deleted: ${why}`);
  }
}
