/**
 * Crash consistency: an Idempotency-Key is claimed in the transaction of its change and
 * answered after (status 0 and an empty body until then); the answer's secret fields are kept
 * only sealed, and only until delivered; what a creating request made is noted for rebuilding
 * an answer a crash lost. A production attempt records when the printer acknowledged the
 * blank it fed, so a restart counts as spoiled only what was physically fed.
 */
export const migration0005 = {
  version: 5,
  name: 'crash consistency',
  sql: `
ALTER TABLE idempotency_keys ADD COLUMN secrets_sealed TEXT;
ALTER TABLE idempotency_keys ADD COLUMN secrets_shown_at TEXT;
ALTER TABLE idempotency_keys ADD COLUMN resource_id TEXT;
ALTER TABLE production_attempts ADD COLUMN card_fed_at TEXT;
`,
};
