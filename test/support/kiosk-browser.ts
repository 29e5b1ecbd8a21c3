/**
 * Browser end-to-end support: build the kiosk UI when its dist/ is missing or older than its
 * sources, launch Debian's Chromium through playwright-core (never a downloaded browser), run
 * axe-core in a page, and save screenshots under test-results/screenshots/.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const REPO = resolve(import.meta.dirname, '../..');
export const UI_DIST = join(REPO, 'kiosk-ui', 'dist');
export const SCREENSHOTS = join(REPO, 'test-results', 'screenshots');
/** The README's screenshots; refreshed by a run with UPDATE_DOCS_SCREENSHOTS=1. */
export const DOCS_SCREENSHOTS = join(REPO, 'docs', 'screenshots');

function newestMtimeMs(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((f) => newestMtimeMs(join(path, f))));
}

/** Run `vite build` unless kiosk-ui/dist is newer than every source file. */
export function ensureUiBuilt(): void {
  const index = join(UI_DIST, 'index.html');
  const sources = [
    join(REPO, 'kiosk-ui', 'src'),
    join(REPO, 'kiosk-ui', 'index.html'),
    join(REPO, 'kiosk-ui', 'vite.config.ts'),
  ];
  if (existsSync(index) && statSync(index).mtimeMs >= Math.max(...sources.map(newestMtimeMs)))
    return;
  execFileSync(
    join(REPO, 'node_modules', '.bin', 'vite'),
    ['build', '--config', 'kiosk-ui/vite.config.ts'],
    {
      cwd: REPO,
      stdio: 'pipe',
    },
  );
}

export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  // playwright gives every launch a fresh temporary profile (its own --user-data-dir).
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // A synthetic camera, so the photo step runs for real; tests that need "no camera" remove it.
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      // e.g. --use-file-for-fake-video-capture=<file.y4m>: the camera shows that file.
      ...extraArgs,
    ],
  });
}

const AXE_SOURCE = readFileSync(join(REPO, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

export interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Serious and critical WCAG 2.x A/AA findings on the page as it is now. axe is evaluated
 * through the DevTools protocol, which the page's Content-Security-Policy does not govern, so
 * the page keeps its real CSP during the check.
 */
export async function axeFindings(page: Page): Promise<AxeFinding[]> {
  // Parsing axe (half a megabyte) is much of a check's time: once per page load is enough.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: any }).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    });
    return (result.violations as any[])
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({
        id: v.id as string,
        impact: v.impact as string,
        help: v.help as string,
        targets: (v.nodes as any[]).map((n) => JSON.stringify(n.target)),
      }));
  });
}

export async function screenshot(page: Page, name: string, docsName?: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  if (docsName && process.env.UPDATE_DOCS_SCREENSHOTS === '1') {
    mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
    copyFileSync(path, join(DOCS_SCREENSHOTS, `${docsName}.png`));
  }
  return path;
}

/** The screens kiosks really have (issue 14), landscape and portrait. */
export const KIOSK_SCREENS = [
  { name: '800x480', width: 800, height: 480, what: 'Raspberry Pi 7" Touch Display' },
  { name: '720x1280', width: 720, height: 1280, what: 'Raspberry Pi Touch Display 2, portrait' },
  { name: '1280x800', width: 1280, height: 800, what: '10" landscape panel' },
  { name: '1920x1080', width: 1920, height: 1080, what: 'full HD landscape' },
  { name: '1080x1920', width: 1080, height: 1920, what: 'full HD portrait totem' },
] as const;

/**
 * Why a person could not touch `locator` on the screen as it is now, without scrolling: it
 * has no size, lies (partly) outside the viewport or its scroll area, or something else is on
 * top of it (the hit test at its middle and near its corners, through shadow roots, finds
 * another element). Null when it can be touched.
 */
export async function whyNotTouchable(locator: Locator): Promise<string | null> {
  return locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return 'has no size';
    if (r.left < -0.5 || r.top < -0.5 || r.right > innerWidth + 0.5 || r.bottom > innerHeight + 0.5)
      return `lies outside the ${innerWidth}×${innerHeight} viewport at ${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)}`;
    const deepHit = (x: number, y: number): Element | null => {
      let hit = document.elementFromPoint(x, y);
      while (hit?.shadowRoot) {
        const inner = hit.shadowRoot.elementFromPoint(x, y);
        if (!inner || inner === hit) break;
        hit = inner;
      }
      return hit;
    };
    const within = (n: Node | null): boolean => {
      while (n) {
        if (n === el) return true;
        n = n.parentNode ?? (n instanceof ShadowRoot ? n.host : null);
      }
      return false;
    };
    const points: Array<[number, number]> = [
      [r.left + r.width / 2, r.top + r.height / 2],
      [r.left + r.width * 0.2, r.top + r.height * 0.25],
      [r.right - r.width * 0.2, r.top + r.height * 0.25],
      [r.left + r.width * 0.2, r.bottom - r.height * 0.25],
      [r.right - r.width * 0.2, r.bottom - r.height * 0.25],
    ];
    for (const [x, y] of points) {
      const hit = deepHit(x, y);
      if (!within(hit))
        return `is covered or scrolled away at ${Math.round(x)},${Math.round(y)} (there: <${hit?.localName ?? 'nothing'}> ${(hit?.textContent ?? '').trim().slice(0, 30)})`;
    }
    return null;
  });
}

/** How far the page scrolls (it should not: screens scroll their own areas) and sideways. */
export async function pageScroll(
  page: Page,
): Promise<{ top: number; overflowX: number; overflowY: number }> {
  return page.evaluate(() => {
    const doc = document.scrollingElement ?? document.documentElement;
    return {
      top: doc.scrollTop,
      overflowX: doc.scrollWidth - innerWidth,
      overflowY: doc.scrollHeight - innerHeight,
    };
  });
}
