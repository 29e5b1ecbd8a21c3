/**
 * Invitations: staff (or the centre, through sync) register an expected visitor: name,
 * company, host, day(s) and the process the visit runs. The visitor gets an e-mail with a QR
 * code and a short code; at the kiosk either one finds the invitation, fills in the details
 * and submits a walk-up request under the invitation's process, and, where the site counts
 * an invitation as approval, approves it in the inviter's stead. An invitation is one
 * visit: the expected visit created with it becomes the arrived one. The short code is the
 * visitor's credential, so only its SHA-256 is stored (like a walk-up status code).
 */
import {
  ConflictError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
} from '../../core/errors.js';
import { parseIsoDate } from '../../core/card/card-validity.js';
import type { Clock, RandomSource } from '../../core/ports.js';
import type { Photo } from '../../core/records.js';
import { actorLabel, SYSTEM_ACTOR, type Actor, type StaffRole } from '../../core/roles.js';
import type { Page, Store, StoreTx } from '../../core/store-ports.js';
import { localDate } from '../../core/visit/closing-time.js';
import type { InvitationRecord, InvitationState } from '../../core/visit/visit-records.js';
import type { ProcessCatalog } from '../../core/workflow/processes.js';
import type { NotificationService } from '../notifications/notification-service.js';
import type { RequestService } from '../request-service.js';
import type { WorkflowEngine } from '../workflow-engine.js';
import type { VisitService } from './visit-service.js';
import { newId } from '../workflow-engine.js';
import { newStatusCode, normalizeStatusCode } from '../status-code.js';
import { createHash } from 'node:crypto';

export const INVITERS: readonly StaffRole[] = ['registration_officer', 'security_staff'];

/** What the kiosk's camera looks for: the QR code of an invitation, not of a badge. */
export const INVITATION_QR_PREFIX = 'CKINV:';

export interface NewInvitation {
  name: string;
  company?: string;
  email: string;
  hostPersonId: string;
  /** Omitted: today at the site. */
  firstDay?: string;
  lastDay?: string;
  processName?: string;
  language?: string;
}

export interface InvitationPolicy {
  /** The process an invitation runs when it names none. */
  defaultProcess: string | null;
  /** An invitation stands for the approval of its request. */
  countAsApproval: boolean;
  timeZone: string;
}

/** What the kiosk shows the invited visitor once the code is found. */
export interface InvitationForKiosk {
  name: string;
  company: string | null;
  hostName: string | null;
  processLabel: string;
  kind: string;
  lastDay: string;
}

export function invitationCodeHash(normalized: string): string {
  return createHash('sha256').update(`cardkiosk-invitation:${normalized}`).digest('hex');
}

