/**
 * Sync with the central Identity Manager: the PUK escrowed to the centre's key on each card,
 * delivery bookkeeping on the outbox (rejected events, attempts), the ids the centre gave
 * to the device's objects, and the persons learned from the central directory.
 */
export const migration0004 = {
  version: 4,
  name: 'central sync',
  sql: `
-- The PUK sealed to the central Identity Manager's public key; the device cannot open it.
ALTER TABLE cards ADD COLUMN puk_escrow TEXT;

-- An event the centre refused for good (a 4xx on that operation): kept, counted, not resent.
ALTER TABLE outbox ADD COLUMN rejected_at TEXT;
ALTER TABLE outbox ADD COLUMN last_error TEXT;
DROP INDEX outbox_pending;
CREATE INDEX outbox_pending ON outbox(sent_at, rejected_at, priority, seq);
CREATE INDEX outbox_aggregate ON outbox(aggregate_type, aggregate_id, seq);
-- Waiting events in seq order without sorting the backlog on every batch.
CREATE INDEX outbox_waiting ON outbox(seq) WHERE sent_at IS NULL AND rejected_at IS NULL;

-- The centre's id for each object the device created there (SCIM ids are the server's).
CREATE TABLE sync_links (
  aggregate_type TEXT NOT NULL,
  aggregate_id TEXT NOT NULL,
  central_id TEXT NOT NULL,
  linked_at TEXT NOT NULL,
  PRIMARY KEY (aggregate_type, aggregate_id)
);

CREATE UNIQUE INDEX persons_central_id ON persons(central_id) WHERE central_id IS NOT NULL;
`,
};
