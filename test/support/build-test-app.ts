/**
 * buildTestApp plays main.ts's role for tests: a temporary state directory with a real SQLite
 * file, simulated devices (fakes at the driver interfaces unless others are given), a test
 * clock, and helpers to sign staff in through the real HTTP routes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyBaseLogger, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { PivEncoder } from '../../drivers/encoder/piv-encoder.js';
import { SimulatedStatusLeds } from '../../drivers/leds/simulated-status-leds.js';
import type { CardPrinter } from '../../drivers/printer/card-printer.js';
import { composeAppliance, type Appliance } from '../../appliance/src/compose.js';
import { defaultConfig, type DeviceConfig } from '../../appliance/src/config.js';
import type { StaffRole } from '../../appliance/src/core/roles.js';
import { loadOrCreateDeviceSecret } from '../../appliance/src/crypto/device-secret.js';
import { nodeRandomSource } from '../../appliance/src/crypto/node-random-source.js';
import { ScryptPasscodeHasher } from '../../appliance/src/crypto/passcode-hasher.js';
import type {
  CardArtworkRenderer,
  CardCertificateIssuer,
  Logger,
} from '../../appliance/src/services/ports.js';
import { silentLogger } from '../../appliance/src/services/ports.js';
import { SqliteStore } from '../../appliance/src/store/sqlite-store.js';
import { SqliteCaStateStore } from '../../appliance/src/store/sqlite-ca-state-store.js';
import 'reflect-metadata';
import { X509Certificate } from '@peculiar/x509';
import {
  CardAttestationVerifier,
  LocalCertificateAuthority,
  configuredProfiles,
} from '../../appliance/src/ca/index.js';
import { CaCertificateIssuer } from '../../appliance/src/services/ca-certificate-issuer.js';
import type { IdentityManagerClient } from '../../appliance/src/services/sync/identity-manager-client.js';
import type { SecretEscrow } from '../../appliance/src/core/secret-escrow.js';
import { FakeCardPrinter, FakePivEncoder } from './fake-devices.js';
import { cardArtworkRenderer } from '../../appliance/src/layout/index.js';
import { TestClock } from './test-clock.js';

export interface TestAppOptions {
  stateDir?: string;
  printer?: CardPrinter;
  encoder?: PivEncoder;
  renderer?: CardArtworkRenderer;
  /** null: no CA (Digital ID production must fail); omitted: the appliance's own CA. */
  certificates?: CardCertificateIssuer | null;
  clock?: TestClock;
  config?: Partial<DeviceConfig>;
  log?: Logger;
  httpLogger?: FastifyBaseLogger;
  /** The central Identity Manager to sync with (config.sync tunes the relay). */
  centralClient?: IdentityManagerClient | null;
  /** The centre's PUK escrow key. */
  escrow?: SecretEscrow | null;
  /** Attestation roots (and intermediates), DER, the CA checks card keys against. */
  attestationRoots?: readonly Uint8Array[];
}

export interface TestApp {
  appliance: Appliance;
  stateDir: string;
  dbFile: string;
  clock: TestClock;
  printer: CardPrinter;
  encoder: PivEncoder;
  leds: SimulatedStatusLeds;
  store: SqliteStore;
  firstAdminPasscode: string | null;
  /** inject() with JSON in and out. */
  call(opts: InjectOptions & { cookie?: string }): Promise<LightMyRequestResponse>;
  /** A signed-in staff member with these roles (passcode already changed); returns its cookie. */
  staff(username: string, roles: StaffRole[]): Promise<Staff>;
  /** Stop the appliance, keeping the state directory. */
  stop(): Promise<void>;
  /** Stop and delete the state directory. */
  dispose(): Promise<void>;
}

export interface Staff {
  username: string;
  userId: string;
  cookie: string;
}

export const TEST_PASSCODE = 'correct-horse-battery';

/** Cheap scrypt for tests; production uses the default cost. */
export const testHasher = new ScryptPasscodeHasher({ N: 1024, r: 8, p: 1 });

