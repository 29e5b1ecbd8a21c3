/**
 * Data kept only as long as promised. The retention job (on the durable scheduler) deletes
 * what has outlived its period for each kind (core/retention/retention-policy.ts), inside
 * the scheduler's transaction: the deletion, one audit event per kind with the count (never
 * the data), and an outbox event per erased person or deleted request so the centre follows.
 * Staff erase one visitor's personal data on request the same way.
 */
import { ConflictError, ForbiddenError, NotFoundError } from '../../core/errors.js';
import type { Clock } from '../../core/ports.js';
import {
  RETENTION_KINDS,
  retentionCutoff,
  type RetentionKind,
  type RetentionPolicy,
} from '../../core/retention/retention-policy.js';
import { actorLabel, type Actor, type StaffRole } from '../../core/roles.js';
import type { Store, StoreTx } from '../../core/store-ports.js';

/** Rows deleted per kind per run; a larger backlog is finished by the next runs. */
export const RETENTION_BATCH = 500;

export const ERASERS: readonly StaffRole[] = ['security_staff', 'registration_officer'];

export type RetentionCounts = Record<RetentionKind, number>;

export class RetentionService {
  constructor(private readonly deps: { store: Store; clock: Clock; policy: RetentionPolicy }) {}

  get policy(): RetentionPolicy {
    return this.deps.policy;
  }

  /** The scheduled job's work, in the scheduler's transaction. */
  async run(tx: StoreTx, now: Date): Promise<RetentionCounts> {
    const at = now.toISOString();
    const counts: RetentionCounts = { visitorDetails: 0, photos: 0, requests: 0, audit: 0 };
    const cutoff = (kind: RetentionKind) =>
      retentionCutoff(this.deps.policy, kind, now)?.toISOString();

    // Requests first: a request deleted now no longer keeps its person "active".
    const requestsCutoff = cutoff('requests');
    if (requestsCutoff) {
      for (const id of await tx.retention.finishedRequests(requestsCutoff, RETENTION_BATCH)) {
        await tx.retention.deleteRequest(id);
        await tx.outbox.add(
          {
            aggregateType: 'request',
            aggregateId: id,
            type: 'request.deleted',
            payload: { requestId: id, reason: 'retention', at },
          },
          at,
        );
        counts.requests++;
      }
    }
    const detailsCutoff = cutoff('visitorDetails');
    if (detailsCutoff) {
      for (const id of await tx.retention.idlePersons(detailsCutoff, RETENTION_BATCH)) {
        await tx.retention.erasePerson(id, at);
        await personErased(tx, id, 'retention', at);
        counts.visitorDetails++;
      }
    }
    const photosCutoff = cutoff('photos');
    if (photosCutoff) {
      for (const id of await tx.retention.idlePersonsWithPhoto(photosCutoff, RETENTION_BATCH)) {
        await tx.retention.deletePhoto(id, at);
        counts.photos++;
      }
    }
    const auditCutoff = cutoff('audit');
    if (auditCutoff) counts.audit = await tx.retention.deleteAuditBefore(auditCutoff);

    for (const kind of RETENTION_KINDS) {
      if (counts[kind] === 0) continue;
      // What kind and how many: never which records or what they held.
      await tx.audit.append(
        {
          actor: 'system',
          action: 'retention.deleted',
          objectType: 'retention',
          objectId: kind,
          details: { kind, count: counts[kind], olderThanDays: this.deps.policy[kind] },
        },
        at,
      );
    }
    return counts;
  }

  /** Staff erase one visitor's or contractor's personal data, on that person's request. */
  async erase(actor: Actor, personId: string): Promise<void> {
    if (actor.kind !== 'staff' || !ERASERS.some((r) => actor.roles.includes(r)))
      throw new ForbiddenError(
        `erasing personal data needs one of the roles: ${ERASERS.join(', ')}`,
      );
    const at = this.deps.clock.now().toISOString();
    await this.deps.store.transaction(async (tx) => {
      const person = await tx.persons.get(personId);
      if (!person) throw new NotFoundError('person', personId);
      if (person.kind === 'employee')
        throw new ConflictError('employees are kept by the directory, not erased here');
      const open = (await tx.visits.forPerson(personId)).some((v) =>
        ['expected', 'arrived', 'on_site'].includes(v.state),
      );
      if (open) throw new ConflictError('this person has a visit that is not over; end it first');
      await tx.retention.erasePerson(personId, at);
      await tx.audit.append(
        {
          actor: actorLabel(actor),
          action: 'person.erased',
          objectType: 'person',
          objectId: personId,
          details: { on: 'request' },
        },
        at,
      );
      await personErased(tx, personId, 'request', at);
    });
  }
}

async function personErased(
  tx: StoreTx,
  personId: string,
  reason: 'retention' | 'request',
  at: string,
): Promise<void> {
  await tx.outbox.add(
    {
      aggregateType: 'person',
      aggregateId: personId,
      type: 'person.erased',
      payload: { personId, reason, at },
    },
    at,
  );
}
