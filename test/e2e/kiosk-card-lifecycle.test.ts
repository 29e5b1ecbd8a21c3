/**
 * A card's life in the staff console (issue 15), on the 7" panel (800 × 480) and the portrait
 * totem (1080 × 1920): a guard opens a handed-over card, checks the holder on screen and lets
 * them unblock the PIN on the numeric keypad (a mismatch first), the holder changes it (a wrong
 * current PIN first), the guard suspends the card and may not resume it; a card whose PUK
 * cannot be had says why instead of offering the keypad; a registration officer renews a card
 * from the Expiring cards view and both cards show the link; a holder changes their own PIN at
 * the walk-up side, the card in the reader naming itself. Every tap is a Playwright click
 * with its actionability checks, and the controls a person needs are checked touchable first.
 *
 * One browser for the file, a context per size.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { en } from '../../kiosk-ui/src/i18n/en.js';
import type { FakePivEncoder } from '../support/fake-devices.js';
import { buildTestApp, TEST_PASSCODE, type TestApp } from '../support/build-test-app.js';
import { hasTool, itWithTools } from '../support/system-tools.js';
import {
  addPerson,
  crewFor,
  getRequest,
  ok,
  post,
  produceCard,
  type Crew,
} from '../support/workflow-driver.js';
import {
  axeFindings,
  ensureUiBuilt,
  KIOSK_SCREENS,
  launchChromium,
  pageScroll,
  screenshot,
  whyNotTouchable,
} from '../support/kiosk-browser.js';

const it = itWithTools(['chromium']);
const DAY_MS = 86_400_000;
const SIZES = KIOSK_SCREENS.filter((s) => s.name === '800x480' || s.name === '1080x1920');
const m = en;

describe('card lifecycle in the staff console', () => {
  let t: TestApp;
  let crew: Crew;
  let base: string;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!hasTool('chromium')) return;
    ensureUiBuilt();
    // Digital ID employee cards renew on their chip (the last test); Physical ID by a new card.
    t = await buildTestApp({ config: { lifecycle: { renewal: { employee: 'same-chip' } } } });
    crew = await crewFor(t);
    base = await t.appliance.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.dispose();
    expect(pageErrors).toEqual([]);
  });

  async function collected(
    process: string,
    kind: 'employee' | 'contractor',
    extra: Record<string, unknown> = {},
  ): Promise<{ cardId: string; cardNumber: string; holder: string; guid: string }> {
    const holder = `Holder ${Math.random().toString(36).slice(2, 7)}`;
    const personId = await addPerson(t, crew.officer, kind, { name: holder, ...extra });
    const { id } = await produceCard(t, crew.officer, personId, process);
    await ok(post(t, crew.producer, `/api/requests/${id}/production`, { mode: 'single' }));
    await t.appliance.services.production.whenIdle();
    await ok(post(t, crew.guard, `/api/requests/${id}/collect`));
    const d = await getRequest(t, crew.officer, id);
    const card = (await t.store.read((tx) => tx.cards.get(d.card.id)))!;
    return { cardId: card.id, cardNumber: card.cardNumber, holder, guid: card.guid };
  }

  /** The PIN on the (fake) chip in the encoder, as the card itself would check it. */
  function chipPin(guid: string): string | undefined {
    return (t.encoder as FakePivEncoder).chips.findLast(
      (c) => Buffer.from(c.guid).toString('hex') === guid.toLowerCase(),
    )?.pin;
  }

  async function signedIn(size: (typeof SIZES)[number], username: string): Promise<Page> {
    const context = await browser.newContext({
      viewport: { width: size.width, height: size.height },
      hasTouch: true,
    });
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${size.name}: ${err.message}`));
    page.on('console', (msg) => {
      // A refused action is a 4xx the test asks for; the UI shows it in words.
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
        pageErrors.push(`${size.name}: ${msg.text()}`);
    });
    await page.goto(`${base}/staff`);
    await page.getByLabel(m['staff.username'], { exact: true }).fill(username);
    await page.getByLabel(m['staff.passcode'], { exact: true }).fill(TEST_PASSCODE);
    await page.getByRole('button', { name: m['staff.signIn'], exact: true }).click();
    await page.getByRole('button', { name: m['staff.signOut'] }).waitFor();
    return page;
  }

  async function touchable(needed: Array<[Locator, string]>, where: string): Promise<void> {
    for (const [locator, what] of needed) {
      await locator.waitFor();
      expect(await whyNotTouchable(locator), `${where}: ${what}`).toBeNull();
    }
  }

  async function checked(page: Page, shot: string): Promise<void> {
    await screenshot(page, shot);
    expect((await pageScroll(page)).overflowX, `${shot} scrolls sideways`).toBe(0);
    expect(await axeFindings(page), `axe on ${shot}`).toEqual([]);
  }

  async function openCard(page: Page, cardNumber: string): Promise<Locator> {
    await page.locator('button[data-view="cards"]').click();
    await page.getByLabel(m['cards.number'], { exact: true }).fill(cardNumber);
    await page.getByRole('button', { name: m['cards.find'], exact: true }).click();
    const panel = page.locator('kiosk-card-lifecycle');
    // The panel may still show the card opened before: wait for this one.
    await panel
      .locator(`[data-field="lifecycle-status"][data-card-number="${cardNumber}"]`)
      .waitFor();
    return panel;
  }

  /** The holder's taps on the PIN keypad, digit by digit, then OK. */
  async function tapPin(dialog: Locator, pin: string, where: string): Promise<void> {
    const keypad = dialog.locator('kiosk-pin-keypad');
    const key = (name: string) => keypad.getByRole('button', { name, exact: true });
    await touchable(
      [
        [key('1'), 'key 1'],
        [key('0'), 'key 0'],
        [key(m['keyboard.backspace']), 'delete'],
        [key(m['pin.ok']), 'OK'],
      ],
      where,
    );
    for (const d of pin) await key(d).click();
    // Only dots: the digits typed are nowhere on the screen.
    expect(await dialog.textContent()).not.toContain(pin);
    expect(await keypad.locator('.dot.filled').count()).toBe(pin.length);
    await key(m['pin.ok']).click();
  }

  for (const size of SIZES) {
    it(`lets the guard unblock and change a PIN on the holder's keypad and suspend at ${size.name}`, async () => {
      const card = await collected('PcmProcEmployeeCardWithoutApproval', 'employee');
      const page = await signedIn(size, 'sam');
      const panel = await openCard(page, card.cardNumber);
      const action = (a: string) => panel.locator(`button[data-action="${a}"]`);
      await panel.locator('button[data-action="unblock_pin"]').scrollIntoViewIfNeeded();
      expect(await panel.locator('[data-field="lifecycle-status"]').textContent()).toContain(
        m['cardStatus.collected'],
      );
      // The guard's roles: PIN work, suspend, return, forgotten badge; never renew or replace.
      for (const a of ['unblock_pin', 'change_pin', 'suspend', 'forgotten_badge', 'return'])
        expect(await action(a).count(), a).toBe(1);
      expect(await action('renew').count()).toBe(0);
      expect(await action('replace').count()).toBe(0);
      await checked(page, `lifecycle-${size.name}-01-card`);

      // Unblock: the holder's photo and name first; then the holder types the new PIN twice.
      await action('unblock_pin').click();
      const dialog = page.locator('kiosk-card-lifecycle kiosk-dialog[open]');
      const checkedId = dialog.locator('button[data-action="identity-checked"]');
      await touchable(
        [
          [dialog.getByText(card.holder, { exact: true }), 'the name'],
          [dialog.locator('kiosk-person-photo'), 'the photo'],
          [checkedId, 'identity checked'],
        ],
        `${size.name} identity`,
      );
      await checked(page, `lifecycle-${size.name}-02-identity`);
      await checkedId.click();
      await tapPin(dialog, '135790', `${size.name} new PIN`);
      await tapPin(dialog, '135791', `${size.name} new PIN again`);
      await dialog.getByText(m['pin.mismatch']).waitFor();
      await checked(page, `lifecycle-${size.name}-03-keypad-mismatch`);
      await tapPin(dialog, '135790', `${size.name} new PIN, second try`);
      await tapPin(dialog, '135790', `${size.name} new PIN again, second try`);
      await dialog.locator('[data-pin="done"]').waitFor();
      expect(chipPin(card.guid)).toBe('135790');
      await dialog.getByRole('button', { name: m['common.close'], exact: true }).click();
      await panel.locator('tr[data-event="unblock_pin"]').waitFor();

      // Change: the current PIN (a wrong one first: the card says no), then the new one twice.
      await action('change_pin').click();
      await tapPin(dialog, '111222', `${size.name} wrong current PIN`);
      await tapPin(dialog, '246813', `${size.name} new PIN`);
      await tapPin(dialog, '246813', `${size.name} new PIN again`);
      await dialog.getByRole('alert').filter({ hasText: 'The card said no' }).waitFor();
      expect(chipPin(card.guid)).toBe('135790');
      await tapPin(dialog, '135790', `${size.name} current PIN`);
      await tapPin(dialog, '246813', `${size.name} new PIN, second try`);
      await tapPin(dialog, '246813', `${size.name} new PIN again, second try`);
      await dialog.locator('[data-pin="done"]').waitFor();
      expect(chipPin(card.guid)).toBe('246813');
      await dialog.getByRole('button', { name: m['common.close'], exact: true }).click();

      // Suspend with a reason typed on the dialog's keyboard; the hold shows; the guard who
      // suspended may not resume, and is told so in words.
      await action('suspend').click();
      const prompt = page.locator('kiosk-card-lifecycle kiosk-prompt-dialog kiosk-dialog[open]');
      await prompt.getByLabel(m['lifecycle.reason']).fill('reported missing');
      await prompt.getByRole('button', { name: m['common.confirm'], exact: true }).click();
      await expect
        .poll(() => panel.locator('[data-field="lifecycle-status"]').textContent())
        .toContain(m['cardStatus.suspended']);
      expect(await panel.locator('[data-field="hold"]').textContent()).toContain(
        'reported missing',
      );
      await action('resume').click();
      await prompt.getByLabel(m['lifecycle.reason']).fill('found it');
      await prompt.getByRole('button', { name: m['common.confirm'], exact: true }).click();
      await panel.getByRole('alert').filter({ hasText: 'Someone else must do this' }).waitFor();
      expect((await t.store.read((tx) => tx.cards.get(card.cardId)))!.status).toBe('suspended');
      await checked(page, `lifecycle-${size.name}-04-suspended`);

      // A card whose PUK only the centre holds, on a device without one: the reason, no keypad.
      const centreOnly = await collected('PcmProcEmployeeCardWithoutApproval', 'employee');
      await t.store.transaction((tx) =>
        tx.cards.update(centreOnly.cardId, { pukSealed: '', pukEscrow: 'sealed-for-the-centre' }),
      );
      const other = await openCard(page, centreOnly.cardNumber);
      await other.locator('button[data-action="unblock_pin"]').click();
      await dialog.locator('[data-puk="none"]').waitFor();
      expect(await dialog.locator('[data-puk="none"]').textContent()).toContain(
        'central Identity Manager',
      );
      expect(await dialog.locator('kiosk-pin-keypad').count()).toBe(0);
      expect(await dialog.locator('button[data-action="identity-checked"]').count()).toBe(0);
      await page.context().close();
    }, 90_000);
  }

  for (const size of SIZES) {
    it(`lets a holder change their PIN alone at the walk-up side at ${size.name}`, async () => {
      const card = await collected('PcmProcEmployeeCardWithoutApproval', 'employee');
      const fake = t.encoder as FakePivEncoder;
      const chip = fake.chips.findLast(
        (c) => Buffer.from(c.guid).toString('hex') === card.guid.toLowerCase(),
      )!;
      fake.chipInReader = chip;
      const current = chip.pin;
      const context = await browser.newContext({
        viewport: { width: size.width, height: size.height },
        hasTouch: true,
      });
      const page = await context.newPage();
      page.on('pageerror', (err) => pageErrors.push(`${size.name} walk-up: ${err.message}`));
      await page.goto(`${base}/`);
      const start = page.getByRole('button', { name: m['attract.changePin'], exact: true });
      await touchable([[start, 'change my PIN']], `${size.name} attract`);
      await start.click();
      const screen = page.locator('kiosk-pin-change-screen');
      await touchable(
        [
          [screen.getByRole('heading', { name: m['pinChange.title'] }), 'the title'],
          [screen.getByRole('button', { name: m['common.cancel'], exact: true }), 'cancel'],
        ],
        `${size.name} PIN change`,
      );
      await checked(page, `lifecycle-${size.name}-07-walk-up-pin`);
      const wrong = current === '111222' ? '333444' : '111222';
      await tapPin(screen, wrong, `${size.name} wrong current PIN`);
      await tapPin(screen, '864213', `${size.name} new PIN`);
      await tapPin(screen, '864213', `${size.name} new PIN again`);
      const refused = screen.getByRole('alert');
      await refused.waitFor();
      // The card's answer, and nothing about the card.
      expect(await refused.textContent()).toContain('wrong PIN');
      expect(await screen.textContent()).not.toContain(card.cardNumber);
      expect(await screen.textContent()).not.toContain(card.holder);
      expect(chip.pin).toBe(current);
      await tapPin(screen, current, `${size.name} current PIN`);
      await tapPin(screen, '864213', `${size.name} new PIN, second try`);
      await tapPin(screen, '864213', `${size.name} new PIN again, second try`);
      await screen.locator('[data-pin="done"]').waitFor();
      expect(chip.pin).toBe('864213');
      await screen.getByRole('button', { name: m['pinChange.finish'], exact: true }).click();
      await start.waitFor();
      fake.chipInReader = undefined;
      await context.close();
    }, 60_000);
  }

  for (const size of SIZES) {
    it(`lets a registration officer renew a card from the Expiring cards view at ${size.name}`, async () => {
      const validUntil = new Date(t.clock.now().getTime() + 15 * DAY_MS).toISOString().slice(0, 10);
      const card = await collected('CCProcContractorCardWithoutApproval', 'contractor', {
        validUntil,
      });
      const page = await signedIn(size, 'otto');
      await page.locator('button[data-view="expiring"]').click();
      const row = page.locator(`kiosk-expiring-view tr[data-card="${card.cardId}"]`);
      await row.waitFor();
      await row.getByRole('button').click();
      const panel = page.locator('kiosk-expiring-view kiosk-card-lifecycle');
      const renew = panel.locator('button[data-action="renew"]');
      await renew.scrollIntoViewIfNeeded();
      await touchable([[renew, 'renew']], `${size.name} expiring`);
      expect(await panel.locator('button[data-action="unblock_pin"]').count()).toBe(0);
      await checked(page, `lifecycle-${size.name}-05-expiring`);
      await renew.click();
      const confirm = page.locator('kiosk-expiring-view kiosk-dialog[open]');
      await confirm.getByRole('button', { name: m['common.confirm'], exact: true }).click();
      const link = panel.locator('li[data-link="replaced-by"]');
      await link.waitFor();
      expect(await link.textContent()).toContain(m['lifecycle.linkKind.renewal']);
      const links = await t.store.read((tx) => tx.cardLifecycle.transitions(card.cardId));
      expect(links.map((h) => h.event)).toContain('renew');
      await checked(page, `lifecycle-${size.name}-06-renewed`);
      await page.context().close();
    }, 60_000);
  }

  it('opens the card a search finds when a live refresh overtakes the search', async () => {
    const first = await collected('PcmProcEmployeeCardWithoutApproval', 'employee');
    const second = await collected('PcmProcEmployeeCardWithoutApproval', 'employee');
    const page = await signedIn(SIZES[0]!, 'sam');
    await openCard(page, first.cardNumber);
    // The search's own request is held until a live event has started a reload of the same
    // search; then the search's answer comes first (and is superseded), the reload's after it.
    const isSearch = (url: URL) =>
      url.pathname === '/api/cards' && url.searchParams.get('cardNumber') === second.cardNumber;
    const gate = () => {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      return { promise, resolve };
    };
    const gates = [gate(), gate()];
    let searches = 0;
    await page.route(isSearch, async (route) => {
      await gates[searches++]?.promise;
      await route.continue();
    });
    await page.getByLabel(m['cards.number'], { exact: true }).fill(second.cardNumber);
    await page.getByRole('button', { name: m['cards.find'], exact: true }).click();
    await expect.poll(() => searches).toBe(1);
    // A request made elsewhere: an event on the staff stream, which reloads the view.
    const personId = await addPerson(t, crew.officer, 'employee');
    await produceCard(t, crew.officer, personId, 'PcmProcEmployeeCardWithoutApproval');
    await expect.poll(() => searches).toBe(2);
    const searchAnswered = page.waitForResponse((r) => isSearch(new URL(r.url())));
    gates[0]!.resolve();
    await searchAnswered;
    await page.waitForTimeout(300);
    gates[1]!.resolve();
    await page
      .locator('kiosk-card-lifecycle')
      .locator(`[data-field="lifecycle-status"][data-card-number="${second.cardNumber}"]`)
      .waitFor({ timeout: 10_000 });
    await page.context().close();
  });

  // Last: it moves the clock years ahead, into the Digital ID card's renewal window.
  it('renews a Digital ID on its chip: put the card in the encoder, the holder types the PIN', async () => {
    const size = SIZES[0]!;
    const card = await collected('PcmProcEmployeeCardWithoutApproval', 'employee');
    const before = (await t.store.read((tx) => tx.cards.get(card.cardId)))!;
    t.clock.advance(
      new Date(`${before.validUntil}T09:00:00.000Z`).getTime() -
        10 * DAY_MS -
        t.clock.now().getTime(),
    );
    const page = await signedIn(size, 'otto');
    const panel = await openCard(page, card.cardNumber);
    await panel.locator('button[data-action="renew"]').click();
    const dialog = panel.locator('kiosk-dialog[open]');
    await dialog.locator('[data-renew="same-chip"]').waitFor();
    expect(await dialog.textContent()).toContain(
      m['lifecycle.renewOnChip'].replace('{number}', card.cardNumber).slice(0, 40),
    );
    await checked(page, `lifecycle-${size.name}-07-renew-on-chip`);
    // A wrong PIN: the card refuses, the dialog says so and stays open.
    const wrongPin = ['975317', '864293'].find(
      (p) => p !== chipPin(card.guid) && !card.cardNumber.includes(p),
    )!;
    await tapPin(dialog, wrongPin, 'renew wrong');
    await dialog.locator('p.error[role="alert"]').waitFor();
    await tapPin(dialog, chipPin(card.guid)!, 'renew');
    const outcome = panel.locator('[data-outcome]');
    await outcome.filter({ hasText: card.cardNumber }).waitFor();
    const after = await t.store.read(async (tx) => (await tx.cards.get(card.cardId))!);
    expect(await outcome.textContent()).toContain(after.validUntil);
    expect(after.certificateSerial).not.toBe(before.certificateSerial);
    expect(after.status).toBe('active');
    await checked(page, `lifecycle-${size.name}-08-renewed-on-chip`);
    await page.context().close();
  }, 60_000);
});
