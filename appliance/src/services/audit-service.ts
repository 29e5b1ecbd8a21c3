/** Read the audit trail and check its hash chain. */
import type { AuditEventRecord } from '../core/records.js';
import type { AuditQuery, Store } from '../core/store-ports.js';

export class AuditService {
  constructor(private readonly store: Store) {}

  list(q: AuditQuery): Promise<AuditEventRecord[]> {
    return this.store.read((tx) => tx.audit.list(q));
  }

  verify(): Promise<{ ok: boolean; events: number; brokenAt: number | null }> {
    return this.store.read((tx) => tx.audit.verify());
  }
}
