/**
 * The barred persons list, kept by staff, and the screening of walk-ups and invitations
 * against it. A match never turns anyone away at the kiosk: it is recorded with the request
 * and shown to staff only (GET /api/requests/:id/screening), the request goes to approval,
 * and a request of a process without approval is held for staff. The list is personal data
 * of its own; its entries and matches are audited by id, never by name.
 */
import { ForbiddenError, InvalidInputError, NotFoundError } from '../../core/errors.js';
import { parseIsoDate } from '../../core/card/card-validity.js';
import type { Clock } from '../../core/ports.js';
import { actorLabel, type Actor, type StaffRole } from '../../core/roles.js';
import type { Store, StoreTx } from '../../core/store-ports.js';
import { findBarredMatches, nameKey, type BarredMatch } from '../../core/screening/name-match.js';
import type { BarredMatchRecord, BarredPersonRecord } from '../../core/visit/visit-records.js';
import { newId } from '../workflow-engine.js';

/** Who keeps the list, and who sees a match. */
export const BARRED_LIST_KEEPERS: readonly StaffRole[] = ['security_staff', 'device_admin'];
export const SCREENING_READERS: readonly StaffRole[] = [
  'security_staff',
  'approver',
  'registration_officer',
  'device_admin',
];

export interface NewBarredPerson {
  name: string;
  company?: string;
  dateOfBirth?: string;
  reason: string;
}

export class BarredPersonService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  list(): Promise<BarredPersonRecord[]> {
    return this.store.read((tx) => tx.barred.list());
  }

  async add(actor: Actor, input: NewBarredPerson): Promise<BarredPersonRecord> {
    requireKeeper(actor);
    if (nameKey(input.name) === '') throw new InvalidInputError('the name needs letters');
    if (input.dateOfBirth !== undefined && !parseIsoDate(input.dateOfBirth))
      throw new InvalidInputError('dateOfBirth must be a date as YYYY-MM-DD');
    const at = this.clock.now().toISOString();
    const record: BarredPersonRecord = {
      id: newId(),
      name: input.name.trim(),
      company: input.company?.trim() || null,
      dateOfBirth: input.dateOfBirth ?? null,
      reason: input.reason.trim(),
      createdBy: actorLabel(actor),
      createdAt: at,
    };
    await this.store.transaction(async (tx) => {
      await tx.barred.insert(record, nameKey(record.name));
      await tx.audit.append(
        {
          actor: actorLabel(actor),
          action: 'barred_person.added',
          objectType: 'barred_person',
          objectId: record.id,
          details: {},
        },
        at,
      );
    });
    return record;
  }

  async remove(actor: Actor, id: string): Promise<void> {
    requireKeeper(actor);
    const at = this.clock.now().toISOString();
    await this.store.transaction(async (tx) => {
      if (!(await tx.barred.delete(id))) throw new NotFoundError('barred person', id);
      await tx.audit.append(
        {
          actor: actorLabel(actor),
          action: 'barred_person.removed',
          objectType: 'barred_person',
          objectId: id,
          details: {},
        },
        at,
      );
    });
  }

  /** Inside the request's transaction: record every match; returns them. */
  async screen(
    tx: StoreTx,
    ctx: { requestId: string; name: string; company: string | null; at: string },
  ): Promise<BarredMatch[]> {
    const candidates = await tx.barred.byNameKey(nameKey(ctx.name));
    const matches = findBarredMatches({ name: ctx.name, company: ctx.company }, candidates);
    for (const m of matches) {
      await tx.barred.addMatch({
        requestId: ctx.requestId,
        barredPersonId: m.barredPersonId,
        matchedOn: m.matchedOn,
        at: ctx.at,
      });
      await tx.audit.append(
        {
          actor: 'system',
          action: 'request.barred_match',
          objectType: 'request',
          objectId: ctx.requestId,
          details: { barredPersonId: m.barredPersonId, matchedOn: m.matchedOn },
        },
        ctx.at,
      );
    }
    return matches;
  }

  /** What staff see of a request's screening. */
  matches(requestId: string): Promise<(BarredMatchRecord & { barred: BarredPersonRecord })[]> {
    return this.store.read(async (tx) => {
      if (!(await tx.requests.get(requestId))) throw new NotFoundError('request', requestId);
      return tx.barred.matches(requestId);
    });
  }
}

function requireKeeper(actor: Actor): void {
  if (actor.kind !== 'staff' || !BARRED_LIST_KEEPERS.some((r) => actor.roles.includes(r)))
    throw new ForbiddenError(
      `the barred persons list needs one of the roles: ${BARRED_LIST_KEEPERS.join(', ')}`,
    );
}
