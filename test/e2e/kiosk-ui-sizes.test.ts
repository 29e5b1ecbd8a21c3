/**
 * The kiosk UI on the screens lobby kiosks really have (issue 14): the Raspberry Pi 7" panel
 * (800 × 480), the Touch Display 2 in portrait (720 × 1280), 1280 × 800, 1920 × 1080 and a
 * 1080 × 1920 totem. At each, in every language, a visitor walks up by touch alone on the
 * on-screen keyboard; at each, an approver sees the visit and a guard hands the card over with
 * the PIN held to show. Every tap is a Playwright click with its actionability checks (visible,
 * stable, enabled, not covered), never forced and never a keyboard shortcut; before it, the
 * controls a person needs on that screen are checked to be touchable where they are, without
 * scrolling. axe runs on every screen, and each screen is saved to test-results/screenshots/.
 *
 * One browser for the whole file, a new context per screen size.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { en } from '../../kiosk-ui/src/i18n/en.js';
import { nl } from '../../kiosk-ui/src/i18n/nl.js';
import { buildTestApp, TEST_PASSCODE, type TestApp } from '../support/build-test-app.js';
import { hasTool, itWithTools } from '../support/system-tools.js';
import { addPerson, crewFor, ok, post, type Crew } from '../support/workflow-driver.js';
import { localDate } from '../../appliance/src/core/visit/closing-time.js';
import {
  KIOSK_SCREENS,
  axeFindings,
  ensureUiBuilt,
  launchChromium,
  pageScroll,
  screenshot,
  whyNotTouchable,
} from '../support/kiosk-browser.js';

const it = itWithTools(['chromium']);
const CATALOGS = { en, nl } as const;
type Lang = keyof typeof CATALOGS;
type Size = (typeof KIOSK_SCREENS)[number];
const LIVE_MS = 10_000;
const ACCENT = '#b3261e';

/** A portrait "photo" the API and the browser both take: PNG, a face-like shape. */
function portraitPng(): Buffer {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="300"><rect width="240" height="300" fill="#9ec5e8"/><circle cx="120" cy="120" r="60" fill="#e0b48a"/><rect x="50" y="200" width="140" height="100" rx="40" fill="#3a4f7a"/></svg>`;
  return new Resvg(svg).render().asPng();
}

function logoPng(): Buffer {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120"><rect width="120" height="120" rx="24" fill="${ACCENT}"/><path d="M30 90 L60 30 L90 90 Z" fill="#fff"/></svg>`;
  return new Resvg(svg).render().asPng();
}

