/**
 * SQLite adapters for visits, notifications, invitations, the barred persons list and the
 * retention job's deletions (migration 0020).
 */
import type { Page } from '../core/store-ports.js';
import type {
  BarredMatchRecord,
  BarredPersonRecord,
  BarredPersonRepository,
  InvitationRecord,
  InvitationRepository,
  InvitationState,
  NotificationQuery,
  NotificationRecord,
  NotificationRepository,
  RetentionRepository,
  TermsAcceptanceRecord,
  VisitQuery,
  VisitRecord,
  VisitRepository,
  VisitTransitionRecord,
  VisitView,
} from '../core/visit/visit-records.js';
import type { NotificationState } from '../core/notification/notification-machine.js';
import { NOTIFICATION_STATES } from '../core/notification/notification-machine.js';
import { num, str, strOrNull, where } from './row-mapping.js';
import type { Row, SqlValue, SqliteConnection } from './sqlite-connection.js';

/** Card statuses in which a badge still opens something. */
const USABLE_CARD = "('produced','collected','active','suspended')";

const VIEW_SELECT = `
  SELECT v.*, COALESCE(p.name, i.name, '') AS p_name, COALESCE(p.company, i.company) AS p_company,
         COALESCE(p.kind, 'visitor') AS p_kind,
         (p.photo IS NOT NULL) AS p_has_photo, h.name AS h_name,
         c.id AS c_id, c.card_number AS c_number, c.status AS c_status, c.valid_until AS c_valid_until
    FROM visits v
    LEFT JOIN persons p ON p.id = v.person_id
    LEFT JOIN invitations i ON i.id = v.invitation_id
    LEFT JOIN persons h ON h.id = v.host_person_id
    LEFT JOIN cards c ON c.request_id = v.request_id`;

export class SqliteVisitRepository implements VisitRepository {
  constructor(private readonly db: SqliteConnection) {}

