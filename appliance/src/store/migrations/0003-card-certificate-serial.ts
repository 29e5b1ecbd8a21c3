/** The serial of a Digital ID card's certificate, so that revoking the card revokes it. */
export const migration0003 = {
  version: 3,
  name: 'card certificate serial',
  sql: `
ALTER TABLE cards ADD COLUMN certificate_serial TEXT;
ALTER TABLE cards ADD COLUMN revocation_reason TEXT;
CREATE UNIQUE INDEX cards_certificate_serial ON cards(certificate_serial) WHERE certificate_serial IS NOT NULL;
`,
};
