/**
 * The site's identity from the device configuration: name, accent colour and logo reach the
 * walk-up's attract screen through the options route and the logo route, and the card
 * preview prints them. A logo that is not an image stops the start.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSiteIdentity } from '../../appliance/src/site-identity.js';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { addPerson, crewFor, ok, produceCard } from '../support/workflow-driver.js';

const ACCENT = '#7a1fa2';

function solidPng(color: string): Buffer {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="${color}"/></svg>`;
  return new Resvg(svg).render().asPng();
}

/** One pixel of a PNG, decoded by drawing it with resvg. */
function pngPixel(png: Buffer, x: number, y: number): number[] {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1016" height="648"><image width="1016" height="648" href="data:image/png;base64,${png.toString('base64')}"/></svg>`;
  const pixels = new Resvg(svg).render().pixels;
  const o = (y * 1016 + x) * 4;
  return Array.from(pixels.subarray(o, o + 3));
}

describe('site identity', () => {
  let t: TestApp;
  let dir: string;
  const logo = solidPng('#c00000');
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cardkiosk-site-'));
    writeFileSync(join(dir, 'logo.png'), logo);
    t = await buildTestApp({
      config: {
        siteName: 'Acme Head Office',
        siteIdentity: { logoFile: join(dir, 'logo.png'), accentColor: ACCENT.toUpperCase() },
      },
    });
  });
  afterAll(async () => {
    await t.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('tells the walk-up screens the site name, accent colour and where the logo is', async () => {
    const options = await ok(t.call({ method: 'GET', url: '/api/self-service/options' }));
    expect(options.site).toEqual({
      name: 'Acme Head Office',
      accentColor: ACCENT,
      logoUrl: '/api/self-service/site-logo',
    });
    const res = await t.call({ method: 'GET', url: options.site.logoUrl });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.rawPayload.equals(logo)).toBe(true);
  });

  it('prints the logo and the accent colour on the card preview', async () => {
    const crew = await crewFor(t);
    const { id } = await produceCard(
      t,
      crew.officer,
      await addPerson(t, crew.officer, 'visitor'),
      'CCProcVisitorCardWithoutApproval',
    );
    const res = await t.call({
      method: 'GET',
      url: `/api/requests/${id}/preview.png`,
      cookie: crew.officer.cookie,
    });
    expect(res.statusCode).toBe(200);
    expect(pngPixel(res.rawPayload, 88, 25)).toEqual([0xc0, 0, 0]);
    expect(pngPixel(res.rawPayload, 500, 127)).toEqual([0x7a, 0x1f, 0xa2]);
  });

  it('has no logo and no accent without configuration', async () => {
    const plain = await buildTestApp();
    try {
      const options = await ok(plain.call({ method: 'GET', url: '/api/self-service/options' }));
      expect(options.site).toEqual({ name: 'Lobby', accentColor: null, logoUrl: null });
      const res = await plain.call({ method: 'GET', url: '/api/self-service/site-logo' });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ error: 'NOT_FOUND' });
    } finally {
      await plain.dispose();
    }
  });

  it('refuses to start with a logo that is not a PNG or JPEG, or that cannot be read', () => {
    writeFileSync(join(dir, 'logo.svg'), '<svg/>');
    const site = (logoFile: string) => ({
      siteName: 'Acme',
      stateDir: dir,
      siteIdentity: { logoFile },
    });
    expect(() => loadSiteIdentity(site('logo.svg'))).toThrow(/not a PNG or JPEG/);
    expect(() => loadSiteIdentity(site('missing.png'))).toThrow(/cannot be read/);
    // A relative path is the state directory's.
    expect(loadSiteIdentity(site('logo.png')).logo?.mimeType).toBe('image/png');
  });
});
