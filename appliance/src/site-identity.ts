/**
 * The site's identity beyond its name: a logo and an accent colour, from the device
 * configuration (`siteIdentity.logoFile`, `siteIdentity.accentColor`). The walk-up's attract
 * screen shows them (through `GET /api/self-service/options` and `.../site-logo`) and the card
 * layout prints them, so the kiosk and its badges look like the company's own. The logo is read
 * once at start-up; a missing, oversized or non-image file stops the start with a clear error
 * rather than printing badges without it.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

export interface SiteLogo {
  mimeType: 'image/png' | 'image/jpeg';
  data: Uint8Array;
}

export interface SiteIdentity {
  name: string;
  /** `#rrggbb`, or null for the product's own colours. */
  accentColor: string | null;
  logo: SiteLogo | null;
}

/** Small enough to embed in every card's SVG and to serve to the kiosk without thought. */
export const MAX_LOGO_BYTES = 256 * 1024;
export const ACCENT_COLOR_PATTERN = '^#[0-9a-fA-F]{6}$';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];

export function logoFromBytes(data: Uint8Array, source: string): SiteLogo {
  if (data.length > MAX_LOGO_BYTES)
    throw new Error(`the site logo ${source} is larger than ${MAX_LOGO_BYTES / 1024} KiB`);
  if (PNG_MAGIC.every((b, i) => data[i] === b)) return { mimeType: 'image/png', data };
  if (JPEG_MAGIC.every((b, i) => data[i] === b)) return { mimeType: 'image/jpeg', data };
  throw new Error(`the site logo ${source} is not a PNG or JPEG image`);
}

export function loadSiteIdentity(config: {
  siteName: string;
  stateDir: string;
  siteIdentity?: { logoFile?: string; accentColor?: string };
}): SiteIdentity {
  const file = config.siteIdentity?.logoFile;
  let logo: SiteLogo | null = null;
  if (file) {
    // A relative path is the state directory's, where provisioning writes site files.
    const path = isAbsolute(file) ? file : join(config.stateDir, file);
    let data: Buffer;
    try {
      data = readFileSync(path);
    } catch (err) {
      throw new Error(`the site logo ${path} cannot be read: ${(err as Error).message}`);
    }
    logo = logoFromBytes(new Uint8Array(data), path);
  }
  return {
    name: config.siteName,
    accentColor: config.siteIdentity?.accentColor?.toLowerCase() ?? null,
    logo,
  };
}
