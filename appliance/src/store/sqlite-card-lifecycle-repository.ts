/** SQLite adapter of the card lifecycle port (migration 0017). */
import type { HoldKind } from '../core/card/card-guards.js';
import type { CardEventType, CardLifecycleState } from '../core/card/card-lifecycle.js';
import type {
  CardHoldRecord,
  CardLifecycleRepository,
  CardLinkKind,
  CardLinkRecord,
  CardRenewalRecord,
  CardTransitionRecord,
} from '../core/card/card-lifecycle-store.js';
import type { CardRecord } from '../core/records.js';
import { str, strOrNull } from './row-mapping.js';
import type { Row, SqliteConnection } from './sqlite-connection.js';
import { toCard } from './sqlite-workflow-repositories.js';

function toHold(r: Row): CardHoldRecord {
  return {
    cardId: str(r.card_id),
    kind: str(r.kind) as HoldKind,
    byUserId: strOrNull(r.by_user_id),
    by: str(r.by_label),
    reason: strOrNull(r.reason),
    since: str(r.since),
  };
}

function toLink(r: Row): CardLinkRecord {
  return {
    cardId: str(r.card_id),
    requestId: str(r.request_id),
    kind: str(r.kind) as CardLinkKind,
    reason: strOrNull(r.reason),
    createdAt: str(r.created_at),
  };
}

function toRenewal(r: Row): CardRenewalRecord {
  return {
    cardId: str(r.card_id),
    stage: str(r.stage) as CardRenewalRecord['stage'],
    newSerial: str(r.new_serial),
    oldSerial: strOrNull(r.old_serial),
    at: str(r.at),
  };
}

export class SqliteCardLifecycleRepository implements CardLifecycleRepository {
  constructor(private readonly db: SqliteConnection) {}

  async setRenewal(r: CardRenewalRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO card_renewals (card_id, stage, new_serial, old_serial, at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (card_id) DO UPDATE SET stage = excluded.stage, new_serial = excluded.new_serial,
       old_serial = excluded.old_serial, at = excluded.at`,
      [r.cardId, r.stage, r.newSerial, r.oldSerial, r.at],
    );
  }

  async renewal(cardId: string): Promise<CardRenewalRecord | null> {
    const r = await this.db.get('SELECT * FROM card_renewals WHERE card_id = ?', [cardId]);
    return r ? toRenewal(r) : null;
  }

  async renewals(): Promise<CardRenewalRecord[]> {
    return (await this.db.all('SELECT * FROM card_renewals ORDER BY at')).map(toRenewal);
  }

  async clearRenewal(cardId: string): Promise<void> {
    await this.db.run('DELETE FROM card_renewals WHERE card_id = ?', [cardId]);
  }

  async hold(cardId: string): Promise<CardHoldRecord | null> {
    const r = await this.db.get('SELECT * FROM card_holds WHERE card_id = ?', [cardId]);
    return r ? toHold(r) : null;
  }

  async setHold(h: CardHoldRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO card_holds (card_id, kind, by_user_id, by_label, reason, since) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(card_id) DO UPDATE SET kind = excluded.kind, by_user_id = excluded.by_user_id,
         by_label = excluded.by_label, reason = excluded.reason, since = excluded.since`,
      [h.cardId, h.kind, h.byUserId, h.by, h.reason, h.since],
    );
  }

  async clearHold(cardId: string): Promise<void> {
    await this.db.run('DELETE FROM card_holds WHERE card_id = ?', [cardId]);
  }

  async addTransition(t: CardTransitionRecord): Promise<void> {
    await this.db.run(
      'INSERT INTO card_transitions (card_id, from_status, to_status, event, actor, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [t.cardId, t.fromStatus, t.toStatus, t.event, t.actor, t.reason, t.at],
    );
  }

  async transitions(cardId: string): Promise<CardTransitionRecord[]> {
    const rows = await this.db.all(
      'SELECT * FROM card_transitions WHERE card_id = ? ORDER BY seq',
      [cardId],
    );
    return rows.map((r) => ({
      cardId: str(r.card_id),
      fromStatus: str(r.from_status) as CardLifecycleState,
      toStatus: str(r.to_status) as CardLifecycleState,
      event: str(r.event) as CardEventType,
      actor: str(r.actor),
      reason: strOrNull(r.reason),
      at: str(r.at),
    }));
  }

  async addLink(l: CardLinkRecord): Promise<void> {
    await this.db.run(
      'INSERT INTO card_links (card_id, request_id, kind, reason, created_at) VALUES (?, ?, ?, ?, ?)',
      [l.cardId, l.requestId, l.kind, l.reason, l.createdAt],
    );
  }

  async linksFrom(cardId: string): Promise<CardLinkRecord[]> {
    const rows = await this.db.all(
      'SELECT * FROM card_links WHERE card_id = ? ORDER BY created_at',
      [cardId],
    );
    return rows.map(toLink);
  }

  async linkToRequest(requestId: string): Promise<CardLinkRecord | null> {
    const r = await this.db.get('SELECT * FROM card_links WHERE request_id = ?', [requestId]);
    return r ? toLink(r) : null;
  }

  async pastValidity(today: string, limit: number): Promise<CardRecord[]> {
    const rows = await this.db.all(
      `SELECT * FROM cards WHERE status IN ('produced', 'collected', 'active', 'suspended')
       AND valid_until < ? ORDER BY valid_until, id LIMIT ?`,
      [today, limit],
    );
    return rows.map(toCard);
  }

  async expiringBetween(from: string, until: string, limit: number): Promise<CardRecord[]> {
    const rows = await this.db.all(
      `SELECT * FROM cards WHERE status IN ('collected', 'active', 'suspended')
       AND valid_until >= ? AND valid_until <= ? ORDER BY valid_until, id LIMIT ?`,
      [from, until, limit],
    );
    return rows.map(toCard);
  }

  async heldFor(kind: HoldKind): Promise<CardHoldRecord[]> {
    const rows = await this.db.all('SELECT * FROM card_holds WHERE kind = ?', [kind]);
    return rows.map(toHold);
  }
}
