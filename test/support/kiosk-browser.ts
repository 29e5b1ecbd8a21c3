/**
 * Browser end-to-end support: build the kiosk UI when its dist/ is missing or older than its
 * sources, launch Debian's Chromium through playwright-core (never a downloaded browser), run
 * axe-core in a page, and save screenshots under test-results/screenshots/.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

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

export function launchChromium(): Promise<Browser> {
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
  await page.evaluate(AXE_SOURCE);
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
