/**
 * What was proven about a produced card: the outcome of the key-attestation check the CA ran
 * before certifying its key (verified, not_supported, unverified, not_checked) in plain words,
 * and the algorithm of the per-card management key the encoder set (3DES or AES-128/192/256),
 * which later administration of the card (unblock, renew) must use.
 */
export const migration0035 = {
  version: 35,
  name: 'card attestation and management key algorithm',
  sql: `
ALTER TABLE cards ADD COLUMN attestation TEXT;
ALTER TABLE cards ADD COLUMN attestation_detail TEXT;
ALTER TABLE cards ADD COLUMN management_key_algorithm TEXT;
`,
};
