/**
 * Crash torture: the real appliance process, killed with SIGKILL at random moments while
 * walk-ups, productions (single and batch), approvals and collections are under way, each
 * write sent with an Idempotency-Key and replayed after the restart. A seeded generator picks
 * the operations and the moments, so a failure is reproduced by its seed. Checked after every
 * restart: nothing in `requested`, no running batch holding members back; for every replay:
 * the first answer again (a collection once its PIN was shown: the refusal); at the end: no
 * duplicate request or card from a replayed key, spoiled blanks equal to blanks the printer
 * fed minus cards produced, and SIGTERM with a queue ending within the unit's stop timeout,
 * the card in the printer finished and the rest still queued.
 *
 * Used by test/integration/appliance/crash-torture.test.ts (a bounded run) and
 * test/torture/run.ts (`npm run torture -- <kills> [seed]`).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPersistedPrinterState } from '../../drivers/printer/persistent-simulated-printer.js';
import { freePort, startApplianceProcess, type ApplianceProcess } from './appliance-process.js';

/** systemd/cardkiosk.service: TimeoutStopSec=30. */
export const UNIT_STOP_TIMEOUT_MS = 30_000;
const PASSCODE = 'torture-passcode-long-1';

/** mulberry32: small, seedable, good enough to pick operations and moments. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Answer {
  status: number;
  body: unknown;
}

interface Op {
  kind: 'walk-up' | 'produce' | 'approve' | 'single' | 'mass' | 'run-batch' | 'collect' | 'retry';
  key: string;
  who: Client;
  path: string;
  body: unknown;
  /** The request it acts on (or the walk-up's name), to keep one op per request in flight. */
  target: string;
  first: Answer | null;
}

class Client {
  cookie = '';
  constructor(public base: string) {}