  async insert(v: VisitRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO visits (id, person_id, host_person_id, request_id, invitation_id, state, state_reason,
         arrived_at, on_site_at, ended_at, badge_returned, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        v.id,
        v.personId,
        v.hostPersonId,
        v.requestId,
        v.invitationId,
        v.state,
        v.stateReason,
        v.arrivedAt,
        v.onSiteAt,
        v.endedAt,
        v.badgeReturned === null ? null : v.badgeReturned ? 1 : 0,
        v.createdAt,
        v.updatedAt,
      ],
    );
  }

  async get(id: string): Promise<VisitRecord | null> {
    const row = await this.db.get('SELECT * FROM visits WHERE id = ?', [id]);
    return row ? toVisit(row) : null;
  }

  async getByRequest(requestId: string): Promise<VisitRecord | null> {
    const row = await this.db.get('SELECT * FROM visits WHERE request_id = ?', [requestId]);
    return row ? toVisit(row) : null;
  }

  async getByInvitation(invitationId: string): Promise<VisitRecord | null> {
    const row = await this.db.get('SELECT * FROM visits WHERE invitation_id = ?', [invitationId]);
    return row ? toVisit(row) : null;
  }

  async forPerson(personId: string): Promise<VisitRecord[]> {
    const rows = await this.db.all('SELECT * FROM visits WHERE person_id = ? ORDER BY created_at', [
      personId,
    ]);
    return rows.map(toVisit);
  }

  async link(
    id: string,
    changes: { personId: string; requestId: string; updatedAt: string },
  ): Promise<void> {
    await this.db.run(
      'UPDATE visits SET person_id = ?, request_id = ?, updated_at = ? WHERE id = ?',
      [changes.personId, changes.requestId, changes.updatedAt, id],
    );
  }

  async updateState(
    id: string,
    expected: VisitRecord['state'],
    next: VisitRecord['state'],
    changes: Parameters<VisitRepository['updateState']>[3],
  ): Promise<boolean> {
    const columns: Record<string, string> = {
      stateReason: 'state_reason',
      arrivedAt: 'arrived_at',
      onSiteAt: 'on_site_at',
      endedAt: 'ended_at',
      badgeReturned: 'badge_returned',
      updatedAt: 'updated_at',
    };
    const sets = ['state = ?'];
    const params: SqlValue[] = [next];
    for (const [k, v] of Object.entries(changes)) {
      sets.push(`${columns[k] as string} = ?`);
      params.push(typeof v === 'boolean' ? (v ? 1 : 0) : ((v ?? null) as SqlValue));
    }
    const res = await this.db.run(
      `UPDATE visits SET ${sets.join(', ')} WHERE id = ? AND state = ?`,
      [...params, id, expected],
    );
    return res.changes === 1;
  }

  async addTransition(t: VisitTransitionRecord): Promise<void> {
    await this.db.run(
      'INSERT INTO visit_transitions (visit_id, from_state, to_state, event, actor, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [t.visitId, t.fromState, t.toState, t.event, t.actor, t.reason, t.at],
    );
  }

  async transitions(visitId: string): Promise<VisitTransitionRecord[]> {
    const rows = await this.db.all(
      'SELECT * FROM visit_transitions WHERE visit_id = ? ORDER BY seq',
      [visitId],
    );
    return rows.map((r) => ({
      visitId: str(r.visit_id),
      fromState: strOrNull(r.from_state) as VisitTransitionRecord['fromState'],
      toState: str(r.to_state) as VisitTransitionRecord['toState'],
      event: str(r.event) as VisitTransitionRecord['event'],
      actor: str(r.actor),
      reason: strOrNull(r.reason),
      at: str(r.at),
    }));
  }

  async list(q: VisitQuery): Promise<VisitView[]> {
    const w = where({ 'v.state': q.state });
    const rows = await this.db.all(
      `${VIEW_SELECT} ${w.sql} ORDER BY v.updated_at DESC, v.id LIMIT ? OFFSET ?`,
      [...w.params, q.limit, q.offset],
    );
    return rows.map(toView);
  }

  async view(id: string): Promise<VisitView | null> {
    const row = await this.db.get(`${VIEW_SELECT} WHERE v.id = ?`, [id]);
    return row ? toView(row) : null;
  }

  async onSite(nowIso: string): Promise<VisitView[]> {
    // valid_until is a date (YYYY-MM-DD) or an instant; either compares with the ISO instant
    // as text only by its date part, so compare dates: a card valid until today is valid.
    const rows = await this.db.all(
      `${VIEW_SELECT}
        WHERE v.state = 'on_site' AND c.status IN ('collected','active')
          AND substr(c.valid_until, 1, 10) >= substr(?, 1, 10)
        ORDER BY p.name COLLATE NOCASE, v.id`,
      [nowIso],
    );
    return rows.map(toView);
  }

  async openSince(iso: string): Promise<VisitRecord[]> {
    const rows = await this.db.all(
      `SELECT * FROM visits WHERE state IN ('arrived','on_site') AND COALESCE(arrived_at, created_at) < ?
        ORDER BY created_at`,
      [iso],
    );
    return rows.map(toVisit);
  }

  async onSiteByCardNumber(cardNumber: string): Promise<VisitRecord | null> {
    const row = await this.db.get(
      `SELECT v.* FROM visits v JOIN cards c ON c.request_id = v.request_id
        WHERE c.card_number = ? AND v.state = 'on_site'`,
      [cardNumber],
    );
    return row ? toVisit(row) : null;
  }

  async onSiteByCardGuid(guid: string): Promise<VisitRecord | null> {
    const row = await this.db.get(
      `SELECT v.* FROM visits v JOIN cards c ON c.request_id = v.request_id
        WHERE c.guid = ? AND v.state = 'on_site'`,
      // Stored as lower-case hex (card-object-factory.ts); equality keeps the unique index.
      [guid.toLowerCase()],
    );
    return row ? toVisit(row) : null;
  }

  async unreturnedBadges(q: Page): Promise<VisitView[]> {
    const rows = await this.db.all(
      `${VIEW_SELECT}
        WHERE v.state IN ('ended_by_staff','ended_at_closing') AND c.id IS NOT NULL
          AND c.status <> 'returned' AND v.on_site_at IS NOT NULL
        ORDER BY v.ended_at DESC, v.id LIMIT ? OFFSET ?`,
      [q.limit, q.offset],
    );
    return rows.map(toView);
  }

  async endedWithUsableCard(): Promise<VisitRecord[]> {
    const rows = await this.db.all(
      `SELECT v.* FROM visits v JOIN cards c ON c.request_id = v.request_id
        WHERE v.state IN ('left','ended_by_staff','ended_at_closing') AND v.on_site_at IS NOT NULL
          AND c.status IN ${USABLE_CARD}`,
    );
    return rows.map(toVisit);
  }

  async recordTerms(t: TermsAcceptanceRecord): Promise<void> {
    await this.db.run(
      'INSERT INTO terms_acceptances (request_id, text_sha256, language, accepted_at) VALUES (?, ?, ?, ?)',
      [t.requestId, t.textSha256, t.language, t.acceptedAt],
    );
  }

  async terms(requestId: string): Promise<TermsAcceptanceRecord | null> {
    const r = await this.db.get('SELECT * FROM terms_acceptances WHERE request_id = ?', [
      requestId,
    ]);
    return r
      ? {
          requestId: str(r.request_id),
          textSha256: str(r.text_sha256),
          language: str(r.language),
          acceptedAt: str(r.accepted_at),
        }
      : null;
  }

  async hostLanguage(personId: string): Promise<string | null> {
    const r = await this.db.get('SELECT language FROM host_preferences WHERE person_id = ?', [
      personId,
    ]);
    return r ? str(r.language) : null;
  }

  async setHostLanguage(personId: string, language: string): Promise<void> {
    await this.db.run(
      'INSERT INTO host_preferences (person_id, language) VALUES (?, ?) ON CONFLICT(person_id) DO UPDATE SET language = excluded.language',
      [personId, language],
    );
  }
}