describe('kiosk UI on the screens kiosks have', () => {
  let t: TestApp;
  let crew: Crew;
  let base: string;
  let browser: Browser;
  let siteDir: string;
  let hostId: string;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  /** What each screen size made of the same UI, compared at the end. */
  const measured: Record<string, { rootFontPx: number; keyHeightPx: number; qrPx: number }> = {};
  const photo = portraitPng();

  beforeAll(async () => {
    if (!hasTool('chromium')) return;
    ensureUiBuilt();
    siteDir = mkdtempSync(join(tmpdir(), 'cardkiosk-e2e-site-'));
    writeFileSync(join(siteDir, 'logo.png'), logoPng());
    t = await buildTestApp({
      config: {
        siteName: 'Acme Head Office',
        siteIdentity: { logoFile: join(siteDir, 'logo.png'), accentColor: ACCENT },
      },
    });
    crew = await crewFor(t);
    hostId = await addPerson(t, crew.officer, 'employee', { name: 'Helen Host' });
    // One member who approves and hands over, so each size signs in once.
    await t.staff('vic', ['approver', 'security_staff']);
    base = await t.appliance.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await t?.dispose();
    if (siteDir) rmSync(siteDir, { recursive: true, force: true });
  });

  async function open(size: Size, path: string, fakeClock = false): Promise<Page> {
    const context = await browser.newContext({
      viewport: { width: size.width, height: size.height },
      hasTouch: true,
    });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${size.name} ${path}: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
        pageErrors.push(`${size.name} ${path}: ${msg.text()}`);
    });
    if (fakeClock) await page.clock.install();
    await page.goto(`${base}${path}`);
    return page;
  }

  async function touchable(needed: Array<[Locator, string]>, where: string): Promise<void> {
    for (const [locator, what] of needed) {
      await locator.waitFor();
      expect(await whyNotTouchable(locator), `${where}: ${what}`).toBeNull();
    }
  }

  /**
   * A walk-up screen as it opens: at its top, the page itself not scrolling either way, every
   * control in `needed` touchable where it is; then its screenshot and axe.
   */
  async function walkUpScreen(
    page: Page,
    shot: string,
    needed: Array<[Locator, string]>,
    docsName?: string,
  ): Promise<void> {
    // The screenshot first, so that a failure below has a picture to go with it.
    await screenshot(page, shot, docsName);
    const scroll = await pageScroll(page);
    expect(scroll, `${shot}: the page scrolls`).toEqual({ top: 0, overflowX: 0, overflowY: 0 });
    await touchable([[page.getByRole('heading', { level: 1 }), 'the title'], ...needed], shot);
    expect(await axeFindings(page), `axe on ${shot}`).toEqual([]);
  }

  async function checked(page: Page, shot: string, docsName?: string): Promise<void> {
    await screenshot(page, shot, docsName);
    expect(await axeFindings(page), `axe on ${shot}`).toEqual([]);
  }

  /** Type on the on-screen keyboard, a tap per key (Shift for capitals). */
  async function tapType(page: Page, text: string, m: (typeof CATALOGS)[Lang]): Promise<void> {
    const keyboard = page.locator('kiosk-onscreen-keyboard');
    const key = (name: string) => keyboard.getByRole('button', { name, exact: true });
    for (const ch of text) {
      if (ch === ' ') {
        await key(m['keyboard.space']).click();
        continue;
      }
      if (ch !== ch.toLowerCase()) await key(m['keyboard.shift']).click();
      await key(ch).click();
    }
  }

  for (const size of KIOSK_SCREENS) {
    // Both languages on one page: the second walk-up starts where Done left the first, on the
    // attract screen, as the next person at the kiosk would.
    it(`takes visitors through the walk-up by touch alone at ${size.name} (${size.what}) in every language`, async () => {
      const page = await open(size, '/');
      for (const lang of Object.keys(CATALOGS) as Lang[]) await walkUp(page, size, lang);
      await page.context().close();
    }, 120_000);
  }

  async function walkUp(page: Page, size: Size, lang: Lang): Promise<void> {
    const m = CATALOGS[lang];
    const shot = (name: string) => `size-${size.name}-${lang}-${name}`;
    // The README shows the 7" panel's and the portrait display's details screen.
    const docs = (name: string) =>
      lang === 'en' && (size.name === '800x480' || size.name === '720x1280')
        ? `walk-up-${name}-${size.name}`
        : undefined;
    const button = (name: string) => page.getByRole('button', { name, exact: true });
    const keyboard = page.locator('kiosk-onscreen-keyboard');
    const keys: Array<[Locator, string]> = [
      [keyboard.getByRole('button', { name: 'q', exact: true }), 'key q'],
      [keyboard.getByRole('button', { name: '-', exact: true }), 'key -'],
      [keyboard.getByRole('button', { name: m['keyboard.space'] }), 'space'],
      [keyboard.getByRole('button', { name: m['keyboard.backspace'] }), 'delete'],
    ];

    // Attract: the site's identity, the language, the way in.
    if (lang !== 'en') await button(m['language.name']).click();
    await page.getByRole('heading', { name: m['attract.title'] }).waitFor();
    const siteName = page.getByText('Acme Head Office');
    await walkUpScreen(page, shot('01-attract'), [
      [siteName, 'the site name'],
      [page.locator('[data-testid="site"] img'), 'the site logo'],
      [button(m['attract.start']), 'start'],
      [button(en['language.name']), 'English'],
      [button(nl['language.name']), 'Nederlands'],
    ]);
    expect(
      await button(m['attract.start']).evaluate((b) => getComputedStyle(b).backgroundColor),
    ).toBe('rgb(179, 38, 30)');
    await button(m['attract.start']).click();

    // Kind.
    const visitor = page.locator('button[data-kind="visitor"]');
    await walkUpScreen(page, shot('02-kind'), [
      [visitor, 'visitor'],
      [page.locator('button[data-kind="contractor"]'), 'contractor'],
      [button(m['common.back']), 'back'],
    ]);
    await visitor.click();

    // Details: every field, the way forward and the keyboard at once.
    // The text box: the host's matches are a list with the same name.
    const field = (label: string) => page.getByRole('textbox', { name: label, exact: true });
    const name = field(m['details.name']);
    const fields: Array<[Locator, string]> = [
      [name, 'name'],
      [field(m['details.company']), 'company'],
      [field(m['details.host']), 'host'],
      [field(m['details.email']), 'e-mail'],
      [field(m['details.purpose']), 'purpose'],
    ];
    const forward: Array<[Locator, string]> = [
      [button(m['common.next']), 'next'],
      [button(m['common.back']), 'back'],
    ];
    await expect.poll(() => name.evaluate((el) => el.matches(':focus'))).toBe(true);
    await walkUpScreen(page, shot('03-details'), [...fields, ...forward, ...keys]);
    await tapType(page, 'Vera Vos', m);
    await field(m['details.company']).click();
    await tapType(page, 'Acme', m);
    await field(m['details.host']).click();
    await tapType(page, 'hel', m);
    const match = button('Helen Host');
    // The field being typed into, its matches and the way forward, above the keyboard.
    await touchable(
      [[field(m['details.host']), 'host field'], [match, 'the match'], ...forward, ...keys],
      shot('04-details-host'),
    );
    await checked(page, shot('04-details-host'), docs('details'));
    await match.click();
    await page.getByText(m['details.hostChosen'].replace('{name}', 'Helen Host')).waitFor();
    await field(m['details.purpose']).click();
    await tapType(page, 'demo', m);
    await touchable(
      [[field(m['details.purpose']), 'purpose field'], ...forward, ...keys],
      shot('05-details-done'),
    );
    expect(await name.inputValue()).toBe('Vera Vos');
    measured[`${size.name}-${lang}`] = {
      rootFontPx: await page.evaluate(() =>
        parseFloat(getComputedStyle(document.documentElement).fontSize),
      ),
      keyHeightPx: (await keyboard.getByRole('button', { name: 'q' }).boundingBox())!.height,
      qrPx: 0,
    };
    await checked(page, shot('05-details-done'));
    await button(m['common.next']).click();

    // Photo, from Chromium's synthetic camera.
    const take = button(m['photo.take']);
    await walkUpScreen(page, shot('06-photo'), [
      [take, 'take photo'],
      [button(m['photo.skip']), 'continue without photo'],
      [button(m['common.back']), 'back'],
    ]);
    await take.click();
    await walkUpScreen(page, shot('07-photo-taken'), [
      [button(m['photo.retake']), 'take again'],
      [button(m['photo.use']), 'use this photo'],
    ]);
    await button(m['photo.use']).click();

    // Terms.
    const accept = page.getByLabel(m['terms.accept']);
    await walkUpScreen(page, shot('08-terms'), [
      [accept, 'accept the terms'],
      [button(m['terms.submit']), 'request my card'],
      [button(m['common.back']), 'back'],
    ]);
    await accept.check();
    await button(m['terms.submit']).click();

    // Status: the code and a QR code sized for the screen.
    const code = page.locator('[data-testid="status-code"]');
    const qr = page.locator('kiosk-qr-code img');
    await page.locator('kiosk-request-state [data-state="awaiting_approval"]').waitFor();
    await walkUpScreen(page, shot('09-status'), [
      [code, 'the status code'],
      [qr, 'the QR code'],
      [button(m['status.done']), 'done'],
    ]);
    measured[`${size.name}-${lang}`]!.qrPx = (await qr.boundingBox())!.width;

    // What the visitor typed reached the appliance.
    const { requestId } = await t.appliance.services.requests.walkUpStatus(
      (await code.textContent())!.trim(),
    );
    const detail = await t.appliance.services.requests.get(requestId);
    expect(detail.person.name).toBe('Vera Vos');
    expect(detail.person.company).toBe('Acme');
    expect(detail.host?.name).toBe('Helen Host');
    expect(detail.request.purpose).toBe('demo');
    expect(detail.person.photo?.mimeType).toBe('image/jpeg');

    await button(m['status.done']).click();
    await page.getByRole('heading', { name: en['attract.title'] }).waitFor();
  }

  /** A visitor who asked at the kiosk with a photo, a host, a company and a purpose. */
  async function visitWaitingForApproval(name: string): Promise<string> {
    const hosts = await ok(t.call({ method: 'GET', url: '/api/self-service/hosts?q=helen' }));
    const { statusCode } = await ok<{ statusCode: string }>(
      t.call({
        method: 'POST',
        url: '/api/self-service/requests',
        payload: {
          kind: 'visitor',
          name,
          company: 'Globex',
          hostPersonId: hosts.items[0].id,
          purpose: 'site survey',
          photo: { mimeType: 'image/png', base64: photo.toString('base64') },
          acceptTerms: true,
        },
      }),
      201,
    );
    return (await t.appliance.services.requests.walkUpStatus(statusCode)).requestId;
  }

  async function photoShown(photoLocator: Locator): Promise<void> {
    await expect
      .poll(() =>
        photoLocator.evaluate(
          (img) => (img as HTMLImageElement).naturalWidth > 0 && (img as HTMLImageElement).complete,
        ),
      )
      .toBe(true);
  }

  async function signInByTouch(page: Page, size: Size): Promise<void> {
    const m = en;
    const field = (label: string) => page.getByLabel(label, { exact: true });
    const keyboard = page.locator('kiosk-onscreen-keyboard');
    await touchable(
      [
        [field(m['staff.username']), 'user name'],
        [field(m['staff.passcode']), 'passcode'],
        [page.getByRole('button', { name: m['staff.signIn'], exact: true }), 'sign in'],
        [keyboard.getByRole('button', { name: 'q', exact: true }), 'key q'],
        [keyboard.getByRole('button', { name: m['keyboard.done'] }), 'done'],
      ],
      `${size.name} sign-in`,
    );
    expect((await pageScroll(page)).overflowX, `${size.name} sign-in scrolls sideways`).toBe(0);
    await checked(page, `size-${size.name}-staff-01-sign-in`);
    await tapType(page, 'vic', m);
    await field(m['staff.passcode']).click();
    await tapType(page, TEST_PASSCODE, m);
    await page.getByRole('button', { name: m['staff.signIn'], exact: true }).click();
    await page.getByRole('button', { name: m['staff.signOut'] }).waitFor();
  }

  // Issue 16's walk-ups: an invitation (read by the camera, or its code typed) and "I'm
  // leaving" (the badge's QR code, the card in the reader, or its number typed), at the
  // smallest landscape and the largest portrait screen.
  for (const size of KIOSK_SCREENS.filter((s) => s.name === '800x480' || s.name === '1080x1920')) {
    it(`takes an invited visitor and a leaving one through their screens at ${size.name}`, async () => {
      const m = en;
      const shot = (name: string) => `size-${size.name}-visits-${name}`;
      const invitation = await ok(
        post(t, crew.officer, '/api/invitations', {
          name: 'Ivy Invitee',
          company: 'Initech',
          email: 'ivy@initech.example',
          hostPersonId: hostId,
          firstDay: localDate(t.clock.now(), 'UTC'),
        }),
        201,
      );
      const page = await open(size, '/');
      const button = (name: string) => page.getByRole('button', { name, exact: true });
      const keyboard = page.locator('kiosk-onscreen-keyboard');
      await walkUpScreen(page, shot('01-attract'), [
        [button(m['attract.start']), 'start'],
        [button(m['attract.invitation']), 'invitation'],
        [button(m['attract.leaving']), 'leaving'],
      ]);
      await button(m['attract.invitation']).click();
      await page.locator('kiosk-qr-scanner video').waitFor();
      await walkUpScreen(page, shot('02-invitation-scan'), [
        [page.locator('kiosk-qr-scanner video'), 'the camera picture'],
        [button(m['invitation.type']), 'type the code'],
        [button(m['common.cancel']), 'cancel'],
      ]);
      await button(m['invitation.type']).click();
      await keyboard.waitFor();
      await walkUpScreen(page, shot('03-invitation-type'), [
        [page.getByLabel(m['invitation.code']), 'the code field'],
        [keyboard.getByRole('button', { name: 'q', exact: true }), 'key q'],
        [keyboard.getByRole('button', { name: '-', exact: true }), 'key -'],
        [button(m['common.next']), 'next'],
        [button(m['common.cancel']), 'cancel'],
      ]);
      for (const ch of (invitation.code as string).toLowerCase())
        await keyboard.getByRole('button', { name: ch, exact: true }).click();
      await button(m['common.next']).click();
      await page.getByRole('heading', { name: 'Welcome, Ivy Invitee' }).waitFor();
      await walkUpScreen(page, shot('04-invitation'), [
        [page.getByTestId('invitation'), 'the invitation'],
        [button(m['invitation.confirm']), 'confirm'],
        [button(m['invitation.notMe']), 'not me'],
      ]);
      await button(m['invitation.notMe']).click();

      await button(m['attract.leaving']).click();
      await page.locator('kiosk-qr-scanner video').waitFor();
      await walkUpScreen(page, shot('05-leaving-scan'), [
        [page.locator('kiosk-qr-scanner video'), 'the camera picture'],
        [button(m['leaving.type']), 'type the number'],
        [button(m['leaving.cardInReader']), 'card in the reader'],
        [button(m['common.cancel']), 'cancel'],
      ]);
      await button(m['leaving.type']).click();
      await keyboard.waitFor();
      await walkUpScreen(page, shot('06-leaving-type'), [
        [page.getByLabel(m['leaving.cardNumber']), 'the number field'],
        [keyboard.getByRole('button', { name: '0', exact: true }), 'key 0'],
        [keyboard.getByRole('button', { name: m['keyboard.done'] }), 'done'],
        [button(m['common.next']), 'next'],
      ]);
      for (const ch of '1234567890')
        await keyboard.getByRole('button', { name: ch, exact: true }).click();
      await button(m['common.next']).click();
      await page.getByText(m['leaving.notFound']).waitFor();
      await walkUpScreen(page, shot('07-leaving-not-found'), [
        [page.getByText(m['leaving.notFound']), 'the answer'],
        [button(m['common.cancel']), 'cancel'],
      ]);
      await page.context().close();
    }, 120_000);
  }

  for (const size of KIOSK_SCREENS) {
    it(`lets the approver see the visit and the guard hand the card over at ${size.name}`, async () => {
      const holder = `Hana ${size.name.replace('x', ' by ')}`;
      const requestId = await visitWaitingForApproval(holder);
      const page = await open(size, '/staff', true);
      const button = (name: string | RegExp, scope: Page | Locator = page) =>
        scope.getByRole('button', { name });
      await signInByTouch(page, size);

      // The approver: photo, company, host and purpose beside the decision.
      const pending = page.locator(`kiosk-approvals-view li[data-request="${requestId}"]`);
      await pending.waitFor();
      await pending.scrollIntoViewIfNeeded();
      await photoShown(pending.getByRole('img', { name: `Photo of ${holder}` }));
      expect(await pending.locator('[data-field="host"]').textContent()).toContain('Helen Host');
      expect(await pending.locator('[data-field="company"]').textContent()).toContain('Globex');
      expect(await pending.locator('[data-field="purpose"]').textContent()).toContain(
        'site survey',
      );
      const approve = button(new RegExp(`^Approve ${holder}`), pending);
      await touchable([[approve, 'approve']], `${size.name} approvals`);
      expect((await pageScroll(page)).overflowX, `${size.name} approvals scroll sideways`).toBe(0);
      await checked(page, `size-${size.name}-staff-02-approvals`);
      await approve.click();
      await pending.waitFor({ state: 'detached', timeout: LIVE_MS });

      await ok(post(t, crew.producer, `/api/requests/${requestId}/production`, { mode: 'single' }));
      await t.appliance.services.production.whenIdle();

      // The guard: the photo and the name to compare with the person at the desk.
      await page.locator('button[data-view="collection"]').click();
      const ready = page.locator(`kiosk-collection-view li[data-request="${requestId}"]`);
      await ready.waitFor({ timeout: LIVE_MS });
      await ready.scrollIntoViewIfNeeded();
      await photoShown(ready.getByRole('img', { name: `Photo of ${holder}` }));
      await button(new RegExp(`^Hand over ${holder}`), ready).click();
      const confirm = page.locator('kiosk-dialog[open]');
      await photoShown(confirm.getByRole('img', { name: `Photo of ${holder}` }));
      expect(await confirm.locator('[data-field="holder"]').textContent()).toBe(holder);
      const handOver = button('Hand over', confirm);
      await touchable(
        [
          [confirm.getByRole('img', { name: `Photo of ${holder}` }), 'the photo'],
          [confirm.locator('[data-field="holder"]'), 'the name'],
          [handOver, 'hand over'],
        ],
        `${size.name} identity check`,
      );
      await checked(page, `size-${size.name}-staff-03-identity-check`);
      await handOver.click();

      // The PIN: masked until held, and gone by itself when the countdown ends.
      const dialog = page.locator('kiosk-dialog[open]');
      const pin = dialog.locator('[data-testid="pin"]');
      const hold = button(en['collection.pinHold'], dialog);
      const countdown = dialog.locator('[data-testid="pin-countdown"]');
      await pin.waitFor();
      expect(await pin.getAttribute('data-shown')).toBe('false');
      expect(await pin.textContent()).not.toMatch(/\d/);
      await touchable(
        [
          [pin, 'the PIN'],
          [hold, 'press and hold'],
          [countdown, 'the countdown'],
          [button(en['collection.pinDone'], dialog), 'seen'],
        ],
        `${size.name} PIN`,
      );
      expect(await countdown.textContent()).toMatch(/The PIN disappears in (30|2\d) s/);
      await checked(page, `size-${size.name}-staff-04-pin-masked`);
      // Held by a finger: hover runs the actionability checks, then the press stays down.
      await hold.hover();
      await page.mouse.down();
      await expect.poll(() => pin.getAttribute('data-shown')).toBe('true');
      expect((await pin.textContent())!.trim()).toMatch(/^\d{6}$/);
      await screenshot(page, `size-${size.name}-staff-05-pin-held`);
      await page.mouse.up();
      await expect.poll(() => pin.getAttribute('data-shown')).toBe('false');
      expect(await pin.textContent()).not.toMatch(/\d/);

      // The countdown runs on the page's clock (installed by the test, so no test waits for it).
      const secondsLeft = async () =>
        Number(/(\d+) s/.exec((await countdown.textContent()) ?? '')?.[1]);
      const before = await secondsLeft();
      await page.clock.runFor(10_000);
      expect(await secondsLeft()).toBeLessThanOrEqual(before - 10);
      await page.clock.runFor(30_000);
      await pin.waitFor({ state: 'detached' });
      expect(await page.locator('kiosk-dialog[open]').count()).toBe(0);
      const after = await t.appliance.services.requests.get(requestId);
      expect(after.request.state).toBe('collected');
      await page.context().close();
    }, 60_000);
  }

  it('keeps every console view within a 7" screen: menus that fit, nothing sideways', async () => {
    const size = KIOSK_SCREENS[0];
    await t.staff('all', [
      'registration_officer',
      'approver',
      'card_production_admin',
      'security_staff',
      'device_admin',
    ]);
    const page = await open(size, '/staff');
    await page.getByLabel('User name').fill('all');
    await page.getByLabel('Passcode').fill(TEST_PASSCODE);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const nav = page.locator('nav button[data-view]');
    await nav.first().waitFor();
    const views = await nav.evaluateAll((buttons) =>
      buttons.map((b) => (b as HTMLElement).dataset.view!),
    );
    expect(views.length).toBeGreaterThanOrEqual(8);
    for (const view of views) {
      await page.locator(`nav button[data-view="${view}"]`).click();
      await page.locator(`kiosk-${view}-view`).waitFor();
      await page.evaluate(() => window.scrollTo(0, 0));
      await touchable(
        views.map((v) => [page.locator(`nav button[data-view="${v}"]`), `menu ${v}`]),
        `800x480 console ${view}`,
      );
      await expect
        .poll(async () => (await pageScroll(page)).overflowX, { message: `${view} sideways` })
        .toBeLessThanOrEqual(0);
      await checked(page, `size-800x480-console-${view}`);
    }
  }, 60_000);

  it('scales type, keys and the QR code with the screen', () => {
    const at = (name: string) => measured[`${name}-en`]!;
    expect(Object.keys(measured)).toHaveLength(KIOSK_SCREENS.length * 2);
    // The 7" panel smallest; the full-HD screens, either way up, clearly larger.
    for (const large of ['1920x1080', '1080x1920']) {
      expect(at(large).rootFontPx).toBeGreaterThan(at('800x480').rootFontPx * 1.4);
      expect(at(large).keyHeightPx).toBeGreaterThan(at('800x480').keyHeightPx * 1.6);
      expect(at(large).qrPx).toBeGreaterThan(at('800x480').qrPx * 1.8);
    }
    expect(at('1280x800').qrPx).toBeGreaterThan(at('800x480').qrPx);
    // WCAG 2.2 target size, with room to spare, also on the smallest screen.
    for (const m of Object.values(measured)) expect(m.keyHeightPx).toBeGreaterThanOrEqual(36);
  });

  it('ran with no script error or CSP violation at any size', () => {
    expect(pageErrors).toEqual([]);
  });
});
