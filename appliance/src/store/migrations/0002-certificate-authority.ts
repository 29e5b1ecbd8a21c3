/** What the certificate authority remembers besides its keys: issued certificates, revocations and the CRL number. */
export const migration0002 = {
  version: 2,
  name: 'certificate authority state',
  sql: `
CREATE TABLE ca_issued_certificates (
  serial_hex TEXT PRIMARY KEY,
  card_number TEXT NOT NULL,
  certificate_der BLOB NOT NULL,
  not_after TEXT NOT NULL,
  issued_at TEXT NOT NULL,
  issuer_key_id_hex TEXT NOT NULL
);
CREATE INDEX ca_issued_card ON ca_issued_certificates(card_number);

CREATE TABLE ca_revocations (
  serial_hex TEXT PRIMARY KEY REFERENCES ca_issued_certificates(serial_hex),
  reason TEXT NOT NULL,
  revoked_at TEXT NOT NULL,
  issuer_key_id_hex TEXT NOT NULL,
  certificate_not_after TEXT NOT NULL
);
CREATE INDEX ca_revocations_issuer ON ca_revocations(issuer_key_id_hex);

CREATE TABLE ca_crl_number (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  next INTEGER NOT NULL
);
`,
};