function toVisit(r: Row): VisitRecord {
  return {
    id: str(r.id),
    personId: strOrNull(r.person_id),
    hostPersonId: strOrNull(r.host_person_id),
    requestId: strOrNull(r.request_id),
    invitationId: strOrNull(r.invitation_id),
    state: str(r.state) as VisitRecord['state'],
    stateReason: strOrNull(r.state_reason),
    arrivedAt: strOrNull(r.arrived_at),
    onSiteAt: strOrNull(r.on_site_at),
    endedAt: strOrNull(r.ended_at),
    badgeReturned:
      r.badge_returned === null || r.badge_returned === undefined
        ? null
        : num(r.badge_returned) === 1,
    createdAt: str(r.created_at),
    updatedAt: str(r.updated_at),
  };
}

function toView(r: Row): VisitView {
  return {
    ...toVisit(r),
    name: str(r.p_name),
    company: strOrNull(r.p_company),
    kind: str(r.p_kind) as VisitView['kind'],
    hostName: strOrNull(r.h_name),
    cardId: strOrNull(r.c_id),
    cardNumber: strOrNull(r.c_number),
    cardStatus: strOrNull(r.c_status),
    cardValidUntil: strOrNull(r.c_valid_until),
    hasPhoto: r.p_has_photo !== null && num(r.p_has_photo) === 1,
  };
}

export class SqliteNotificationRepository implements NotificationRepository {
  constructor(private readonly db: SqliteConnection) {}

