// A `CaStateStore` held in memory, for tests and for tools that run a throw-away CA. It copies
// records on the way in and out, as a database would, so that tests cannot pass by sharing
// references.

import type {
  CaStateStore,
  CompleteCrlRecord,
  HoldRecord,
  IssuedCertificateRecord,
  RevocationRecord,
} from './ca-state-store.js';

export class InMemoryCaStateStore implements CaStateStore {
  private readonly issued = new Map<string, IssuedCertificateRecord>();
  private readonly revocations = new Map<string, RevocationRecord>();
  private nextCrlNumber = 1n;
  private readonly holds = new Map<string, HoldRecord>();
  private readonly completeCrls: CompleteCrlRecord[] = [];

  async saveIssuedCertificate(record: IssuedCertificateRecord): Promise<void> {
    if (this.issued.has(record.serialHex)) {
      throw new Error(`serial ${record.serialHex} is already recorded`);
    }
    this.issued.set(record.serialHex, copyIssued(record));
  }

  async findIssuedCertificate(serialHex: string): Promise<IssuedCertificateRecord | undefined> {
    const record = this.issued.get(serialHex);
    return record === undefined ? undefined : copyIssued(record);
  }

  async saveRevocation(record: RevocationRecord): Promise<boolean> {
    if (this.revocations.has(record.serialHex)) return false;
    this.revocations.set(record.serialHex, copyRevocation(record));
    return true;
  }

  async listRevocations(issuerKeyIdHex: string): Promise<RevocationRecord[]> {
    return [...this.revocations.values()]
      .filter((r) => r.issuerKeyIdHex === issuerKeyIdHex)
      .map(copyRevocation);
  }

  async allocateCrlNumber(): Promise<bigint> {
    const number = this.nextCrlNumber;
    this.nextCrlNumber += 1n;
    return number;
  }

  async saveHold(record: Omit<HoldRecord, 'releasedAt'>): Promise<boolean> {
    const current = this.holds.get(record.serialHex);
    if (current && current.releasedAt === null) return false;
    this.holds.set(record.serialHex, copyHold({ ...record, releasedAt: null }));
    return true;
  }

  async releaseHold(serialHex: string, at: Date): Promise<boolean> {
    const current = this.holds.get(serialHex);
    if (!current || current.releasedAt !== null) return false;
    this.holds.set(serialHex, copyHold({ ...current, releasedAt: at }));
    return true;
  }

  async listHolds(issuerKeyIdHex: string): Promise<HoldRecord[]> {
    return [...this.holds.values()]
      .filter((h) => h.issuerKeyIdHex === issuerKeyIdHex)
      .map(copyHold);
  }

  async saveCompleteCrl(record: CompleteCrlRecord): Promise<void> {
    this.completeCrls.push({ ...record });
  }

  async oldestCurrentCompleteCrl(
    issuerKeyIdHex: string,
    at: Date,
  ): Promise<CompleteCrlRecord | undefined> {
    const found = this.completeCrls
      .filter((c) => c.issuerKeyIdHex === issuerKeyIdHex && c.nextUpdate.getTime() > at.getTime())
      .sort((a, b) => (a.crlNumber < b.crlNumber ? -1 : 1))[0];
    return found ? { ...found } : undefined;
  }
}

function copyIssued(record: IssuedCertificateRecord): IssuedCertificateRecord {
  return {
    ...record,
    certificateDer: new Uint8Array(record.certificateDer),
    notAfter: new Date(record.notAfter),
    issuedAt: new Date(record.issuedAt),
  };
}

function copyRevocation(record: RevocationRecord): RevocationRecord {
  return {
    ...record,
    revokedAt: new Date(record.revokedAt),
    certificateNotAfter: new Date(record.certificateNotAfter),
  };
}

function copyHold(record: HoldRecord): HoldRecord {
  return {
    ...record,
    heldAt: new Date(record.heldAt),
    releasedAt: record.releasedAt === null ? null : new Date(record.releasedAt),
    certificateNotAfter: new Date(record.certificateNotAfter),
  };
}
