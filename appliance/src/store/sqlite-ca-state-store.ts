/** The certificate authority's state (issued certificates, revocations, CRL number) in the appliance database. */
import type {
  CaStateStore,
  IssuedCertificateRecord,
  RevocationRecord,
} from '../ca/ca-state-store.js';
import { bytesOrNull, num, str } from './row-mapping.js';
import type { Row } from './sqlite-connection.js';
import type { SqliteStore } from './sqlite-store.js';

export class SqliteCaStateStore implements CaStateStore {
  constructor(private readonly store: SqliteStore) {}

  saveIssuedCertificate(r: IssuedCertificateRecord): Promise<void> {
    return this.store.exclusive(true, async (db) => {
      await db.run(
        'INSERT INTO ca_issued_certificates (serial_hex, card_number, certificate_der, not_after, issued_at, issuer_key_id_hex) VALUES (?, ?, ?, ?, ?, ?)',
        [
          r.serialHex,
          r.cardNumber,
          Buffer.from(r.certificateDer),
          r.notAfter.toISOString(),
          r.issuedAt.toISOString(),
          r.issuerKeyIdHex,
        ],
      );
    });
  }

  findIssuedCertificate(serialHex: string): Promise<IssuedCertificateRecord | undefined> {
    return this.store.exclusive(false, async (db) => {
      const r = await db.get('SELECT * FROM ca_issued_certificates WHERE serial_hex = ?', [
        serialHex,
      ]);
      return r ? toIssued(r) : undefined;
    });
  }

  saveRevocation(r: RevocationRecord): Promise<boolean> {
    return this.store.exclusive(true, async (db) => {
      const res = await db.run(
        'INSERT OR IGNORE INTO ca_revocations (serial_hex, reason, revoked_at, issuer_key_id_hex, certificate_not_after) VALUES (?, ?, ?, ?, ?)',
        [
          r.serialHex,
          r.reason,
          r.revokedAt.toISOString(),
          r.issuerKeyIdHex,
          r.certificateNotAfter.toISOString(),
        ],
      );
      return res.changes === 1;
    });
  }

  listRevocations(issuerKeyIdHex: string): Promise<RevocationRecord[]> {
    return this.store.exclusive(false, async (db) => {
      const rows = await db.all('SELECT * FROM ca_revocations WHERE issuer_key_id_hex = ?', [
        issuerKeyIdHex,
      ]);
      return rows.map((r) => ({
        serialHex: str(r.serial_hex),
        reason: str(r.reason) as RevocationRecord['reason'],
        revokedAt: new Date(str(r.revoked_at)),
        issuerKeyIdHex: str(r.issuer_key_id_hex),
        certificateNotAfter: new Date(str(r.certificate_not_after)),
      }));
    });
  }

  allocateCrlNumber(): Promise<bigint> {
    return this.store.exclusive(true, async (db) => {
      await db.run('INSERT OR IGNORE INTO ca_crl_number (id, next) VALUES (1, 1)');
      const row = await db.get('SELECT next FROM ca_crl_number WHERE id = 1');
      const n = num(row?.next);
      await db.run('UPDATE ca_crl_number SET next = ? WHERE id = 1', [n + 1]);
      return BigInt(n);
    });
  }
}

function toIssued(r: Row): IssuedCertificateRecord {
  return {
    serialHex: str(r.serial_hex),
    cardNumber: str(r.card_number),
    certificateDer: bytesOrNull(r.certificate_der) ?? new Uint8Array(),
    notAfter: new Date(str(r.not_after)),
    issuedAt: new Date(str(r.issued_at)),
    issuerKeyIdHex: str(r.issuer_key_id_hex),
  };
}
