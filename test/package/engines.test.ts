/**
 * Nothing installed may declare a Node it does not run on: every package in the lock file (the
 * tree `npm ci` installs, build tools included) must accept the lowest Node our own `engines`
 * allows, which is Debian 13's (20.19). And every native build must get a node-gyp whose gyp
 * runs on Python 3.12+ (no distutils): the old one sqlite3 asks for is overridden.
 */
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  engines: { node: string };
  overrides?: Record<string, string>;
};
const lock = JSON.parse(readFileSync(`${root}package-lock.json`, 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
};

describe('installed packages and Node versions', () => {
  const lowest = semver.minVersion(pkg.engines.node)?.version as string;

  it('allows Debian 13 (trixie) Node 20.19 and nothing older', () => {
    expect(lowest).toBe('20.19.0');
  });

  it('installs no package that refuses the lowest Node we allow', () => {
    const refusing = Object.entries(lock.packages)
      .filter(([path]) => path !== '')
      .flatMap(([path, entry]) => {
        const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
        return range && !semver.satisfies(lowest, range)
          ? [`${path}@${entry.version}: node ${range}`]
          : [];
      });
    expect(refusing).toEqual([]);
  });

  it('builds native modules with a node-gyp that needs no distutils (10 or newer)', () => {
    const gyps = Object.entries(lock.packages).filter(([path]) =>
      /(^|\/)node_modules\/node-gyp$/.test(path),
    );
    expect(gyps.length).toBeGreaterThan(0);
    for (const [path, entry] of gyps) {
      expect(semver.major(entry.version as string), path).toBeGreaterThanOrEqual(10);
    }
  });

  it('has installed the versions the lock file names', () => {
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (!path.startsWith('node_modules/') || !entry.version) continue;
      let installed: { version: string } | null = null;
      try {
        installed = JSON.parse(readFileSync(`${root}${path}/package.json`, 'utf8')) as {
          version: string;
        };
      } catch {
        continue; // optional packages for other platforms are not installed here
      }
      expect(installed.version, path).toBe(entry.version);
    }
  });
});
