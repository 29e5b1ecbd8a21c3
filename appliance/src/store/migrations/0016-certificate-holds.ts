/**
 * Certificate holds (RFC 5280 certificateHold) and the complete CRLs signed, so that a delta
 * CRL can name its base and carry removeFromCRL for a released hold.
 */
export const migration0016 = {
  version: 16,
  name: 'certificate holds',
  sql: `
CREATE TABLE ca_holds (
  serial_hex TEXT PRIMARY KEY REFERENCES ca_issued_certificates(serial_hex),
  held_at TEXT NOT NULL,
  released_at TEXT,
  issuer_key_id_hex TEXT NOT NULL,
  certificate_not_after TEXT NOT NULL
);
CREATE INDEX ca_holds_issuer ON ca_holds(issuer_key_id_hex);

CREATE TABLE ca_complete_crls (
  crl_number INTEGER PRIMARY KEY,
  this_update TEXT NOT NULL,
  next_update TEXT NOT NULL,
  issuer_key_id_hex TEXT NOT NULL
);
`,
};
