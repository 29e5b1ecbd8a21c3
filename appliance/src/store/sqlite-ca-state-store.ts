/** The certificate authority's state (issued certificates, revocations, CRL number) in the appliance database. */
import type {
  CaStateStore,
  CompleteCrlRecord,
  HoldRecord,
  IssuedCertificateRecord,
  RevocationRecord,
} from '../ca/ca-state-store.js';
import { bytesOrNull, num, str, strOrNull } from './row-mapping.js';
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

  saveHold(r: Omit<HoldRecord, 'releasedAt'>): Promise<boolean> {
    return this.store.exclusive(true, async (db) => {
      const res = await db.run(
        `INSERT INTO ca_holds (serial_hex, held_at, released_at, issuer_key_id_hex, certificate_not_after)
         VALUES (?, ?, NULL, ?, ?)
         ON CONFLICT(serial_hex) DO UPDATE SET held_at = excluded.held_at, released_at = NULL
         WHERE ca_holds.released_at IS NOT NULL`,
        [
          r.serialHex,
          r.heldAt.toISOString(),
          r.issuerKeyIdHex,
          r.certificateNotAfter.toISOString(),
        ],
      );
      return res.changes === 1;
    });
  }

  releaseHold(serialHex: string, at: Date): Promise<boolean> {
    return this.store.exclusive(true, async (db) => {
      const res = await db.run(
        'UPDATE ca_holds SET released_at = ? WHERE serial_hex = ? AND released_at IS NULL',
        [at.toISOString(), serialHex],
      );
      return res.changes === 1;
    });
  }

  listHolds(issuerKeyIdHex: string): Promise<HoldRecord[]> {
    return this.store.exclusive(false, async (db) => {
      const rows = await db.all('SELECT * FROM ca_holds WHERE issuer_key_id_hex = ?', [
        issuerKeyIdHex,
      ]);
      return rows.map((r) => {
        const released = strOrNull(r.released_at);
        return {
          serialHex: str(r.serial_hex),
          heldAt: new Date(str(r.held_at)),
          releasedAt: released === null ? null : new Date(released),
          issuerKeyIdHex: str(r.issuer_key_id_hex),
          certificateNotAfter: new Date(str(r.certificate_not_after)),
        };
      });
    });
  }

  saveCompleteCrl(r: CompleteCrlRecord): Promise<void> {
    return this.store.exclusive(true, async (db) => {
      await db.run(
        'INSERT OR IGNORE INTO ca_complete_crls (crl_number, this_update, next_update, issuer_key_id_hex) VALUES (?, ?, ?, ?)',
        [
          Number(r.crlNumber),
          r.thisUpdate.toISOString(),
          r.nextUpdate.toISOString(),
          r.issuerKeyIdHex,
        ],
      );
    });
  }

  oldestCurrentCompleteCrl(
    issuerKeyIdHex: string,
    at: Date,
  ): Promise<CompleteCrlRecord | undefined> {
    return this.store.exclusive(false, async (db) => {
      const r = await db.get(
        'SELECT * FROM ca_complete_crls WHERE issuer_key_id_hex = ? AND next_update > ? ORDER BY crl_number LIMIT 1',
        [issuerKeyIdHex, at.toISOString()],
      );
      return r
        ? {
            crlNumber: BigInt(num(r.crl_number)),
            thisUpdate: new Date(str(r.this_update)),
            nextUpdate: new Date(str(r.next_update)),
            issuerKeyIdHex: str(r.issuer_key_id_hex),
          }
        : undefined;
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
