/**
 * The card's life after production: lifecycle history, holds (why a card is suspended and by
 * whom), and links from a card to the requests made after it for the same person.
 */
export const migration0017 = {
  version: 17,
  name: 'card lifecycle',
  sql: `
CREATE TABLE card_transitions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  card_id TEXT NOT NULL REFERENCES cards(id),
  from_status TEXT NOT NULL,
  to_status TEXT NOT NULL,
  event TEXT NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT,
  at TEXT NOT NULL
);
CREATE INDEX card_transitions_card ON card_transitions(card_id, seq);

CREATE TABLE card_holds (
  card_id TEXT PRIMARY KEY REFERENCES cards(id),
  kind TEXT NOT NULL CHECK (kind IN ('staff', 'central', 'temporary_card')),
  by_user_id TEXT,
  by_label TEXT NOT NULL,
  reason TEXT,
  since TEXT NOT NULL
);

CREATE TABLE card_links (
  card_id TEXT NOT NULL REFERENCES cards(id),
  request_id TEXT NOT NULL UNIQUE REFERENCES requests(id),
  kind TEXT NOT NULL CHECK (kind IN ('replacement', 'renewal', 'temporary')),
  reason TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (card_id, request_id)
);

CREATE INDEX cards_status_valid_until ON cards(status, valid_until);
`,
};