export class InvitationService {
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      random: RandomSource;
      catalog: ProcessCatalog;
      engine: WorkflowEngine;
      requests: RequestService;
      notifications: NotificationService;
      /** Withdrawing or expiring an invitation withdraws its expected visit. */
      visits: VisitService;
      policy: InvitationPolicy;
    },
  ) {}

  /** Staff register an expected visitor; the e-mail with the codes is queued with it. */
  async create(
    actor: Actor,
    input: NewInvitation,
  ): Promise<{ invitation: InvitationRecord; code: string; qrPayload: string }> {
    if (actor.kind !== 'staff' || !INVITERS.some((r) => actor.roles.includes(r)))
      throw new ForbiddenError(`inviting a visitor needs one of the roles: ${INVITERS.join(', ')}`);
    return this.register(actorLabel(actor), input, null);
  }

  /** The centre registered an expected visitor (learned by sync); idempotent by its id. */
  async createFromCentre(
    by: string,
    centralId: string,
    input: NewInvitation,
  ): Promise<{ invitation: InvitationRecord; code: string | null }> {
    const existing = await this.deps.store.read((tx) => tx.invitations.getByCentralId(centralId));
    if (existing) return { invitation: existing, code: null };
    return this.register(`central:${by}`, input, centralId);
  }

  private async register(
    createdBy: string,
    input: NewInvitation,
    centralId: string | null,
  ): Promise<{ invitation: InvitationRecord; code: string; qrPayload: string }> {
    const processName = input.processName ?? this.deps.policy.defaultProcess;
    const process = processName ? this.deps.catalog.get(processName) : undefined;
    if (!process || !this.deps.catalog.isEnabled(process.name))
      throw new InvalidInputError(`process ${processName ?? '(none)'} is not enabled here`);
    if (process.cardType === 'employee')
      throw new InvalidInputError('invitations are for visitors and contractors');
    const today = localDate(this.deps.clock.now(), this.deps.policy.timeZone);
    const firstDay = input.firstDay ?? today;
    const lastDay = input.lastDay ?? firstDay;
    if (!parseIsoDate(firstDay) || !parseIsoDate(lastDay))
      throw new InvalidInputError('firstDay and lastDay are dates as YYYY-MM-DD');
    if (lastDay < firstDay) throw new InvalidInputError('lastDay is before firstDay');
    if (lastDay < today) throw new InvalidInputError('the invitation’s days are over already');
    const code = newStatusCode(this.deps.random);
    const qrPayload = `${INVITATION_QR_PREFIX}${code}`;
    // The QR library loads on the first invitation, not at every start of the service.
    const { default: QRCode } = await import('qrcode');
    const qrPng = new Uint8Array(
      await QRCode.toBuffer(qrPayload, { errorCorrectionLevel: 'M', margin: 2, width: 480 }),
    );
    const at = this.deps.clock.now().toISOString();
    const invitation: InvitationRecord = {
      id: newId(),
      codeHash: invitationCodeHash(normalizeStatusCode(code) as string),
      name: input.name.trim(),
      company: input.company?.trim() || null,
      email: input.email,
      hostPersonId: input.hostPersonId,
      processName: process.name,
      firstDay,
      lastDay,
      state: 'open',
      createdBy,
      centralId,
      requestId: null,
      createdAt: at,
      updatedAt: at,
    };
    await this.deps.store.transaction(async (tx) => {
      const host = await tx.persons.get(input.hostPersonId);
      if (!host || host.kind !== 'employee')
        throw new InvalidInputError('the host must be an employee in the directory');
      await tx.invitations.insert(invitation);
      await tx.visits.insert({
        id: newId(),
        personId: null,
        hostPersonId: host.id,
        requestId: null,
        invitationId: invitation.id,
        state: 'expected',
        stateReason: null,
        arrivedAt: null,
        onSiteAt: null,
        endedAt: null,
        badgeReturned: null,
        createdAt: at,
        updatedAt: at,
      });
      await tx.audit.append(
        {
          actor: createdBy,
          action: 'invitation.created',
          objectType: 'invitation',
          objectId: invitation.id,
          details: {
            processName: process.name,
            firstDay: invitation.firstDay,
            lastDay,
            hostPersonId: host.id,
            centralId,
          },
        },
        at,
      );
      await this.deps.notifications.queueInvitation(
        tx,
        { id: invitation.id, email: input.email, language: input.language ?? 'en' },
        {
          visitorName: invitation.name as string,
          hostName: host.name,
          firstDay: invitation.firstDay,
          lastDay,
          shortCode: code,
        },
        qrPng,
        at,
      );
    });
    this.deps.notifications.nudge();
    return { invitation, code, qrPayload };
  }

  /** The kiosk found a code (typed, or read from the QR): what the visitor sees. */
  async lookup(codeOrPayload: string): Promise<InvitationForKiosk> {
    const invitation = await this.findUsable(codeOrPayload);
    const process = this.deps.catalog.get(invitation.processName);
    const host = invitation.hostPersonId
      ? await this.deps.store.read((tx) => tx.persons.get(invitation.hostPersonId as string))
      : null;
    return {
      name: invitation.name ?? '',
      company: invitation.company,
      hostName: host?.name ?? null,
      processLabel: process?.label ?? invitation.processName,
      kind: process?.cardType ?? 'visitor',
      lastDay: invitation.lastDay,
    };
  }

  /**
   * The invited visitor confirms at the kiosk: a walk-up request under the invitation's
   * process, with its details, and the approval the invitation stands for.
   */
  async redeem(
    codeOrPayload: string,
    extra: { photo?: Photo; terms?: { textSha256?: string; language?: string } },
  ): Promise<{ requestId: string; statusCode: string }> {
    const invitation = await this.findUsable(codeOrPayload);
    const process = this.deps.engine.process(invitation.processName);
    const { request, statusCode } = await this.deps.requests.submitWalkUp({
      kind: process.cardType,
      name: invitation.name ?? '',
      ...(invitation.company ? { company: invitation.company } : {}),
      ...(invitation.email ? { email: invitation.email } : {}),
      ...(invitation.hostPersonId ? { hostPersonId: invitation.hostPersonId } : {}),
      ...(process.cardType === 'contractor' ? { validUntil: invitation.lastDay } : {}),
      ...(extra.photo ? { photo: extra.photo } : {}),
      ...(extra.terms ? { terms: extra.terms } : {}),
      processName: process.name,
      invitationId: invitation.id,
    });
    if (this.deps.policy.countAsApproval && request.state === 'awaiting_approval') {
      const screened = await this.deps.store.read((tx) => tx.barred.matches(request.id));
      // A barred match always goes to a person, invitation or not.
      if (screened.length === 0) {
        await this.deps.engine.apply(
          request.id,
          { type: 'approve' },
          // The invitation's approval was given by whoever registered it; "central" is the
          // request table's role for an approval not made by an approver at this kiosk.
          { kind: 'central', by: `invitation:${invitation.id}` },
        );
      }
    }
    return { requestId: request.id, statusCode };
  }

  /** Walk-up hook: the invitation is used by this request, in the request's transaction. */
  async markUsed(tx: StoreTx, invitationId: string, requestId: string, at: string): Promise<void> {
    const invitation = await tx.invitations.get(invitationId);
    if (!invitation || invitation.state !== 'open')
      throw new ConflictError('this invitation has been used or withdrawn');
    await tx.invitations.update(invitationId, { state: 'used', requestId, updatedAt: at });
    await tx.audit.append(
      {
        actor: 'self-service',
        action: 'invitation.used',
        objectType: 'invitation',
        objectId: invitationId,
        details: { requestId },
      },
      at,
    );
  }

  /** Staff withdraw an open invitation: its code stops working, the expected visit is withdrawn. */
  async withdraw(actor: Actor, id: string, reason?: string): Promise<InvitationRecord> {
    if (actor.kind !== 'staff' || !INVITERS.some((r) => actor.roles.includes(r)))
      throw new ForbiddenError(
        `withdrawing an invitation needs one of the roles: ${INVITERS.join(', ')}`,
      );
    return this.deps.store.transaction(async (tx) => {
      const invitation = await tx.invitations.get(id);
      if (!invitation) throw new NotFoundError('invitation', id);
      if (invitation.state !== 'open')
        throw new ConflictError(`this invitation is ${invitation.state}, not open`);
      const at = this.deps.clock.now().toISOString();
      await this.end(tx, invitation, 'withdrawn', actor, reason?.trim() || null, at);
      return (await tx.invitations.get(id)) as InvitationRecord;
    });
  }

  /**
   * The centre withdrew an invitation it had sent (learned by sync). Idempotent: an
   * invitation already used, withdrawn or expired here, or never received, is left alone;
   * returns whether anything changed.
   */
  async withdrawFromCentre(by: string, centralId: string): Promise<boolean> {
    return this.deps.store.transaction(async (tx) => {
      const invitation = await tx.invitations.getByCentralId(centralId);
      if (!invitation || invitation.state !== 'open') return false;
      const at = this.deps.clock.now().toISOString();
      await this.end(
        tx,
        invitation,
        'withdrawn',
        { kind: 'central', by },
        'withdrawn centrally',
        at,
      );
      return true;
    });
  }

  /**
   * The scheduler's expiry job, inside its transaction: every open invitation whose last day
   * (in the site's time zone) is before `now`'s day expires, and its expected visit is
   * withdrawn. Written as "everything due by now", so a run after downtime catches up.
   */
  async expireIn(tx: StoreTx, now: Date): Promise<number> {
    const today = localDate(now, this.deps.policy.timeZone);
    const due = await tx.invitations.openEndedBefore(today);
    const at = now.toISOString();
    for (const invitation of due)
      await this.end(tx, invitation, 'expired', SYSTEM_ACTOR, 'the invitation’s days are over', at);
    return due.length;
  }

  private async end(
    tx: StoreTx,
    invitation: InvitationRecord,
    state: 'withdrawn' | 'expired',
    actor: Actor,
    reason: string | null,
    at: string,
  ): Promise<void> {
    await tx.invitations.update(invitation.id, { state, updatedAt: at });
    const visit = await tx.visits.getByInvitation(invitation.id);
    if (visit?.state === 'expected')
      await this.deps.visits.apply(
        tx,
        visit.id,
        { type: 'withdraw', ...(reason ? { reason } : {}) },
        actor,
        at,
      );
    await tx.audit.append(
      {
        actor: actorLabel(actor),
        action: `invitation.${state}`,
        objectType: 'invitation',
        objectId: invitation.id,
        details: { centralId: invitation.centralId, ...(reason ? { reason } : {}) },
      },
      at,
    );
  }

  list(q: Page & { state?: InvitationState }): Promise<InvitationRecord[]> {
    return this.deps.store.read((tx) => tx.invitations.list(q));
  }

  private async findUsable(codeOrPayload: string): Promise<InvitationRecord> {
    const raw = codeOrPayload.trim();
    const code = raw.toUpperCase().startsWith(INVITATION_QR_PREFIX)
      ? raw.slice(INVITATION_QR_PREFIX.length)
      : raw;
    const normalized = normalizeStatusCode(code);
    if (!normalized)
      throw new InvalidInputError('an invitation code has 8 letters and digits, like K7M4-Q2X9');
    const invitation = await this.deps.store.read((tx) =>
      tx.invitations.getByCodeHash(invitationCodeHash(normalized)),
    );
    const today = localDate(this.deps.clock.now(), this.deps.policy.timeZone);
    // One answer for unknown, used, withdrawn and out-of-date codes: a guessed code learns nothing.
    if (
      !invitation ||
      invitation.state !== 'open' ||
      today < invitation.firstDay ||
      today > invitation.lastDay
    )
      throw new NotFoundError('invitation for today with code', normalized.slice(0, 4) + '-…');
    return invitation;
  }
}