  async call(method: string, path: string, body?: unknown, key?: string): Promise<Answer> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(key ? { 'idempotency-key': key } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  async ok(method: string, path: string, body?: unknown, status = 200): Promise<any> {
    const a = await this.call(method, path, body);
    if (a.status !== status)
      throw new Error(`${method} ${path}: ${a.status} ${JSON.stringify(a.body)}`);
    return a.body;
  }
}

export interface TortureReport {
  seed: number;
  kills: number;
  operations: number;
  replays: number;
  walkUps: number;
  cardsProduced: number;
  blanksFed: number;
  spoiled: number;
  sigtermMs: number;
  durationMs: number;
}

export class TortureFailure extends Error {}

function check(condition: boolean, message: string): void {
  if (!condition) throw new TortureFailure(message);
}

function sameAnswer(a: Answer, b: Answer): boolean {
  return a.status === b.status && JSON.stringify(a.body) === JSON.stringify(b.body);
}

export async function runCrashTorture(options: {
  kills: number;
  seed: number;
  log?: (line: string) => void;
}): Promise<TortureReport> {
  const { kills, seed } = options;
  const log = options.log ?? (() => undefined);
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const started = Date.now();
  const stateDir = mkdtempSync(join(tmpdir(), 'cardkiosk-torture-'));
  const port = await freePort();
  const config = {
    // Fast cards, so that kills land in every step of production.
    printer: { driver: 'simulated', cycleScale: 0.02, persistState: true },
    rateLimits: {
      signInPerMinute: 10_000,
      walkUpPerMinute: 10_000,
      statusLookupsPerMinute: 10_000,
    },
  };
  const start = () => startApplianceProcess(stateDir, port, config);
  let proc: ApplianceProcess | null = null;
  const ops: Op[] = [];
  let replays = 0;
  let counter = 0;
  try {
    proc = await start();
    // Staff: the first admin creates one member per duty, all signed in for the whole run
    // (sessions are durable, so the cookies survive every kill).
    const admin = new Client(proc.url);
    const first = readFileSync(join(stateDir, 'first-admin-passcode'), 'utf8').trim();
    await admin.ok('POST', '/api/session', { username: 'admin', passcode: first });
    await admin.ok(
      'POST',
      '/api/session/passcode',
      { currentPasscode: first, newPasscode: PASSCODE },
      204,
    );
    const crew: Record<string, Client> = {};
    for (const [name, role] of [
      ['otto', 'registration_officer'],
      ['ann', 'approver'],
      ['pia', 'card_production_admin'],
      ['sam', 'security_staff'],
    ] as const) {
      const created = await admin.ok(
        'POST',
        '/api/users',
        { username: name, displayName: name, roles: [role] },
        201,
      );
      const c = new Client(proc.url);
      await c.ok('POST', '/api/session', { username: name, passcode: created.oneTimePasscode });
      await c.ok(
        'POST',
        '/api/session/passcode',
        { currentPasscode: created.oneTimePasscode, newPasscode: PASSCODE },
        204,
      );
      crew[name] = c;
    }
    const kiosk = new Client(proc.url);
    const { otto, ann, pia, sam } = crew as Record<'otto' | 'ann' | 'pia' | 'sam', Client>;
    const persons: string[] = [];
    for (let i = 0; i < 4; i++) {
      const p = await otto.ok(
        'POST',
        '/api/persons',
        { kind: 'visitor', name: `Torture Visitor ${i}`, company: 'Acme' },
        201,
      );
      persons.push(p.id);
    }
    const state = {
      blanksAtStart: readPersistedPrinterState(printerFile(stateDir))!.cardsInFeeder,
    };
    check(state.blanksAtStart > 0, 'the simulated printer has blanks');

    const byState = async (s: string): Promise<Array<{ id: string; batchId: string | null }>> =>
      (await pia.ok('GET', `/api/requests?state=${s}&limit=100`)).items;

    /** Operations for this round, at most one per request. */
    const planRound = async (): Promise<Op[]> => {
      const busy = new Set<string>();
      const round: Op[] = [];
      const add = (op: Omit<Op, 'key' | 'first'>) => {
        if (busy.has(op.target)) return;
        busy.add(op.target);
        counter += 1;
        round.push({ ...op, key: `torture-${seed}-${counter}`, first: null });
      };
      const generated = await byState('card_generated');
      const awaiting = await byState('awaiting_approval');
      const produced = await byState('produced');
      const failed = await byState('production_failed');
      const batches = (await pia.ok('GET', '/api/batches?state=open&limit=100')).items as Array<{
        id: string;
      }>;
      const count = 4 + Math.floor(random() * 6);
      for (let i = 0; i < count; i++) {
        const kind = pick([
          'walk-up',
          'walk-up',
          'produce',
          'approve',
          'single',
          'single',
          'mass',
          'run-batch',
          'collect',
          'retry',
        ] as const);
        if (kind === 'walk-up') {
          const name = `Walk Up ${seed} ${counter + 1}`;
          add({
            kind,
            who: kiosk,
            path: '/api/self-service/requests',
            body: { kind: 'visitor', name, acceptTerms: true },
            target: name,
          });
        } else if (kind === 'produce') {
          add({
            kind,
            who: otto,
            path: '/api/requests',
            body: { personId: pick(persons), processName: 'CCProcVisitorCardWithoutApproval' },
            target: `produce-${counter + 1}`,
          });
        } else if (kind === 'approve' && awaiting.length) {
          const r = pick(awaiting);
          add({
            kind,
            who: ann,
            path: `/api/requests/${r.id}/approve`,
            body: undefined,
            target: r.id,
          });
        } else if ((kind === 'single' || kind === 'mass') && generated.length) {
          const r = pick(generated);
          add({
            kind,
            who: pia,
            path: `/api/requests/${r.id}/production`,
            body:
              kind === 'single'
                ? { mode: 'single' }
                : { mode: 'mass', batchName: `b${seed}-${counter % 3}` },
            target: r.id,
          });
        } else if (kind === 'run-batch' && batches.length) {
          const b = pick(batches);
          add({ kind, who: pia, path: `/api/batches/${b.id}/run`, body: undefined, target: b.id });
        } else if (kind === 'collect' && produced.length) {
          const r = pick(produced);
          add({
            kind,
            who: sam,
            path: `/api/requests/${r.id}/collect`,
            body: undefined,
            target: r.id,
          });
        } else if (kind === 'retry' && failed.length) {
          const r = pick(failed);
          add({
            kind,
            who: pia,
            path: `/api/requests/${r.id}/retry`,
            body: undefined,
            target: r.id,
          });
        }
      }
      return round;
    };

    const send = async (op: Op): Promise<void> => {
      try {
        op.first = await op.who.call('POST', op.path, op.body, op.key);
      } catch {
        op.first = null; // killed before the answer arrived
      }
    };

    /** After a restart: every op of the round again, with its key. */
    const replayRound = async (round: Op[]): Promise<void> => {
      for (const op of round) {
        const again = await op.who.call('POST', op.path, op.body, op.key);
        replays += 1;
        check(
          again.status < 500,
          `replay of ${op.kind} ${op.key}: ${again.status} ${JSON.stringify(again.body)}`,
        );
        const shownPin = op.kind === 'collect' && op.first?.status === 200;
        if (shownPin && again.status === 200) {
          // The PIN is marked shown once its answer has left the process (onResponse); a kill
          // between the answer reaching the client and that commit cannot be told from a kill
          // before the answer left, so the replay shows the same first answer once more rather
          // than lose a PIN nobody saw. Only a collect in flight at the kill can be there.
          check(
            sameAnswer(op.first as Answer, again),
            `collect ${op.key}: a replay after the PIN was shown answered otherwise:\n first  ${JSON.stringify(op.first)}\n replay ${JSON.stringify(again)}`,
          );
        } else if (shownPin) {
          check(
            again.status === 409 && (again.body as { error?: string }).error === 'ALREADY_DONE',
            `collect ${op.key}: the PIN was shown, a replay must be refused, got ${again.status}`,
          );
        } else if (op.first && op.first.status < 300) {
          check(
            sameAnswer(op.first, again),
            `replay of ${op.kind} ${op.key} (seed ${seed}) differs:\n first  ${JSON.stringify(op.first)}\n replay ${JSON.stringify(again)}`,
          );
        } else if (op.first === null && again.status < 300) {
          // The first answer never arrived: this one is the first, and stays so.
          op.first = again;
          const third = await op.who.call('POST', op.path, op.body, op.key);
          replays += 1;
          if (op.kind === 'collect') {
            check(third.status === 409, `collect ${op.key}: PIN shown by the replay, then refused`);
          } else {
            check(sameAnswer(again, third), `second replay of ${op.kind} ${op.key} differs`);
          }
        }
      }
    };

    /** After recovery nothing is half-done. */
    const checkRecovered = async (): Promise<void> => {
      check((await byState('requested')).length === 0, 'a request was left in `requested`');
      const running = (await pia.ok('GET', '/api/batches?state=running&limit=100')).items as Array<{
        id: string;
      }>;
      for (const b of running) {
        const report = await pia.ok('GET', `/api/batches/${b.id}`);
        const held = (report.members as Array<{ state: string }>).filter(
          (m) => m.state === 'batched',
        );
        check(held.length === 0, `running batch ${b.id} holds ${held.length} members back`);
      }
    };

    for (let k = 0; k < kills; k++) {
      const round = await planRound();
      ops.push(...round);
      const inFlight = round.map(async (op) => {
        await new Promise((r) => setTimeout(r, Math.floor(random() * 150)));
        await send(op);
      });
      // Kill at a random moment: often mid-request, sometimes mid-production after them.
      const killAfterMs = Math.floor(random() * 900);
      await new Promise((r) => setTimeout(r, killAfterMs));
      await proc.kill('SIGKILL');
      await Promise.all(inFlight);
      const restartAt = Date.now();
      proc = await start();
      log(
        `kill ${k + 1}/${kills} after ${killAfterMs} ms, ${round.length} operations; restart ${Date.now() - restartAt} ms`,
      );
      await checkRecovered();
      await replayRound(round);
    }

    // Let everything queued finish, then check the ledger.
    await waitUntil(async () => {
      const busy = [...(await byState('queued')), ...(await byState('producing'))];
      return busy.length === 0;
    }, 120_000);
    await checkRecovered();

    // No duplicate from a replayed key: one request per walk-up name, one card per request.
    const walkUps = ops.filter((o) => o.kind === 'walk-up');
    const all = (await pia.ok('GET', '/api/requests?limit=500')).items as Array<{
      id: string;
      personId: string;
    }>;
    const holders = new Map<string, number>();
    for (const r of all) {
      const d = await pia.ok('GET', `/api/requests/${r.id}`);
      holders.set(d.person.name, (holders.get(d.person.name) ?? 0) + 1);
    }
    for (const w of walkUps) {
      const name = (w.body as { name: string }).name;
      check((holders.get(name) ?? 0) <= 1, `walk-up ${w.key} made ${holders.get(name)} requests`);
      if (w.first && w.first.status === 201)
        check(holders.get(name) === 1, `walk-up ${w.key} was answered but made no request`);
    }
    const produceOps = ops.filter((o) => o.kind === 'produce' && o.first?.status === 201);
    const produceIds = new Set(produceOps.map((o) => (o.first!.body as any).request.id as string));
    check(
      produceIds.size === produceOps.length,
      'two "Produce card" keys answered the same request',
    );
    const cards = (await pia.ok('GET', '/api/cards?limit=500')).items as Array<{
      requestId: string;
      cardNumber: string;
    }>;
    check(new Set(cards.map((c) => c.requestId)).size === cards.length, 'a request has two cards');
    check(new Set(cards.map((c) => c.cardNumber)).size === cards.length, 'a card number repeats');

    // Blanks: each was either made into a card or counted as spoiled, nothing more.
    let succeeded = 0;
    let spoiled = 0;
    for (const r of all) {
      const d = await pia.ok('GET', `/api/requests/${r.id}`);
      for (const a of d.attempts as Array<{ outcome: string; spoiledCards: number }>) {
        if (a.outcome === 'succeeded') succeeded += 1;
        spoiled += a.spoiledCards;
      }
    }
    const blanksFed =
      state.blanksAtStart - readPersistedPrinterState(printerFile(stateDir))!.cardsInFeeder;
    check(
      succeeded + spoiled === blanksFed,
      `the printer fed ${blanksFed} blanks; ${succeeded} cards were made and ${spoiled} counted spoiled`,
    );

    // SIGTERM with a queue: the card in the printer is finished, the rest stays queued.
    const queue: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await otto.ok(
        'POST',
        '/api/requests',
        { personId: pick(persons), processName: 'CCProcVisitorCardWithoutApproval' },
        201,
      );
      queue.push(r.request.id);
    }
    await waitUntil(async () => (await byState('card_generated')).length >= queue.length, 30_000);
    for (const id of queue)
      await pia.ok('POST', `/api/requests/${id}/production`, { mode: 'single' });
    await waitUntil(async () => (await byState('producing')).length === 1, 30_000);
    const termAt = Date.now();
    await proc.kill('SIGTERM');
    const sigtermMs = Date.now() - termAt;
    check(proc.child.exitCode === 0, `SIGTERM: exit code ${proc.child.exitCode}`);
    check(sigtermMs < UNIT_STOP_TIMEOUT_MS, `SIGTERM took ${sigtermMs} ms`);
    proc = await start();
    const states = await Promise.all(
      queue.map(async (id) => (await pia.ok('GET', `/api/requests/${id}`)).request),
    );
    check(
      states.every(
        (r) => r.stateReason !== 'interrupted: the appliance restarted during production',
      ),
      'SIGTERM cut a card off instead of finishing it',
    );
    check(
      states.every((r) => ['produced', 'queued', 'producing'].includes(r.state)),
      `after SIGTERM: ${states.map((r) => r.state).join(', ')}`,
    );
    check(
      states.filter((r) => r.state === 'produced').length < queue.length,
      'SIGTERM waited for the whole queue',
    );
    return {
      seed,
      kills,
      operations: ops.length,
      replays,
      walkUps: walkUps.length,
      cardsProduced: succeeded,
      blanksFed,
      spoiled,
      sigtermMs,
      durationMs: Date.now() - started,
    };
  } catch (error) {
    if (error instanceof Error) error.message = `${error.message}\n(torture seed ${seed})`;
    throw error;
  } finally {
    await proc?.kill('SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  }
}

function printerFile(stateDir: string): string {
  return join(stateDir, 'simulated-printer.json');
}

/** Polls the appliance's own API (the state lives in another process). */
async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new TortureFailure(`not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
