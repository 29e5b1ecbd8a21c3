/**
 * Applies what the device learns from the central Identity Manager: the person directory
 * (employees to pick as hosts and to produce cards for), approvals and rejections given
 * centrally (through the workflow engine, as the central actor), revocations done centrally
 * (through CardService.revoke), card-number ranges, and visitors the centre invited to this
 * device's site (registered here, where the code is made and the e-mail sent; a central
 * withdrawal withdraws them). Every step is idempotent, so a pull
 * that is applied twice (the watermark is stored only afterwards) changes nothing the second
 * time.
 */
import { DomainError } from '../../core/errors.js';
import type { Clock } from '../../core/ports.js';
import type { PersonRecord } from '../../core/records.js';
import type { Actor } from '../../core/roles.js';
import type { Store } from '../../core/store-ports.js';
import {
  CARD_REVOCATION_REASONS,
  type CardRevocationReason,
  type CardService,
} from '../card-service.js';
import type { CardLifecycleService } from '../card-lifecycle-service.js';
import type { Logger } from '../ports.js';
import type { WorkflowEngine } from '../workflow-engine.js';
import { newId } from '../workflow-engine.js';
import type {
  CentralCardHold,
  CentralChanges,
  CentralInvitation,
  CentralPerson,
} from './identity-manager-client.js';

/** Where central invitations go (InvitationService); both calls are idempotent by the centre's id. */
export interface CentralInvitationSink {
  createFromCentre(
    by: string,
    centralId: string,
    input: {
      name: string;
      company?: string;
      email: string;
      hostPersonId: string;
      firstDay: string;
      lastDay?: string;
      processName?: string;
      language?: string;
    },
  ): Promise<{ code: string | null }>;
  withdrawFromCentre(by: string, centralId: string): Promise<boolean>;
}

export interface InboxReport {
  personsAdded: number;
  personsUpdated: number;
  decisionsApplied: number;
  revocationsApplied: number;
  /** Central suspensions and resumptions applied. */
  holdsApplied: number;
  rangesAdded: number;
  /** Central invitations registered here, and withdrawn. */
  invitationsAdded: number;
  invitationsWithdrawn: number;
  skipped: number;
}

export class CentralInbox {
  constructor(
    private readonly deps: {
      store: Store;
      engine: WorkflowEngine;
      cards: CardService;
      /** Applies central suspensions and resumptions; absent: they are not taken. */
      lifecycle?: CardLifecycleService;
      /** Takes central invitations (bound late: the invitation service is built after sync). */
      invitations?: () => CentralInvitationSink | null;
      clock: Clock;
      log: Logger;
    },
  ) {}

  async apply(changes: CentralChanges): Promise<InboxReport> {
    const report: InboxReport = {
      personsAdded: 0,
      personsUpdated: 0,
      decisionsApplied: 0,
      revocationsApplied: 0,
      holdsApplied: 0,
      rangesAdded: 0,
      invitationsAdded: 0,
      invitationsWithdrawn: 0,
      skipped: 0,
    };
    for (const p of changes.persons) await this.person(p, report);
    for (const d of changes.decisions) {
      const actor: Actor = { kind: 'central', by: d.by };
      const request = await this.deps.store.read((tx) => tx.requests.get(d.requestId));
      // Decided here meanwhile, withdrawn, or not this device's: the outbox tells the centre.
      if (!request || request.state !== 'awaiting_approval') {
        report.skipped++;
        continue;
      }
      try {
        await this.deps.engine.apply(
          d.requestId,
          d.decision === 'approve'
            ? { type: 'approve' }
            : {
                type: 'reject',
                reason: d.reason?.trim() || 'rejected in the central Identity Manager',
              },
          actor,
          { details: { source: 'central' } },
        );
        report.decisionsApplied++;
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        this.deps.log.warn(
          { requestId: d.requestId, code: err.code },
          'central decision not applied',
        );
        report.skipped++;
      }
    }
    for (const r of changes.revocations) {
      const card = await this.deps.store.read((tx) => tx.cards.get(r.cardId));
      if (!card || ['revoked', 'returned', 'cancelled', 'expired'].includes(card.status)) {
        report.skipped++;
        continue;
      }
      const reason: CardRevocationReason = (CARD_REVOCATION_REASONS as readonly string[]).includes(
        r.reason,
      )
        ? (r.reason as CardRevocationReason)
        : 'lost';
      try {
        await this.deps.cards.revoke(
          { kind: 'central', by: r.by },
          r.cardId,
          reason,
          'revoked centrally',
        );
        report.revocationsApplied++;
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        // A card not produced yet cannot be revoked; the centre sees its state in the outbox.
        this.deps.log.warn({ cardId: r.cardId, code: err.code }, 'central revocation not applied');
        report.skipped++;
      }
    }
    for (const h of changes.holds ?? []) await this.hold(h, report);
    // After the persons: an invitation's host is a directory employee learned above.
    for (const i of changes.invitations ?? []) await this.invitation(i, report);
    if (changes.numberRanges.length) {
      await this.deps.store.transaction(async (tx) => {
        const known = new Set((await tx.numberRanges.all()).map((r) => r.id));
        for (const range of changes.numberRanges) {
          if (known.has(range.id)) continue;
          await tx.numberRanges.ensure(range);
          await tx.audit.append(
            {
              actor: 'central',
              action: 'number_range.leased',
              objectType: 'device',
              objectId: `number-range:${range.id}`,
              details: { first: range.first, last: range.last },
            },
            this.deps.clock.now().toISOString(),
          );
          report.rangesAdded++;
        }
      });
    }
    return report;
  }

