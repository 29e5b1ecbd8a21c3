/**
 * Visits at the kiosk in Debian's Chromium, the camera fed a QR code (Chromium's fake camera
 * reading a Y4M file written by the test): an invited visitor shows the QR code from the
 * invitation e-mail, confirms, accepts the site terms (recorded with their version) and
 * waits on the status screen while the card is printed on the simulated Evolis printer; the
 * printed badge's QR code, read back from the printer's black panel, is the card number. The
 * visitor then leaves by showing that badge's QR code to the camera: the visit ends and the
 * card is returned. Also: the short code typed on the on-screen keyboard without a camera.
 * Run under `flock /tmp/cardkiosk-chromium.lock`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsqr from 'jsqr';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import {
  createSimulatedCardPrinter,
  type SimulatedSerialCardPrinter,
} from '../../drivers/printer/index.js';
import type { PrintedCard } from '../../drivers/printer/simulated-printer-device.js';
import { localDate } from '../../appliance/src/core/visit/closing-time.js';
import { normalizeStatusCode, statusCodeHash } from '../../appliance/src/services/status-code.js';
import { buildTestApp, TEST_PASSCODE, type TestApp } from '../support/build-test-app.js';
import { hasTool, itWithTools } from '../support/system-tools.js';
import {
  axeFindings,
  ensureUiBuilt,
  launchChromium,
  screenshot,
} from '../support/kiosk-browser.js';
import { writeQrY4m } from '../support/qr-y4m.js';
import { addPerson, crewFor, ok, post, type Crew } from '../support/workflow-driver.js';

// jsqr is CommonJS with `exports.default`; Node's ESM interop hands over the module object.
const jsQR = ((jsqr as unknown as { default?: typeof jsqr.default }).default ??
  jsqr) as unknown as typeof jsqr.default;

const it = itWithTools(['chromium']);
const VIEWPORT = { width: 1280, height: 800 };
const SCAN_MS = 20_000;

/** The QR code on a printed badge, from the black (K) panel: 1 bit a dot, 81 bytes a line. */
function badgeQr(card: PrintedCard): string | null {
  const k = card.front.k;
  if (!k) return null;
  const lineBytes = 81;
  const width = lineBytes * 8;
  const height = k.length / lineBytes;
  for (const msbFirst of [true, false]) {
    const rgba = new Uint8ClampedArray(width * height * 4).fill(255);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const byte = k[y * lineBytes + (x >> 3)] as number;
        const bit = msbFirst ? (byte >> (7 - (x & 7))) & 1 : (byte >> (x & 7)) & 1;
        if (bit) rgba.fill(0, (y * width + x) * 4, (y * width + x) * 4 + 3);
      }
    const found = jsQR(rgba, width, height);
    if (found) return found.data;
  }
  return null;
}

