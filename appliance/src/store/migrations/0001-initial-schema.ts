/** The workflow's tables: persons, requests and their transitions, card objects, production,
 * batches, number ranges, staff and sessions, the hash-chained audit trail, the outbox and
 * idempotency records. */
export const migration0001 = {
  version: 1,
  name: 'initial schema',
  sql: `
CREATE TABLE persons (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('employee','contractor','visitor')),
  name TEXT NOT NULL,
  company TEXT,
  email TEXT,
  host_person_id TEXT REFERENCES persons(id),
  valid_until TEXT,
  photo_mime TEXT,
  photo BLOB,
  central_id TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX persons_name ON persons(name COLLATE NOCASE);

CREATE TABLE batches (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  state TEXT NOT NULL CHECK (state IN ('open','running','completed')),
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT
);

CREATE TABLE requests (
  id TEXT PRIMARY KEY,
  process_name TEXT NOT NULL,
  person_id TEXT NOT NULL REFERENCES persons(id),
  channel TEXT NOT NULL,
  state TEXT NOT NULL,
  state_reason TEXT,
  requested_by_user_id TEXT,
  requested_by TEXT NOT NULL,
  status_code_hash TEXT UNIQUE,
  batch_id TEXT REFERENCES batches(id),
  purpose TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX requests_state ON requests(state);
CREATE INDEX requests_person ON requests(person_id);
CREATE INDEX requests_batch ON requests(batch_id);

CREATE TABLE request_transitions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id TEXT NOT NULL REFERENCES requests(id),
  from_state TEXT,
  to_state TEXT NOT NULL,
  event TEXT NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT,
  at TEXT NOT NULL
);
CREATE INDEX request_transitions_request ON request_transitions(request_id);

CREATE TABLE cards (
  id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL UNIQUE REFERENCES requests(id),
  card_number TEXT NOT NULL UNIQUE,
  card_type TEXT NOT NULL,
  id_type TEXT NOT NULL,
  status TEXT NOT NULL,
  pin_sealed TEXT,
  puk_sealed TEXT NOT NULL,
  guid TEXT NOT NULL UNIQUE,
  valid_from TEXT NOT NULL,
  valid_until TEXT NOT NULL,
  chip_serial TEXT,
  certificate_der BLOB,
  pin_revealed_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX cards_status ON cards(status);

CREATE TABLE production_attempts (
  id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL REFERENCES requests(id),
  card_id TEXT NOT NULL REFERENCES cards(id),
  attempt INTEGER NOT NULL,
  batch_id TEXT REFERENCES batches(id),
  started_at TEXT NOT NULL,
  finished_at TEXT,
  outcome TEXT NOT NULL CHECK (outcome IN ('running','succeeded','failed')),
  reason TEXT,
  spoiled_cards INTEGER NOT NULL DEFAULT 0,
  bytes_sent INTEGER NOT NULL DEFAULT 0,
  printer TEXT NOT NULL,
  encoder TEXT NOT NULL,
  UNIQUE (request_id, attempt)
);

-- Numbers once handed out are never handed out again: next only moves forward, and
-- cards.card_number is unique.
CREATE TABLE number_ranges (
  id TEXT PRIMARY KEY,
  ordinal INTEGER NOT NULL,
  first INTEGER NOT NULL,
  last INTEGER NOT NULL,
  next INTEGER NOT NULL,
  CHECK (last >= first AND next >= first AND next <= last + 1)
);

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE COLLATE NOCASE,
  display_name TEXT NOT NULL,
  roles TEXT NOT NULL,
  passcode_hash TEXT NOT NULL,
  must_change_passcode INTEGER NOT NULL,
  failed_attempts INTEGER NOT NULL DEFAULT 0,
  locked_until TEXT,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);

CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL
);

CREATE TABLE audit_events (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  object_type TEXT NOT NULL,
  object_id TEXT NOT NULL,
  details TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_object ON audit_events(object_type, object_id);

CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  aggregate_type TEXT NOT NULL,
  aggregate_id TEXT NOT NULL,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  priority INTEGER NOT NULL DEFAULT 10,
  created_at TEXT NOT NULL,
  sent_at TEXT
);
CREATE INDEX outbox_pending ON outbox(sent_at, priority, seq);

-- Small device facts (first start done, last health probe).
CREATE TABLE device_state (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE idempotency_keys (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  status_code INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (scope, key)
);
`,
};