  /**
   * A central suspension or resumption, applied like a central revocation: through the
   * lifecycle table as the central actor. Each decision (by its time) is applied once, so a
   * card the centre lists again after the device's own updates is not suspended twice, and a
   * resume done at the desk afterwards stands.
   */
  private async hold(h: CentralCardHold, report: InboxReport): Promise<void> {
    const { store, lifecycle, log } = this.deps;
    const key = `central-hold:${h.cardId}`;
    if (!lifecycle || (await store.read((tx) => tx.outbox.syncValue(key))) === h.at) {
      report.skipped++;
      return;
    }
    try {
      await lifecycle.apply(
        h.cardId,
        { type: h.action, reason: h.reason?.trim() || `${h.action}ed centrally` },
        { kind: 'central', by: h.by },
        { details: { source: 'central' } },
      );
      report.holdsApplied++;
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      // Already in that state, ended, or not this device's card: the outbox tells the centre.
      log.warn({ cardId: h.cardId, code: err.code }, `central ${h.action} not applied`);
      report.skipped++;
    }
    await store.transaction((tx) => tx.outbox.setSyncValue(key, h.at));
  }

  /**
   * A central invitation: registered once (by the centre's id), which queues the visitor's
   * e-mail with the QR code and short code made here; withdrawn when the centre says so. One
   * that cannot be taken (host not in this device's directory, process not enabled here,
   * days over) is logged and skipped; the centre can send it again changed.
   */
  private async invitation(i: CentralInvitation, report: InboxReport): Promise<void> {
    const sink = this.deps.invitations?.();
    if (!sink) {
      report.skipped++;
      return;
    }
    if (i.state === 'withdrawn') {
      if (await sink.withdrawFromCentre(i.by, i.centralId)) report.invitationsWithdrawn++;
      else report.skipped++;
      return;
    }
    const host = await this.deps.store.read((tx) => tx.persons.getByCentralId(i.hostCentralId));
    if (!host) {
      this.deps.log.warn({ centralId: i.centralId }, 'central invitation: host not known here');
      report.skipped++;
      return;
    }
    try {
      // createFromCentre records it as `central:<by>`.
      const { code } = await sink.createFromCentre(i.by, i.centralId, {
        name: i.name,
        ...(i.company ? { company: i.company } : {}),
        email: i.email,
        hostPersonId: host.id,
        firstDay: i.firstDay,
        lastDay: i.lastDay,
        ...(i.processName ? { processName: i.processName } : {}),
        ...(i.language ? { language: i.language } : {}),
      });
      if (code) report.invitationsAdded++;
      else report.skipped++;
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      this.deps.log.warn(
        { centralId: i.centralId, code: err.code },
        'central invitation not registered',
      );
      report.skipped++;
    }
  }

  private async person(p: CentralPerson, report: InboxReport): Promise<void> {
    const at = this.deps.clock.now().toISOString();
    await this.deps.store.transaction(async (tx) => {
      const mine = p.externalId ? await tx.persons.get(p.externalId) : null;
      const existing = mine ?? (await tx.persons.getByCentralId(p.centralId));
      if (existing) {
        const changes: Partial<PersonRecord> = {};
        if (existing.centralId !== p.centralId) changes.centralId = p.centralId;
        // The directory is the source of truth for the people it manages (not walk-ups).
        if (!mine) {
          if (existing.name !== p.name) changes.name = p.name;
          if (existing.company !== p.company) changes.company = p.company;
          if (existing.email !== p.email) changes.email = p.email;
          if (existing.validUntil !== p.validUntil) changes.validUntil = p.validUntil;
        }
        if (Object.keys(changes).length === 0) return;
        await tx.persons.update(existing.id, { ...changes, updatedAt: at });
        report.personsUpdated++;
        return;
      }
      // The directory is employees and contractors; other kiosks' walk-up visitors stay there.
      if (!p.active || p.kind === 'visitor') return;
      const person: PersonRecord = {
        id: newId(),
        kind: p.kind,
        name: p.name,
        company: p.company,
        email: p.email,
        hostPersonId: null,
        validUntil: p.validUntil,
        photo: null,
        centralId: p.centralId,
        createdAt: at,
        updatedAt: at,
      };
      await tx.persons.insert(person);
      await tx.audit.append(
        {
          actor: 'central',
          action: 'person.imported',
          objectType: 'person',
          objectId: person.id,
          details: { centralId: p.centralId, kind: p.kind, name: p.name },
        },
        at,
      );
      report.personsAdded++;
    });
  }
}