  async insert(n: NotificationRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO notifications (id, channel, topic, recipient, language, visit_id, invitation_id, content,
         state, attempts, next_attempt_at, last_error, sent_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        n.id,
        n.channel,
        n.topic,
        n.recipient,
        n.language,
        n.visitId,
        n.invitationId,
        JSON.stringify(n.content),
        n.state,
        n.attempts,
        n.nextAttemptAt,
        n.lastError,
        n.sentAt,
        n.createdAt,
        n.updatedAt,
      ],
    );
  }

  async get(id: string): Promise<NotificationRecord | null> {
    const row = await this.db.get('SELECT * FROM notifications WHERE id = ?', [id]);
    return row ? toNotification(row) : null;
  }

  async due(nowIso: string, limit: number): Promise<NotificationRecord[]> {
    const rows = await this.db.all(
      `SELECT * FROM notifications WHERE state IN ('queued','retrying') AND next_attempt_at <= ?
        ORDER BY next_attempt_at, created_at LIMIT ?`,
      [nowIso, limit],
    );
    return rows.map(toNotification);
  }

  async nextDueAt(): Promise<string | null> {
    const r = await this.db.get(
      "SELECT MIN(next_attempt_at) AS at FROM notifications WHERE state IN ('queued','retrying')",
    );
    return strOrNull(r?.at);
  }

  async update(
    id: string,
    changes: Parameters<NotificationRepository['update']>[1],
  ): Promise<void> {
    const columns: Record<string, string> = {
      state: 'state',
      attempts: 'attempts',
      nextAttemptAt: 'next_attempt_at',
      lastError: 'last_error',
      sentAt: 'sent_at',
      updatedAt: 'updated_at',
    };
    const sets: string[] = [];
    const params: SqlValue[] = [];
    for (const [k, v] of Object.entries(changes)) {
      sets.push(`${columns[k] as string} = ?`);
      params.push((v ?? null) as SqlValue);
    }
    await this.db.run(`UPDATE notifications SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
  }

  async list(q: NotificationQuery): Promise<NotificationRecord[]> {
    const w = where({ state: q.state, visit_id: q.visitId });
    const rows = await this.db.all(
      `SELECT * FROM notifications ${w.sql} ORDER BY created_at DESC, id LIMIT ? OFFSET ?`,
      [...w.params, q.limit, q.offset],
    );
    return rows.map(toNotification);
  }

  async counts(): Promise<Record<NotificationState, number>> {
    const rows = await this.db.all('SELECT state, COUNT(*) AS n FROM notifications GROUP BY state');
    const out = Object.fromEntries(NOTIFICATION_STATES.map((s) => [s, 0])) as Record<
      NotificationState,
      number
    >;
    for (const r of rows) out[str(r.state) as NotificationState] = num(r.n);
    return out;
  }
}

function toNotification(r: Row): NotificationRecord {
  return {
    id: str(r.id),
    channel: str(r.channel) as NotificationRecord['channel'],
    topic: str(r.topic) as NotificationRecord['topic'],
    recipient: str(r.recipient),
    language: str(r.language),
    visitId: strOrNull(r.visit_id),
    invitationId: strOrNull(r.invitation_id),
    content: JSON.parse(str(r.content)) as NotificationRecord['content'],
    state: str(r.state) as NotificationState,
    attempts: num(r.attempts),
    nextAttemptAt: str(r.next_attempt_at),
    lastError: strOrNull(r.last_error),
    sentAt: strOrNull(r.sent_at),
    createdAt: str(r.created_at),
    updatedAt: str(r.updated_at),
  };
}

export class SqliteInvitationRepository implements InvitationRepository {
  constructor(private readonly db: SqliteConnection) {}

  async insert(i: InvitationRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO invitations (id, code_hash, name, company, email, host_person_id, process_name, first_day,
         last_day, state, created_by, central_id, request_id, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        i.id,
        i.codeHash,
        i.name,
        i.company,
        i.email,
        i.hostPersonId,
        i.processName,
        i.firstDay,
        i.lastDay,
        i.state,
        i.createdBy,
        i.centralId,
        i.requestId,
        i.createdAt,
        i.updatedAt,
      ],
    );
  }

  async get(id: string): Promise<InvitationRecord | null> {
    const r = await this.db.get('SELECT * FROM invitations WHERE id = ?', [id]);
    return r ? toInvitation(r) : null;
  }

  async getByCodeHash(hash: string): Promise<InvitationRecord | null> {
    const r = await this.db.get('SELECT * FROM invitations WHERE code_hash = ?', [hash]);
    return r ? toInvitation(r) : null;
  }

  async getByCentralId(centralId: string): Promise<InvitationRecord | null> {
    const r = await this.db.get('SELECT * FROM invitations WHERE central_id = ?', [centralId]);
    return r ? toInvitation(r) : null;
  }

  async update(id: string, changes: Parameters<InvitationRepository['update']>[1]): Promise<void> {
    const columns: Record<string, string> = {
      state: 'state',
      requestId: 'request_id',
      name: 'name',
      company: 'company',
      email: 'email',
      updatedAt: 'updated_at',
    };
    const sets: string[] = [];
    const params: SqlValue[] = [];
    for (const [k, v] of Object.entries(changes)) {
      sets.push(`${columns[k] as string} = ?`);
      params.push((v ?? null) as SqlValue);
    }
    await this.db.run(`UPDATE invitations SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
  }

  async list(q: Page & { state?: InvitationState }): Promise<InvitationRecord[]> {
    const w = where({ state: q.state });
    const rows = await this.db.all(
      `SELECT * FROM invitations ${w.sql} ORDER BY first_day, created_at LIMIT ? OFFSET ?`,
      [...w.params, q.limit, q.offset],
    );
    return rows.map(toInvitation);
  }

  async openEndedBefore(today: string): Promise<InvitationRecord[]> {
    const rows = await this.db.all(
      `SELECT * FROM invitations WHERE state = 'open' AND last_day < ? ORDER BY last_day, id`,
      [today],
    );
    return rows.map(toInvitation);
  }
}

