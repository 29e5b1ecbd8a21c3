/**
 * The kiosk UI in Debian's Chromium against an in-process appliance: a visitor asks for a card
 * on the touch screens, staff approve and produce it in the console while the visitor's status
 * screen follows live, security staff hand it over and the PIN shows once; the idle reset, the
 * language switch, no camera, a device that is not ready; security staff revoke a lost card
 * and the CRL lists its certificate; axe-core on every screen, and a screenshot of each in
 * test-results/screenshots/.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import sinon from 'sinon';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { buildTestApp, TEST_PASSCODE, type TestApp } from '../support/build-test-app.js';
import { hasTool, itWithTools } from '../support/system-tools.js';
import type { FakeCardPrinter } from '../support/fake-devices.js';
import { readServedCrl } from '../support/served-crl.js';
import {
  addPerson,
  crewFor,
  getRequest,
  ok,
  post,
  produceCard,
} from '../support/workflow-driver.js';
import {
  CHROMIUM,
  UI_DIST,
  axeFindings,
  ensureUiBuilt,
  launchChromium,
  screenshot,
} from '../support/kiosk-browser.js';

const it = itWithTools(['chromium']);
const VIEWPORT = { width: 1280, height: 1000 };
const LIVE_MS = 10_000;

describe('kiosk UI in Chromium', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  /** Console errors that are not failed HTTP loads (a 401 before sign-in is expected). */
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!hasTool('chromium')) return;
    ensureUiBuilt();
    t = await buildTestApp();
    const crew = await crewFor(t);
    await addPerson(t, crew.officer, 'employee', { name: 'Helen Host' });
    base = await t.appliance.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await t?.dispose();
  });

  async function openPage(path: string, init?: () => void): Promise<Page> {
    const context = await browser.newContext({ viewport: VIEWPORT, hasTouch: true });
    contexts.push(context);
    if (init) await context.addInitScript(init);
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${path}: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
        pageErrors.push(`${path}: ${msg.text()}`);
    });
    await page.goto(`${base}${path}`);
    return page;
  }

  async function checkScreen(page: Page, name: string, docsName?: string): Promise<void> {
    await screenshot(page, name, docsName);
    expect(await axeFindings(page), `axe on ${name}`).toEqual([]);
  }

  /** Type on the on-screen keyboard in `scope`, a tap per key (Shift for capitals). */
  async function tapType(
    scope: Page | Locator,
    text: string,
    labels = { space: 'Space', shift: 'Shift' },
  ) {
    // Only the visible keyboard's keys match: a closed dialog's keyboard is not rendered.
    const keyboard = scope.locator('kiosk-onscreen-keyboard');
    for (const ch of text) {
      if (ch === ' ') {
        await keyboard.getByRole('button', { name: labels.space, exact: true }).click();
        continue;
      }
      if (ch !== ch.toLowerCase())
        await keyboard.getByRole('button', { name: labels.shift, exact: true }).click();
      await keyboard.getByRole('button', { name: ch, exact: true }).click();
    }
  }

  const button = (page: Page, name: string | RegExp) => page.getByRole('button', { name });

  async function signIn(page: Page, username: string): Promise<void> {
    await page.getByLabel('User name').fill(username);
    await page.getByLabel('Passcode').fill(TEST_PASSCODE);
    await button(page, 'Sign in').click();
    await button(page, 'Sign out').waitFor();
  }

  it('builds index.html without inline scripts or styles', async () => {
    const index = readFileSync(join(UI_DIST, 'index.html'), 'utf8');
    expect(index).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(index).not.toMatch(/<style|\sstyle=/);
    const res = await t.call({ method: 'GET', url: '/' });
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('takes a visitor from request to hand-over, with the status screen following live', async () => {
    const kiosk = await openPage('/');
    await checkScreen(kiosk, '01-walk-up-attract');
    await button(kiosk, 'Touch to start').click();
    await kiosk.locator('kiosk-kind-screen').waitFor();
    await checkScreen(kiosk, '02-walk-up-kind');
    await kiosk.locator('button[data-kind="visitor"]').click();

    await kiosk.locator('kiosk-onscreen-keyboard').waitFor();
    await tapType(kiosk, 'Vera Visitor');
    await kiosk.getByLabel('Company').click();
    await tapType(kiosk, 'Acme');
    await kiosk.getByLabel('Who are you visiting?').click();
    await tapType(kiosk, 'hel');
    await button(kiosk, 'Helen Host').click();
    await kiosk.getByText('Visiting: Helen Host').waitFor();
    expect(await kiosk.getByLabel('Full name').inputValue()).toBe('Vera Visitor');
    await checkScreen(kiosk, '03-walk-up-details', 'walk-up');
    await button(kiosk, 'Next').click();

    await button(kiosk, 'Take photo').click();
    await button(kiosk, 'Use this photo').waitFor();
    await checkScreen(kiosk, '04-walk-up-photo');
    await button(kiosk, 'Use this photo').click();

    await kiosk.getByLabel('I accept the site terms').check();
    await checkScreen(kiosk, '05-walk-up-terms');
    await button(kiosk, 'Request my card').click();
    const code = await kiosk.locator('[data-testid="status-code"]').textContent();
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    await kiosk.locator('kiosk-request-state [data-state="awaiting_approval"]').waitFor();
    await kiosk.locator('kiosk-qr-code img').waitFor();
    await checkScreen(kiosk, '06-walk-up-status');
    // The QR code's target: the same request followed from a phone.
    const phone = await openPage(`/#/status/${code}`);
    await phone.locator('kiosk-request-state [data-state="awaiting_approval"]').waitFor();
    await checkScreen(phone, '06b-phone-status');
    // Proof that what follows arrives live: a reload would drop this marker.
    await kiosk.evaluate(() => ((window as unknown as { marker: number }).marker = 42));

    await t.staff('ada', ['approver', 'card_production_admin']);
    const desk = await openPage('/staff');
    await desk.getByLabel('User name').waitFor();
    await checkScreen(desk, '07-staff-sign-in');
    await signIn(desk, 'ada');
    const pending = desk.locator('kiosk-approvals-view li', { hasText: 'Vera Visitor' });
    await pending.waitFor();
    await checkScreen(desk, '08-staff-approvals');
    await pending.getByRole('button', { name: /Approve/ }).click();
    await kiosk
      .locator('kiosk-request-state [data-state="card_generated"]')
      .waitFor({ timeout: LIVE_MS });

    await desk.locator('button[data-view="production"]').click();
    const ready = desk.locator('kiosk-production-view li', { hasText: 'Vera Visitor' });
    await ready.getByRole('button', { name: /Produce now/ }).waitFor();
    await checkScreen(desk, '09-staff-production', 'staff-console');
    await ready.getByRole('button', { name: /Produce now/ }).click();
    await kiosk
      .locator('kiosk-request-state [data-state="produced"]')
      .waitFor({ timeout: LIVE_MS });
    await screenshot(kiosk, '10-walk-up-status-ready');

    const produced = desk.locator('kiosk-production-view li[data-state="produced"]', {
      hasText: 'Vera Visitor',
    });
    await produced.getByRole('button', { name: /Preview/ }).click();
    await desk.getByRole('img', { name: 'Front' }).waitFor();
    await desk.waitForFunction(() => {
      const view = document
        .querySelector('kiosk-app')
        ?.shadowRoot?.querySelector('kiosk-staff-console')
        ?.shadowRoot?.querySelector('kiosk-production-view');
      const imgs = [
        ...(view?.shadowRoot?.querySelectorAll('figure img') ?? []),
      ] as HTMLImageElement[];
      // A one-sided visitor badge has no back: that side is dropped once it fails to load.
      return imgs.length >= 1 && imgs.every((i) => i.complete && i.naturalWidth > 0);
    });
    await checkScreen(desk, '11-staff-card-preview');
    await button(desk, 'Close').click();

    await desk.locator('button[data-view="batches"]').click();
    await desk.locator('kiosk-batches-view h2').first().waitFor();
    await checkScreen(desk, '12-staff-batches');
    await desk.locator('button[data-view="audit"]').click();
    await desk.locator('kiosk-audit-view tbody tr').first().waitFor();
    await checkScreen(desk, '13-staff-audit');
    await button(desk, 'Sign out').click();

    await t.staff('gus', ['security_staff']);
    await signIn(desk, 'gus');
    const toHand = desk.locator('kiosk-collection-view li', { hasText: 'Vera Visitor' });
    await toHand.waitFor();
    await checkScreen(desk, '14-staff-collection');
    await toHand.getByRole('button', { name: /Hand over/ }).click();
    await desk.locator('kiosk-dialog[open]').getByRole('button', { name: 'Hand over' }).click();
    const pin = desk.locator('[data-testid="pin"]');
    await pin.waitFor();
    expect(await pin.textContent()).not.toMatch(/\d/);
    // Shown only while the holder holds the button down.
    await desk.getByRole('button', { name: 'Press and hold to show the PIN' }).hover();
    await desk.mouse.down();
    await expect.poll(() => pin.getAttribute('data-shown')).toBe('true');
    expect((await pin.textContent())!.trim()).toMatch(/^\d{6}$/);
    await checkScreen(desk, '15-staff-pin-once');
    await desk.mouse.up();
    await expect.poll(() => pin.getAttribute('data-shown')).toBe('false');
    await button(desk, 'The holder has seen the PIN').click();
    await pin.waitFor({ state: 'detached' });
    await desk
      .locator('kiosk-collection-view li', { hasText: 'Vera Visitor' })
      .waitFor({ state: 'detached' });
    await kiosk
      .locator('kiosk-request-state [data-state="collected"]')
      .waitFor({ timeout: LIVE_MS });
    expect(await kiosk.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    await phone
      .locator('kiosk-request-state [data-state="collected"]')
      .waitFor({ timeout: LIVE_MS });

    await t.staff('dora', ['device_admin']);
    const admin = await openPage('/diagnostics');
    await signIn(admin, 'dora');
    await admin.locator('[data-field="printer-driver"]').waitFor();
    expect(await admin.locator('[data-field="printer-driver"]').textContent()).toBe('simulated');
    expect(await admin.locator('[data-field="version"]').textContent()).toBe('test');
    await checkScreen(admin, '16-staff-diagnostics');
  }, 150_000);

  /** A walk-up request made through the API; approved too unless told otherwise. */
  async function walkUp(name: string, approve = true): Promise<string> {
    const created = await t.call({
      method: 'POST',
      url: '/api/self-service/requests',
      payload: { kind: 'visitor', name, acceptTerms: true },
    });
    const { statusCode } = created.json() as { statusCode: string };
    if (approve) {
      const { requestId } = await t.appliance.services.requests.walkUpStatus(statusCode);
      const approver = await t.staff(`appr-${requestId.slice(0, 8)}`, ['approver']);
      const res = await t.call({
        method: 'POST',
        url: `/api/requests/${requestId}/approve`,
        cookie: approver.cookie,
      });
      expect(res.statusCode).toBe(200);
    }
    return statusCode;
  }

  it('rejects with a reason, and the walk-up reads it in plain words', async () => {
    const code = await walkUp('Rita Rejected', false);
    const phone = await openPage(`/#/status/${code}`);
    await phone.locator('kiosk-request-state [data-state="awaiting_approval"]').waitFor();
    const desk = await openPage('/staff');
    await signIn(desk, 'ada');
    await desk
      .locator('kiosk-approvals-view li', { hasText: 'Rita Rejected' })
      .getByRole('button', { name: /^Reject/ })
      .click();
    const dialog = desk.locator('kiosk-dialog[open]');
    await dialog.getByLabel(/Reason/).click();
    await tapType(desk, 'no host today');
    await checkScreen(desk, '08b-staff-reject-reason');
    await dialog.getByRole('button', { name: 'Reject', exact: true }).click();
    await phone
      .locator('kiosk-request-state [data-state="rejected"]')
      .waitFor({ timeout: LIVE_MS });
    await phone.getByText('Reason: no host today').waitFor();
    await checkScreen(phone, '06c-phone-status-rejected');
  }, 60_000);

  it('shows a failed production with its reason, and tries again', async () => {
    await walkUp('Fay Failed');
    (t.printer as FakeCardPrinter).failNext('print', 'ribbon_out');
    const desk = await openPage('/staff');
    await signIn(desk, 'pia');
    await desk
      .locator('kiosk-production-view li', { hasText: 'Fay Failed' })
      .getByRole('button', { name: /Produce now/ })
      .click();
    const failed = desk.locator('kiosk-production-view li[data-state="production_failed"]', {
      hasText: 'Fay Failed',
    });
    await failed.waitFor({ timeout: LIVE_MS });
    expect(await failed.textContent()).toMatch(/ribbon/i);
    await checkScreen(desk, '09b-staff-production-failed');
    await failed.getByRole('button', { name: /Try again/ }).click();
    await desk
      .locator('kiosk-production-view li[data-state="produced"]', { hasText: 'Fay Failed' })
      .waitFor({ timeout: LIVE_MS });
  });

  it('adds an approved card to a named batch and runs the batch', async () => {
    await walkUp('Bart Batch');

    const desk = await openPage('/staff');
    await signIn(desk, 'pia');
    const item = desk.locator('kiosk-production-view li', { hasText: 'Bart Batch' });
    await item.getByRole('button', { name: /Add to batch/ }).click();
    const dialog = desk.locator('kiosk-dialog[open]');
    await dialog.getByLabel('Batch name').fill('Lobby Monday');
    await dialog.getByRole('button', { name: 'Add to batch', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });

    await desk.locator('button[data-view="batches"]').click();
    const batch = desk.locator('kiosk-batches-view li', { hasText: 'Lobby Monday' });
    await batch.getByRole('button', { name: /Run batch/ }).click();
    await batch.getByRole('button', { name: /Cards in Lobby Monday/ }).click();
    await desk
      .locator('kiosk-batches-view tr', { hasText: 'Bart Batch' })
      .filter({ hasText: 'Produced' })
      .waitFor({ timeout: LIVE_MS });
    await checkScreen(desk, '12b-staff-batch-run');
  });

  // Needs openssl to read the CRL; a Digital ID card, since only it carries a certificate.
  itWithTools(['chromium', 'openssl'])(
    'finds a card by its number, revokes it as lost, and the CRL lists its certificate',
    async () => {
      const rory = await t.staff('rory', ['registration_officer', 'card_production_admin']);
      const personId = await addPerson(t, rory, 'visitor', { name: 'Lena Lost' });
      const { id } = await produceCard(t, rory, personId, 'PcmProcVisitorCardWithoutApproval');
      await ok(post(t, rory, `/api/requests/${id}/production`, { mode: 'single' }));
      await t.appliance.services.production.whenIdle();
      const { card } = await getRequest(t, rory, id);
      const serial = (await t.store.read((tx) => tx.cards.get(card.id)))?.certificateSerial;
      expect(serial).toMatch(/^[0-9a-f]+$/);
      const crlDir = mkdtempSync(join(tmpdir(), 'cardkiosk-e2e-crl-'));
      try {
        expect((await readServedCrl(t, crlDir)).serials).not.toContain(serial!.toUpperCase());

        const desk = await openPage('/staff');
        await signIn(desk, 'sam');
        await desk.locator('button[data-view="cards"]').click();
        const view = desk.locator('kiosk-cards-view');
        await view.getByLabel('Card number').click();
        await tapType(view, card.cardNumber);
        await view.getByRole('button', { name: 'Find', exact: true }).click();
        const selected = view.locator(`[data-selected="${card.id}"]`);
        await selected.getByText('Lena Lost').waitFor();
        expect(await selected.locator('[data-field="status"]').textContent()).toBe('Produced');
        // Returning a card is a lifecycle action (the panel below), not a revocation reason.
        expect(
          (await selected.locator('.reasons button').allTextContents()).map((x) => x.trim()),
        ).toEqual(['Lost', 'Stolen', 'Damaged']);
        await checkScreen(desk, '21-staff-cards');

        await selected.getByRole('button', { name: 'Lost', exact: true }).click();
        const dialog = desk.locator('kiosk-dialog[open]');
        await dialog.getByLabel('Note (optional)').click();
        await tapType(dialog, 'reported at reception');
        await checkScreen(desk, '21b-staff-cards-revoke');
        await dialog.getByRole('button', { name: 'Revoke card', exact: true }).click();
        await selected.getByText(`Card ${card.cardNumber} is now: Revoked.`).waitFor();
        expect(await selected.locator('[data-field="status"]').textContent()).toBe('Revoked');
        await view.locator(`tr[data-card="${card.id}"][data-status="revoked"]`).waitFor();
        await checkScreen(desk, '21c-staff-cards-revoked');

        const onServer = await t.call({
          method: 'GET',
          url: `/api/cards/${card.id}`,
          cookie: rory.cookie,
        });
        expect(onServer.json()).toMatchObject({ status: 'revoked' });
        const crl = await readServedCrl(t, crlDir);
        expect(crl.verified).toBe(true);
        expect(crl.serials).toContain(serial!.toUpperCase());
        expect(crl.text).toContain('Key Compromise');

        // Asked again, the server refuses, and the screen says so in its words.
        await selected.getByRole('button', { name: 'Stolen', exact: true }).click();
        await desk
          .locator('kiosk-dialog[open]')
          .getByRole('button', { name: 'Revoke card', exact: true })
          .click();
        await selected
          .getByRole('alert')
          .getByText(
            /^This card cannot be revoked: "revoke" is not possible while the card is revoked/,
          )
          .waitFor();

        // The newest cards, filtered by status, list it among the revoked ones.
        await view.getByRole('button', { name: 'Show recent cards' }).click();
        await view.getByLabel('Status').selectOption('revoked');
        await view.locator(`tr[data-card="${card.id}"]`).waitFor();
        await expect
          .poll(() => view.locator('tbody tr[data-card]:not([data-status="revoked"])').count(), {
            timeout: LIVE_MS,
          })
          .toBe(0);
      } finally {
        rmSync(crlDir, { recursive: true, force: true });
      }
    },
    60_000,
  );

  it('forgets what was typed, and the language, when the walk-up leaves the kiosk idle', async () => {
    const kiosk = await openPage('/?idle=2');
    await button(kiosk, 'Nederlands').click();
    await button(kiosk, 'Tik om te beginnen').click();
    await kiosk.locator('button[data-kind="visitor"]').click();
    await tapType(kiosk, 'Zed Secret', { space: 'Spatie', shift: 'Hoofdletter' });
    expect(await kiosk.getByLabel('Volledige naam').inputValue()).toBe('Zed Secret');
    // The idle timer (2 s) brings back the attract screen by itself, in the default language.
    await kiosk.getByRole('heading', { name: 'Welcome' }).waitFor({ timeout: LIVE_MS });
    expect(await kiosk.content()).not.toContain('Zed Secret');
    await button(kiosk, 'Touch to start').click();
    await kiosk.locator('button[data-kind="visitor"]').click();
    expect(await kiosk.getByLabel('Full name').inputValue()).toBe('');
  });

  it('signs staff out of the shared kiosk after the staff idle time', async () => {
    const desk = await openPage('/staff?staffIdle=2');
    await signIn(desk, 'pia');
    await desk.getByLabel('User name').waitFor({ timeout: LIVE_MS });
    // The session ended on the server too, not only on the screen.
    expect(await desk.evaluate(async () => (await fetch('/api/session')).status)).toBe(401);
  });

  it('switches language on the attract screen, and goes on without a camera', async () => {
    const kiosk = await openPage('/', () => {
      // A kiosk without a camera.
      Object.defineProperty(navigator, 'mediaDevices', { value: undefined });
    });
    await button(kiosk, 'Nederlands').click();
    await kiosk.getByRole('heading', { name: 'Welkom' }).waitFor();
    await checkScreen(kiosk, '17-walk-up-attract-nl');
    await button(kiosk, 'Tik om te beginnen').click();
    await kiosk.getByRole('heading', { name: 'Welke pas hebt u nodig?' }).waitFor();
    await kiosk.locator('button[data-kind="contractor"]').click();
    await tapType(kiosk, 'jan', { space: 'Spatie', shift: 'Hoofdletter' });
    await kiosk.getByText('Pas geldig tot').waitFor();
    await checkScreen(kiosk, '18-walk-up-details-contractor-nl');
    await button(kiosk, 'Verder').click();
    await kiosk.getByText('Er is geen camera beschikbaar').waitFor();
    await checkScreen(kiosk, '19-walk-up-no-camera-nl');
    await button(kiosk, 'English').waitFor({ state: 'detached' });
  });

  it('says on the attract screen that no card can be made while the encoder is missing', async () => {
    const stub = sinon
      .stub(t.encoder, 'status')
      .resolves({ readerPresent: false, cardPresent: false });
    try {
      const kiosk = await openPage('/');
      await kiosk.getByText('the card encoder is not connected').waitFor();
      expect(await button(kiosk, 'Touch to start').isDisabled()).toBe(true);
      await checkScreen(kiosk, '20-walk-up-not-ready');
    } finally {
      stub.restore();
    }
  });

  it('ran in the system Chromium with no script error or CSP violation on any page', () => {
    expect(browser.version()).toMatch(/^\d+\./);
    expect(CHROMIUM).toBe('/usr/bin/chromium');
    expect(pageErrors).toEqual([]);
  });
});
