/**
 * Visits and what hangs off them: the visit records and their history, host notifications
 * (a durable queue with attempts), invitations, the barred persons list and the matches
 * shown to staff, the terms each walk-up accepted, and the hosts' language.
 */
export const migration0020 = {
  version: 20,
  name: 'visits, notifications, invitations, barred persons, terms',
  sql: `
CREATE TABLE invitations (
  id TEXT PRIMARY KEY,
  -- SHA-256 of the short code; the code itself is only in the visitor's e-mail.
  code_hash TEXT NOT NULL UNIQUE,
  name TEXT,
  company TEXT,
  email TEXT,
  host_person_id TEXT REFERENCES persons(id),
  process_name TEXT NOT NULL,
  first_day TEXT NOT NULL,
  last_day TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('open','used','withdrawn','expired')),
  created_by TEXT NOT NULL,
  central_id TEXT UNIQUE,
  request_id TEXT REFERENCES requests(id),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX invitations_state ON invitations(state, last_day);

CREATE TABLE visits (
  id TEXT PRIMARY KEY,
  -- Null while an invited visitor is expected: the person is recorded when they arrive.
  person_id TEXT REFERENCES persons(id),
  host_person_id TEXT REFERENCES persons(id),
  request_id TEXT UNIQUE REFERENCES requests(id),
  invitation_id TEXT UNIQUE REFERENCES invitations(id),
  state TEXT NOT NULL,
  state_reason TEXT,
  arrived_at TEXT,
  on_site_at TEXT,
  ended_at TEXT,
  -- Whether the badge came back when the visit ended (null while open or without a card).
  badge_returned INTEGER,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX visits_state ON visits(state);
CREATE INDEX visits_person ON visits(person_id);

CREATE TABLE visit_transitions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  visit_id TEXT NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
  from_state TEXT,
  to_state TEXT NOT NULL,
  event TEXT NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT,
  at TEXT NOT NULL
);
CREATE INDEX visit_transitions_visit ON visit_transitions(visit_id);

CREATE TABLE notifications (
  id TEXT PRIMARY KEY,
  channel TEXT NOT NULL CHECK (channel IN ('email','webhook')),
  topic TEXT NOT NULL,
  recipient TEXT NOT NULL,
  language TEXT NOT NULL,
  visit_id TEXT REFERENCES visits(id) ON DELETE SET NULL,
  invitation_id TEXT REFERENCES invitations(id) ON DELETE SET NULL,
  -- What to send, rendered when queued (JSON: subject, text, html or the webhook body).
  content TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued','retrying','sent','failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  last_error TEXT,
  sent_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX notifications_due ON notifications(next_attempt_at) WHERE state IN ('queued','retrying');
CREATE INDEX notifications_state ON notifications(state, created_at);

CREATE TABLE barred_persons (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  company TEXT,
  date_of_birth TEXT,
  reason TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX barred_persons_key ON barred_persons(name_key);

-- A walk-up or invitation that matched the list: shown to staff only.
CREATE TABLE barred_matches (
  request_id TEXT NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
  barred_person_id TEXT NOT NULL REFERENCES barred_persons(id) ON DELETE CASCADE,
  matched_on TEXT NOT NULL,
  at TEXT NOT NULL,
  PRIMARY KEY (request_id, barred_person_id)
);

CREATE TABLE terms_acceptances (
  request_id TEXT PRIMARY KEY REFERENCES requests(id) ON DELETE CASCADE,
  text_sha256 TEXT NOT NULL,
  language TEXT NOT NULL,
  accepted_at TEXT NOT NULL
);

CREATE TABLE host_preferences (
  person_id TEXT PRIMARY KEY REFERENCES persons(id) ON DELETE CASCADE,
  language TEXT NOT NULL
);

-- An erased person keeps the row (requests and cards refer to it) without personal data.
ALTER TABLE persons ADD COLUMN erased_at TEXT;
`,
};
