// A `CaStateStore` held in memory, for tests and for tools that run a throw-away CA. It copies
// records on the way in and out, as a database would, so that tests cannot pass by sharing
// references.

import type { CaStateStore, IssuedCertificateRecord, RevocationRecord } from './ca-state-store.js';

export class InMemoryCaStateStore implements CaStateStore {
  private readonly issued = new Map<string, IssuedCertificateRecord>();
  private readonly revocations = new Map<string, RevocationRecord>();
  private nextCrlNumber = 1n;

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
