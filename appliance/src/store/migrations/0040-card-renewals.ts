/**
 * Same-chip renewals in flight: a row is written once the CA has issued the new certificate
 * and before it goes to the card, and moves to 'recorded' in the transaction that saves the
 * renewal; it is deleted once the old certificate is revoked (superseded). Start-up
 * finishes or undoes what a row left (card-renewal-service.ts).
 */
export const migration0040 = {
  version: 40,
  name: 'card renewals in flight',
  sql: `
CREATE TABLE card_renewals (
  card_id TEXT PRIMARY KEY REFERENCES cards(id),
  stage TEXT NOT NULL CHECK (stage IN ('issued', 'recorded')),
  new_serial TEXT NOT NULL,
  old_serial TEXT,
  at TEXT NOT NULL
);
`,
};
