/**
 * The UI's one way to the appliance: typed calls over fetch (same origin, session cookie).
 * Errors become ApiError with the server's stable code, so screens branch on the code and
 * never on message text. State-changing calls carry an Idempotency-Key, so a retried tap
 * after a dropped reply does not act twice.
 */
import type {
  AuditEvent,
  BatchReport,
  Batch,
  Card,
  CardActionResult,
  CardLifecycle,
  CardReplaceReason,
  CardRequest,
  CardRevocationReason,
  CardStatus,
  Collected,
  HealthReport,
  Host,
  PinOptions,
  HostNotification,
  Invitation,
  InvitationDetails,
  Person,
  ProcessInfo,
  RequestDetail,
  RequestState,
  SelfServiceOptions,
  SiteTerms,
  User,
  Visit,
  WalkUpReceipt,
  WalkUpStatus,
  WalkUpSubmission,
} from './api-types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Query = Record<string, string | number | undefined>;

export class ApiClient {
  constructor(private readonly base = '') {}

  private url(path: string, query?: Query): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, `${v}`);
    const qs = params.toString();
    return `${this.base}${path}${qs ? `?${qs}` : ''}`;
  }

  private async call<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    query?: Query,
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method === 'POST') headers['idempotency-key'] = crypto.randomUUID();
    let res: Response;
    try {
      res = await fetch(this.url(path, query), {
        method,
        headers,
        credentials: 'same-origin',
        cache: 'no-store',
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch {
      throw new ApiError(0, 'NETWORK', 'the appliance does not answer');
    }
    if (res.status === 204) return undefined as T;
    const data = (await res.json().catch(() => null)) as unknown;
    if (!res.ok) {
      const err = (data ?? {}) as { error?: string; message?: string };
      throw new ApiError(res.status, err.error ?? 'HTTP_ERROR', err.message ?? res.statusText);
    }
    return data as T;
  }

  // Walk-up
  selfServiceOptions(): Promise<SelfServiceOptions> {
    return this.call('GET', '/api/self-service/options');
  }
  async findHosts(q: string): Promise<Host[]> {
    return (await this.call<{ items: Host[] }>('GET', '/api/self-service/hosts', undefined, { q }))
      .items;
  }
  submitWalkUp(body: WalkUpSubmission): Promise<WalkUpReceipt> {
    return this.call('POST', '/api/self-service/requests', body);
  }
  walkUpStatus(statusCode: string): Promise<WalkUpStatus> {
    return this.call('POST', '/api/self-service/status', { statusCode });
  }
  cancelWalkUp(statusCode: string): Promise<WalkUpStatus> {
    return this.call('POST', '/api/self-service/cancel', { statusCode });
  }
  /** The holder's own PIN change; the card in the encoder names itself. */
  changeOwnPin(currentPin: string, newPin: string): Promise<{ changed: true }> {
    return this.call('POST', '/api/self-service/pin/change', { currentPin, newPin });
  }
  walkUpStreamToken(statusCode: string): Promise<{ token: string; expiresInSeconds: number }> {
    return this.call('POST', '/api/self-service/stream-token', { statusCode });
  }

  siteTerms(lang: string): Promise<SiteTerms> {
    return this.call('GET', '/api/self-service/terms', undefined, { lang });
  }
  lookupInvitation(code: string): Promise<InvitationDetails> {
    return this.call('POST', '/api/self-service/invitations/lookup', { code });
  }
  redeemInvitation(body: {
    code: string;
    acceptTerms: true;
    termsVersion?: string;
    language?: string;
    photo?: { mimeType: 'image/jpeg'; base64: string };
  }): Promise<WalkUpReceipt> {
    return this.call('POST', '/api/self-service/invitations/redeem', body);
  }
  /** "I'm leaving" with the badge's card number (its QR code, or typed). */
  signOutVisit(cardNumber: string): Promise<{ state: string }> {
    return this.call('POST', '/api/self-service/sign-out', { cardNumber });
  }
  /** "I'm leaving" with the badge in the encoder's reader (a Digital ID's chip). */
  signOutVisitByCardInReader(): Promise<{ state: string }> {
    return this.call('POST', '/api/self-service/sign-out/card-in-reader');
  }

  // Session
  async session(): Promise<User> {
    return (await this.call<{ user: User }>('GET', '/api/session')).user;
  }
  async signIn(username: string, passcode: string): Promise<User> {
    return (await this.call<{ user: User }>('POST', '/api/session', { username, passcode })).user;
  }
  signOut(): Promise<void> {
    return this.call('POST', '/api/session/sign-out');
  }
  changePasscode(currentPasscode: string, newPasscode: string): Promise<void> {
    return this.call('POST', '/api/session/passcode', { currentPasscode, newPasscode });
  }

  // Staff
  async findPersons(q: string): Promise<Person[]> {
    return (
      await this.call<{ items: Person[] }>('GET', '/api/persons', undefined, { q, limit: 20 })
    ).items;
  }
  async processes(): Promise<ProcessInfo[]> {
    return (await this.call<{ items: ProcessInfo[] }>('GET', '/api/processes')).items;
  }
  async produceCard(personId: string, processName: string): Promise<CardRequest> {
    return (
      await this.call<{ request: CardRequest }>('POST', '/api/requests', { personId, processName })
    ).request;
  }
  requests(query: {
    state?: RequestState;
    batchId?: string;
    limit?: number;
  }): Promise<{ items: CardRequest[]; total: number }> {
    return this.call('GET', '/api/requests', undefined, query);
  }
  request(id: string): Promise<RequestDetail> {
    return this.call('GET', `/api/requests/${encodeURIComponent(id)}`);
  }
  approve(id: string): Promise<{ request: CardRequest }> {
    return this.call('POST', `/api/requests/${encodeURIComponent(id)}/approve`);
  }
  reject(id: string, reason: string): Promise<{ request: CardRequest }> {
    return this.call('POST', `/api/requests/${encodeURIComponent(id)}/reject`, { reason });
  }
  chooseProduction(
    id: string,
    choice: { mode: 'single' } | { mode: 'mass'; batchName: string },
  ): Promise<{ request: CardRequest }> {
    return this.call('POST', `/api/requests/${encodeURIComponent(id)}/production`, choice);
  }
  retry(id: string): Promise<{ request: CardRequest }> {
    return this.call('POST', `/api/requests/${encodeURIComponent(id)}/retry`);
  }
  cancel(id: string, reason: string): Promise<{ request: CardRequest }> {
    return this.call('POST', `/api/requests/${encodeURIComponent(id)}/cancel`, { reason });
  }
  collect(id: string): Promise<Collected> {
    return this.call('POST', `/api/requests/${encodeURIComponent(id)}/collect`);
  }
  previewUrl(id: string, side: 'front' | 'back'): string {
    return this.url(`/api/requests/${encodeURIComponent(id)}/preview.png`, { side });
  }
  async cards(query: {
    status?: CardStatus;
    cardNumber?: string;
    limit?: number;
  }): Promise<Card[]> {
    return (await this.call<{ items: Card[] }>('GET', '/api/cards', undefined, query)).items;
  }
  card(id: string): Promise<Card> {
    return this.call('GET', `/api/cards/${encodeURIComponent(id)}`);
  }
  revokeCard(id: string, reason: CardRevocationReason, note?: string): Promise<Card> {
    return this.call('POST', `/api/cards/${encodeURIComponent(id)}/revoke`, {
      reason,
      ...(note ? { note } : {}),
    });
  }
  async batches(): Promise<Batch[]> {
    return (await this.call<{ items: Batch[] }>('GET', '/api/batches')).items;
  }
  batch(id: string): Promise<BatchReport> {
    return this.call('GET', `/api/batches/${encodeURIComponent(id)}`);
  }
  runBatch(id: string): Promise<{ batch: Batch }> {
    return this.call('POST', `/api/batches/${encodeURIComponent(id)}/run`);
  }
  async audit(query: { actor?: string; action?: string; limit?: number }): Promise<AuditEvent[]> {
    return (await this.call<{ items: AuditEvent[] }>('GET', '/api/audit', undefined, query)).items;
  }
  verifyAudit(): Promise<{ ok: boolean; events: number; brokenAt: number | null }> {
    return this.call('GET', '/api/audit/verify');
  }

  // Visits (issue 16)
  async visitsOnSite(): Promise<Visit[]> {
    return (await this.call<{ items: Visit[] }>('GET', '/api/visits/on-site')).items;
  }
  async unreturnedBadges(): Promise<Visit[]> {
    return (await this.call<{ items: Visit[] }>('GET', '/api/visits/unreturned-badges')).items;
  }
  endVisit(id: string, badgeReturned: boolean): Promise<Visit> {
    return this.call('POST', `/api/visits/${encodeURIComponent(id)}/end`, { badgeReturned });
  }
  async invitations(state: string): Promise<Invitation[]> {
    return (
      await this.call<{ items: Invitation[] }>('GET', '/api/invitations', undefined, { state })
    ).items;
  }
  invite(body: {
    name: string;
    company?: string;
    email: string;
    hostPersonId: string;
    firstDay?: string;
    lastDay?: string;
  }): Promise<{ invitation: Invitation; code: string }> {
    return this.call('POST', '/api/invitations', body);
  }
  withdrawInvitation(id: string): Promise<{ invitation: Invitation }> {
    return this.call('POST', `/api/invitations/${encodeURIComponent(id)}/withdraw`, {});
  }
  async notifications(): Promise<HostNotification[]> {
    return (
      await this.call<{ items: HostNotification[] }>('GET', '/api/notifications', undefined, {
        limit: 50,
      })
    ).items;
  }
  resendNotification(id: string): Promise<unknown> {
    return this.call('POST', `/api/notifications/${encodeURIComponent(id)}/resend`);
  }

  // Device
  /** Runs the printer's cleaning cycle (production and device administrators). */
  cleanPrinter(): Promise<{ cleaned: boolean; reason: string | null }> {
    return this.call('POST', '/api/printer/cleaning');
  }
  /** /health answers 503 with the same report when the database is not writable. */
  async health(): Promise<HealthReport> {
    const res = await fetch(this.url('/health'), { cache: 'no-store' }).catch(() => null);
    if (!res) throw new ApiError(0, 'NETWORK', 'the appliance does not answer');
    return (await res.json()) as HealthReport;
  }

  // Card lifecycle (staff)
  cardLifecycle(id: string): Promise<CardLifecycle> {
    return this.call('GET', `/api/cards/${encodeURIComponent(id)}/lifecycle`);
  }
  async expiringCards(days?: number): Promise<Array<{ card: Card; holderName: string }>> {
    return (
      await this.call<{ items: Array<{ card: Card; holderName: string }> }>(
        'GET',
        '/api/cards/expiring',
        undefined,
        { days },
      )
    ).items;
  }
  /** suspend and resume take a reason; return and forgotten-badge an optional note. */
  cardAction(
    id: string,
    action: 'suspend' | 'resume' | 'return' | 'forgotten-badge' | 'renew',
    body: { reason?: string; note?: string } = {},
  ): Promise<CardActionResult> {
    return this.call('POST', `/api/cards/${encodeURIComponent(id)}/${action}`, body);
  }
  replaceCard(id: string, reason: CardReplaceReason, note?: string): Promise<CardActionResult> {
    return this.call('POST', `/api/cards/${encodeURIComponent(id)}/replace`, {
      reason,
      ...(note ? { note } : {}),
    });
  }
  /** Renewal on the same chip: the card is in the encoder, the holder's PIN signs its new key. */
  renewOnChip(id: string, pin: string): Promise<CardActionResult> {
    return this.call('POST', `/api/cards/${encodeURIComponent(id)}/renew`, { pin });
  }
  pinOptions(id: string): Promise<PinOptions> {
    return this.call('GET', `/api/cards/${encodeURIComponent(id)}/pin/puk-source`);
  }
  unblockPin(id: string, newPin: string): Promise<CardActionResult> {
    return this.call('POST', `/api/cards/${encodeURIComponent(id)}/pin/unblock`, { newPin });
  }
  changePin(id: string, currentPin: string, newPin: string): Promise<CardActionResult> {
    return this.call('POST', `/api/cards/${encodeURIComponent(id)}/pin/change`, {
      currentPin,
      newPin,
    });
  }
}