describe('visits at the kiosk in Chromium, the camera fed a QR code', () => {
  let t: TestApp;
  let crew: Crew;
  let base: string;
  let browser: Browser;
  let dir: string;
  let camera: string;
  let hostId: string;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const printer = createSimulatedCardPrinter({ device: { timeScale: 0 } });

  beforeAll(async () => {
    if (!hasTool('chromium')) return;
    ensureUiBuilt();
    dir = mkdtempSync(join(tmpdir(), 'cardkiosk-e2e-visits-'));
    camera = join(dir, 'camera.y4m');
    // Something to show until a test writes its code: an unrelated QR code.
    writeQrY4m(camera, 'nothing to see');
    t = await buildTestApp({
      printer,
      config: {
        siteName: 'HQ Lobby',
        timeZone: 'UTC',
        invitations: { countAsApproval: true, defaultProcess: 'CCProcVisitorCardWithApproval' },
      },
    });
    crew = await crewFor(t);
    hostId = await addPerson(t, crew.officer, 'employee', { name: 'Helen Host' });
    base = await t.appliance.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchChromium([`--use-file-for-fake-video-capture=${camera}`]);
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await t?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function kiosk(init?: () => void): Promise<Page> {
    const context = await browser.newContext({ viewport: VIEWPORT, hasTouch: true });
    contexts.push(context);
    if (init) await context.addInitScript(init);
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
        pageErrors.push(msg.text());
    });
    await page.goto(`${base}/`);
    return page;
  }

  async function checkScreen(page: Page, name: string): Promise<void> {
    await screenshot(page, name);
    expect(await axeFindings(page), `axe on ${name}`).toEqual([]);
  }

  const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true });

  async function invite(name: string): Promise<{ code: string }> {
    return ok(
      post(t, crew.officer, '/api/invitations', {
        name,
        company: 'Initech',
        email: 'guest@initech.example',
        hostPersonId: hostId,
        firstDay: localDate(t.clock.now(), 'UTC'),
      }),
      201,
    );
  }

  let cardNumber = '';
  let requestId = '';

  it('an invited visitor shows the e-mail’s QR code and gets a printed card', async () => {
    const invitation = await invite('Ivy Invitee');
    // What the e-mail's QR code carries (invitation-service.ts).
    writeQrY4m(camera, `CKINV:${invitation.code}`);
    const page = await kiosk();
    await button(page, 'I have an invitation').click();
    await page.locator('kiosk-qr-scanner video').waitFor();
    await checkScreen(page, 'visits-01-invitation-scan');

    // The camera reads the code; the invitation's details are filled in.
    await page.getByRole('heading', { name: 'Welcome, Ivy Invitee' }).waitFor({ timeout: SCAN_MS });
    const details = page.locator('[data-testid="invitation"]');
    expect(await details.textContent()).toContain('Initech');
    expect(await details.textContent()).toContain('Helen Host');
    expect(await details.textContent()).toContain('Visitor card with approval (Physical ID)');
    await checkScreen(page, 'visits-02-invitation');
    await button(page, 'Yes, this is me').click();

    await button(page, 'Take photo').click();
    await button(page, 'Use this photo').click();

    // The site's own terms, generated from its settings; their version is recorded.
    const terms = await ok(t.call({ method: 'GET', url: '/api/self-service/terms?lang=en' }));
    await page.getByTestId('terms-text').filter({ hasText: 'HQ Lobby' }).waitFor();
    expect(await page.getByTestId('terms-text').textContent()).toBe(terms.text);
    await page.getByLabel('I accept the site terms').check();
    await button(page, 'Request my card').click();

    const statusCode = (await page.getByTestId('status-code').textContent())?.trim() ?? '';
    expect(statusCode).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    // The invitation counts as approval here.
    await page.getByText('Approved. Your card is being prepared.').waitFor();
    const request = await t.store.read((tx) =>
      tx.requests.getByStatusCodeHash(statusCodeHash(normalizeStatusCode(statusCode) as string)),
    );
    requestId = request!.id;
    expect(await t.store.read((tx) => tx.visits.terms(requestId))).toMatchObject({
      textSha256: terms.version,
      language: 'en',
    });

    // Staff start production; the visitor's status screen follows live.
    await ok(post(t, crew.producer, `/api/requests/${requestId}/production`, { mode: 'single' }));
    await t.appliance.services.production.whenIdle();
    await page.getByText('Your card is ready. Please collect it at the desk.').waitFor();
    await checkScreen(page, 'visits-03-invitation-card-ready');

    const detail = await ok(
      t.call({ method: 'GET', url: `/api/requests/${requestId}`, cookie: crew.officer.cookie }),
    );
    cardNumber = detail.card.cardNumber as string;
    const printed = (printer as SimulatedSerialCardPrinter).device.printed().at(-1);
    expect(printed).toBeTruthy();
    expect(badgeQr(printed!)).toBe(cardNumber);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('the visitor leaves by showing the badge’s QR code: visit ended, card returned', async () => {
    expect(cardNumber).not.toBe('');
    await ok(post(t, crew.guard, `/api/requests/${requestId}/collect`));
    const visit = () => t.store.read((tx) => tx.visits.getByRequest(requestId));
    expect((await visit())?.state).toBe('on_site');

    writeQrY4m(camera, cardNumber);
    const page = await kiosk();
    await button(page, 'I’m leaving').click();
    await page.locator('kiosk-qr-scanner video').waitFor();
    await checkScreen(page, 'visits-04-leaving');
    await page
      .getByRole('heading', { name: 'Thank you for your visit' })
      .waitFor({ timeout: SCAN_MS });
    await checkScreen(page, 'visits-05-left');
    expect((await visit())?.state).toBe('left');
    const card = await t.store.read((tx) => tx.cards.getByRequest(requestId));
    expect(card?.status).toBe('returned');
    await button(page, 'Done').click();
    await page.getByRole('heading', { name: 'Welcome' }).waitFor();
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('without a camera the short code is typed on the on-screen keyboard', async () => {
    const invitation = await invite('Tom Typist');
    const page = await kiosk(() => {
      Object.defineProperty(navigator, 'mediaDevices', { value: undefined });
    });
    await button(page, 'I have an invitation').click();
    await page.getByText('There is no camera available. Please type the code instead.').waitFor();
    await button(page, 'Type the code').click();
    const keyboard = page.locator('kiosk-onscreen-keyboard');
    await keyboard.waitFor();
    // A wrong code first: the same "not found" as any other.
    for (const ch of 'zzzz-zzzz')
      await keyboard.getByRole('button', { name: ch, exact: true }).click();
    await button(page, 'Next').click();
    await page.getByText('No invitation for today has this code.', { exact: false }).waitFor();
    for (let i = 0; i < 9; i++) await keyboard.getByRole('button', { name: 'Delete' }).click();
    for (const ch of invitation.code.toLowerCase())
      await keyboard.getByRole('button', { name: ch, exact: true }).click();
    await checkScreen(page, 'visits-06-invitation-typed');
    await button(page, 'Next').click();
    await page.getByRole('heading', { name: 'Welcome, Tom Typist' }).waitFor();
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('the desk sees who is on site, invites a visitor and withdraws the invitation in the console', async () => {
    await t.staff('vera', ['registration_officer', 'security_staff']);
    const desk = await browser.newContext({ viewport: VIEWPORT, hasTouch: true });
    contexts.push(desk);
    const page = await desk.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${base}/staff`);
    await page.getByLabel('User name').fill('vera');
    await page.getByLabel('Passcode').fill(TEST_PASSCODE);
    await button(page, 'Sign in').click();
    await page.locator('button[data-view="visits"]').click();
    const view = page.locator('kiosk-visits-view');
    await view.getByRole('heading', { name: 'On site now' }).waitFor();
    await view.getByRole('link', { name: 'Print the list' }).waitFor();

    await view.getByLabel('Full name').fill('Nina Newcomer');
    await view.getByLabel('E-mail', { exact: true }).fill('nina@initech.example');
    await view.getByLabel('Host', { exact: true }).fill('hel');
    await view.getByRole('button', { name: 'Helen Host' }).click();
    await button(page, 'Send invitation').click();
    const code = (await view.getByTestId('invitation-code').textContent())?.trim() ?? '';
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const row = view.locator('li[data-invitation]', { hasText: 'Nina Newcomer' });
    await row.waitFor();
    await checkScreen(page, 'visits-07-console');
    expect((await lookupCode(code)).statusCode).toBe(200);

    await row.getByRole('button', { name: /Withdraw/ }).click();
    await row.waitFor({ state: 'detached' });
    expect((await lookupCode(code)).statusCode).toBe(404);
    await view.getByRole('heading', { name: 'Notifications' }).waitFor();
    expect(pageErrors).toEqual([]);
  }, 60_000);

  const lookupCode = (code: string) =>
    post(t, null, '/api/self-service/invitations/lookup', { code });
});