export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'cardkiosk-test-'));
  const dbFile = join(stateDir, 'cardkiosk.db');
  const config: DeviceConfig = {
    ...defaultConfig(stateDir),
    // Scenario tests sign in many staff from one address; the rate-limit test sets its own.
    rateLimits: {
      signInPerMinute: 10_000,
      walkUpPerMinute: 10_000,
      statusLookupsPerMinute: 10_000,
    },
    ...options.config,
  };
  const clock = options.clock ?? new TestClock();
  const printer = options.printer ?? new FakeCardPrinter();
  const encoder = options.encoder ?? new FakePivEncoder();
  const leds = new SimulatedStatusLeds();
  const store = await SqliteStore.open(dbFile);
  const ca =
    options.certificates === undefined
      ? await LocalCertificateAuthority.createOrLoad({
          stateDir: join(stateDir, 'ca'),
          secretKey: loadOrCreateDeviceSecret(stateDir),
          organization: 'cardkiosk test site',
          crlDistributionUrl: 'http://127.0.0.1:8080/ca/crl',
          clock: () => clock.now(),
          store: new SqliteCaStateStore(store),
        })
      : null;
  const appliance = await composeAppliance({
    config,
    store,
    printer,
    encoder,
    leds,
    renderer: options.renderer ?? cardArtworkRenderer,
    certificates: ca
      ? new CaCertificateIssuer(
          ca,
          configuredProfiles(config.certificateProfiles),
          options.attestationRoots?.length
            ? new CardAttestationVerifier(
                options.attestationRoots.map((der) => new X509Certificate(Buffer.from(der))),
                () => clock.now(),
              )
            : null,
        )
      : (options.certificates ?? null),
    contentSigner: ca,
    revocation: ca,
    deviceSecret: loadOrCreateDeviceSecret(stateDir),
    centralClient: options.centralClient ?? null,
    escrow: options.escrow ?? null,
    clock,
    random: nodeRandomSource,
    hasher: testHasher,
    log: options.log ?? silentLogger,
    version: 'test',
    ...(options.httpLogger !== undefined ? { httpLogger: options.httpLogger } : {}),
  });
  const { firstAdminPasscode } = await appliance.start();
  // As main.ts does once the app listens: catch up on scheduled work, then keep time.
  await appliance.scheduler.start();
  let adminCookie: string | null = null;

  const call: TestApp['call'] = ({ cookie, headers, ...rest }) =>
    appliance.app.inject({ ...rest, headers: { ...headers, ...(cookie ? { cookie } : {}) } });

  async function signIn(username: string, passcode: string): Promise<string> {
    const res = await call({
      method: 'POST',
      url: '/api/session',
      payload: { username, passcode },
    });
    if (res.statusCode !== 200)
      throw new Error(`sign-in of ${username} failed: ${res.statusCode} ${res.body}`);
    const setCookie = res.headers['set-cookie'];
    const raw = Array.isArray(setCookie) ? setCookie[0] : setCookie;
    return (raw ?? '').split(';')[0] as string;
  }

  async function admin(): Promise<string> {
    if (adminCookie) return adminCookie;
    if (!firstAdminPasscode)
      throw new Error('the test app has no first-admin passcode (reopened state?)');
    const cookie = await signIn('admin', firstAdminPasscode);
    const changed = await call({
      method: 'POST',
      url: '/api/session/passcode',
      cookie,
      payload: { currentPasscode: firstAdminPasscode, newPasscode: TEST_PASSCODE },
    });
    if (changed.statusCode !== 204)
      throw new Error(`admin passcode change failed: ${changed.body}`);
    adminCookie = cookie;
    return cookie;
  }

  return {
    appliance,
    stateDir,
    dbFile,
    clock,
    printer,
    encoder,
    leds,
    store,
    firstAdminPasscode,
    call,
    async staff(username, roles) {
      const created = await call({
        method: 'POST',
        url: '/api/users',
        cookie: await admin(),
        payload: { username, displayName: username, roles },
      });
      if (created.statusCode !== 201)
        throw new Error(`creating ${username} failed: ${created.body}`);
      const { user, oneTimePasscode } = created.json() as {
        user: { id: string };
        oneTimePasscode: string;
      };
      const cookie = await signIn(username, oneTimePasscode);
      const changed = await call({
        method: 'POST',
        url: '/api/session/passcode',
        cookie,
        payload: { currentPasscode: oneTimePasscode, newPasscode: TEST_PASSCODE },
      });
      if (changed.statusCode !== 204)
        throw new Error(`passcode change for ${username} failed: ${changed.body}`);
      return { username, userId: user.id, cookie };
    },
    async stop() {
      await appliance.close();
      await store.close();
    },
    async dispose() {
      await appliance.close();
      await store.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