function toInvitation(r: Row): InvitationRecord {
  return {
    id: str(r.id),
    codeHash: str(r.code_hash),
    name: strOrNull(r.name),
    company: strOrNull(r.company),
    email: strOrNull(r.email),
    hostPersonId: strOrNull(r.host_person_id),
    processName: str(r.process_name),
    firstDay: str(r.first_day),
    lastDay: str(r.last_day),
    state: str(r.state) as InvitationState,
    createdBy: str(r.created_by),
    centralId: strOrNull(r.central_id),
    requestId: strOrNull(r.request_id),
    createdAt: str(r.created_at),
    updatedAt: str(r.updated_at),
  };
}

export class SqliteBarredPersonRepository implements BarredPersonRepository {
  constructor(private readonly db: SqliteConnection) {}

  async insert(b: BarredPersonRecord, nameKey: string): Promise<void> {
    await this.db.run(
      `INSERT INTO barred_persons (id, name, name_key, company, date_of_birth, reason, created_by, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [b.id, b.name, nameKey, b.company, b.dateOfBirth, b.reason, b.createdBy, b.createdAt],
    );
  }

  async get(id: string): Promise<BarredPersonRecord | null> {
    const r = await this.db.get('SELECT * FROM barred_persons WHERE id = ?', [id]);
    return r ? toBarred(r) : null;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM barred_persons WHERE id = ?', [id])).changes === 1;
  }

  async byNameKey(nameKey: string): Promise<BarredPersonRecord[]> {
    const rows = await this.db.all('SELECT * FROM barred_persons WHERE name_key = ?', [nameKey]);
    return rows.map(toBarred);
  }

  async list(): Promise<BarredPersonRecord[]> {
    const rows = await this.db.all('SELECT * FROM barred_persons ORDER BY name COLLATE NOCASE, id');
    return rows.map(toBarred);
  }

  async addMatch(m: BarredMatchRecord): Promise<void> {
    await this.db.run(
      'INSERT OR IGNORE INTO barred_matches (request_id, barred_person_id, matched_on, at) VALUES (?, ?, ?, ?)',
      [m.requestId, m.barredPersonId, m.matchedOn.join(','), m.at],
    );
  }

  async matches(
    requestId: string,
  ): Promise<(BarredMatchRecord & { barred: BarredPersonRecord })[]> {
    const rows = await this.db.all(
      `SELECT m.request_id AS m_request_id, m.matched_on AS m_matched_on, m.at AS m_at, b.*
         FROM barred_matches m JOIN barred_persons b ON b.id = m.barred_person_id
        WHERE m.request_id = ? ORDER BY b.name`,
      [requestId],
    );
    return rows.map((r) => ({
      requestId: str(r.m_request_id),
      barredPersonId: str(r.id),
      matchedOn: str(r.m_matched_on).split(','),
      at: str(r.m_at),
      barred: toBarred(r),
    }));
  }

  async requestsWithMatches(requestIds: readonly string[]): Promise<Set<string>> {
    if (requestIds.length === 0) return new Set();
    const rows = await this.db.all(
      `SELECT DISTINCT request_id FROM barred_matches WHERE request_id IN (${requestIds.map(() => '?').join(',')})`,
      [...requestIds],
    );
    return new Set(rows.map((r) => str(r.request_id)));
  }
}

function toBarred(r: Row): BarredPersonRecord {
  return {
    id: str(r.id),
    name: str(r.name),
    company: strOrNull(r.company),
    dateOfBirth: strOrNull(r.date_of_birth),
    reason: str(r.reason),
    createdBy: str(r.created_by),
    createdAt: str(r.created_at),
  };
}

/** Where the audit chain starts once its oldest events were deleted (device_state key). */
export const AUDIT_ANCHOR_KEY = 'audit_chain_anchor';

const IDLE_PERSON = `
  p.kind IN ('visitor','contractor')
  AND p.updated_at < :cutoff
  AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.person_id = p.id
                   AND (v.state IN ('expected','arrived','on_site') OR v.updated_at >= :cutoff))
  AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.person_id = p.id
                   AND (r.state NOT IN ('rejected','cancelled','collected') OR r.updated_at >= :cutoff))
  AND NOT EXISTS (SELECT 1 FROM requests r JOIN cards c ON c.request_id = r.id WHERE r.person_id = p.id
                   AND c.status IN ${USABLE_CARD} AND substr(c.valid_until, 1, 10) >= substr(:cutoff, 1, 10))
  AND NOT EXISTS (SELECT 1 FROM persons g WHERE g.host_person_id = p.id)`;

export class SqliteRetentionRepository implements RetentionRepository {
  constructor(private readonly db: SqliteConnection) {}

  async idlePersons(cutoffIso: string, limit: number): Promise<string[]> {
    const rows = await this.db.all(
      `SELECT p.id FROM persons p WHERE p.erased_at IS NULL AND ${named(IDLE_PERSON)} ORDER BY p.updated_at LIMIT ?`,
      [...Array(IDLE_PERSON.split(':cutoff').length - 1).fill(cutoffIso), limit],
    );
    return rows.map((r) => str(r.id));
  }

  async idlePersonsWithPhoto(cutoffIso: string, limit: number): Promise<string[]> {
    const rows = await this.db.all(
      `SELECT p.id FROM persons p WHERE p.photo IS NOT NULL AND ${named(IDLE_PERSON)} ORDER BY p.updated_at LIMIT ?`,
      [...Array(IDLE_PERSON.split(':cutoff').length - 1).fill(cutoffIso), limit],
    );
    return rows.map((r) => str(r.id));
  }

  async finishedRequests(cutoffIso: string, limit: number): Promise<string[]> {
    const rows = await this.db.all(
      `SELECT r.id FROM requests r LEFT JOIN cards c ON c.request_id = r.id
        WHERE r.state IN ('rejected','cancelled','collected') AND r.updated_at < ?
          AND (c.id IS NULL OR c.status NOT IN ${USABLE_CARD} OR substr(c.valid_until, 1, 10) < substr(?, 1, 10))
          AND (c.id IS NULL OR c.updated_at < ?)
          AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.request_id = r.id AND v.state IN ('expected','arrived','on_site'))
        ORDER BY r.updated_at LIMIT ?`,
      [cutoffIso, cutoffIso, cutoffIso, limit],
    );
    return rows.map((r) => str(r.id));
  }

  async erasePerson(personId: string, at: string): Promise<void> {
    await this.db.run(
      `UPDATE persons SET name = 'erased', company = NULL, email = NULL, photo = NULL, photo_mime = NULL,
         erased_at = ?, updated_at = ? WHERE id = ?`,
      [at, at, personId],
    );
    await this.db.run(
      `UPDATE invitations SET name = NULL, company = NULL, email = NULL, updated_at = ?
        WHERE id IN (SELECT invitation_id FROM visits WHERE person_id = ?)`,
      [at, personId],
    );
    // Rendered messages name the visitor; sent ones are kept as a count only.
    await this.db.run(
      `UPDATE notifications SET content = '{"kind":"erased"}', updated_at = ?
        WHERE visit_id IN (SELECT id FROM visits WHERE person_id = ?) AND state IN ('sent','failed')`,
      [at, personId],
    );
    await this.db.run(
      `DELETE FROM notifications WHERE visit_id IN (SELECT id FROM visits WHERE person_id = ?)
          AND state IN ('queued','retrying')`,
      [personId],
    );
    await this.db.run('UPDATE requests SET purpose = NULL WHERE person_id = ?', [personId]);
  }

  async deletePhoto(personId: string, at: string): Promise<void> {
    // Not a change of the person: their other details keep their own retention clock.
    void at;
    await this.db.run('UPDATE persons SET photo = NULL, photo_mime = NULL WHERE id = ?', [
      personId,
    ]);
  }

  async deleteRequest(requestId: string): Promise<void> {
    await this.db.run('UPDATE invitations SET request_id = NULL WHERE request_id = ?', [requestId]);
    await this.db.run('DELETE FROM visits WHERE request_id = ?', [requestId]);
    await this.db.run('DELETE FROM production_attempts WHERE request_id = ?', [requestId]);
    await this.db.run('DELETE FROM cards WHERE request_id = ?', [requestId]);
    await this.db.run('DELETE FROM request_transitions WHERE request_id = ?', [requestId]);
    await this.db.run('DELETE FROM requests WHERE id = ?', [requestId]);
  }

  async deleteAuditBefore(cutoffIso: string): Promise<number> {
    const last = await this.db.get<{ seq: number; prev_hash: string }>(
      'SELECT seq, prev_hash FROM audit_events WHERE at >= ? ORDER BY seq LIMIT 1',
      [cutoffIso],
    );
    // Always keep the newest event, so the chain has somewhere to continue from.
    const keepFrom =
      last ??
      (await this.db.get<{ seq: number; prev_hash: string }>(
        'SELECT seq, prev_hash FROM audit_events ORDER BY seq DESC LIMIT 1',
      ));
    if (!keepFrom) return 0;
    const res = await this.db.run('DELETE FROM audit_events WHERE seq < ?', [keepFrom.seq]);
    if (res.changes > 0) {
      await this.db.run(
        `INSERT INTO device_state (key, value) VALUES (?, ?)
           ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
        [AUDIT_ANCHOR_KEY, JSON.stringify({ seq: keepFrom.seq, prevHash: keepFrom.prev_hash })],
      );
    }
    return res.changes;
  }
}

/** sqlite3 binds positional parameters; the shared fragment names its one value :cutoff. */
function named(fragment: string): string {
  return fragment.replace(/:cutoff/g, '?');
}
