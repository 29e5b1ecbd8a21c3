/**
 * Composition root: read the configuration, open the database, choose real or simulated
 * devices, start the services and listen. On first start it creates the first device
 * administrator and shows its one-time passcode on the console, never in a log.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPivEncoder } from '../../drivers/encoder/index.js';
import type { PivEncoder } from '../../drivers/encoder/piv-encoder.js';
import { GpioStatusLeds } from '../../drivers/leds/gpio-status-leds.js';
import { SimulatedStatusLeds } from '../../drivers/leds/simulated-status-leds.js';
import type { StatusLeds } from '../../drivers/leds/status-leds.js';
import { createPersistentSimulatedPrinterDevice } from '../../drivers/printer/persistent-simulated-printer.js';
import {
  createSimulatedCardPrinter,
  SerialCardPrinter,
  type CardPrinter,
  type SimulatedModel,
} from '../../drivers/printer/index.js';
// Not ca/index.js: the CA and the attestation check load their X.509 library on first use.
import type { CardAttestationVerifier } from './ca/card-attestation.js';
import { configuredProfiles } from './ca/certificate-profile.js';
import { LazyCertificateAuthority } from './ca/lazy-certificate-authority.js';
import { composeAppliance } from './compose.js';
import { FirstAdminPasscodeFile } from './first-admin-passcode-file.js';
import { loadConfig, type DeviceConfig } from './config.js';
import { loadOrCreateDeviceSecret } from './crypto/device-secret.js';
import { nodeRandomSource, systemClock } from './crypto/node-random-source.js';
import { ScryptPasscodeHasher } from './crypto/passcode-hasher.js';
import { EciesEscrow } from './crypto/ecies-escrow.js';
import { ScimIdentityManagerClient } from './central/scim-identity-manager-client.js';
import type { IdentityManagerClient } from './services/sync/identity-manager-client.js';
import type { SecretEscrow } from './core/secret-escrow.js';
import { SYNC_DEFAULTS } from './config.js';
import { cardArtworkRenderer } from './layout/lazy-card-artwork-renderer.js';
import { createLogger } from './logging.js';
import { CaCertificateIssuer } from './services/ca-certificate-issuer.js';
import type { Logger } from './services/ports.js';
import { SqliteCaStateStore } from './store/sqlite-ca-state-store.js';
import { SqliteStore } from './store/sqlite-store.js';
import { notifierFromEnv } from './systemd/systemd-notifier.js';
import {
  createEventLoopStallMeter,
  WatchdogPinger,
  watchdogPingIntervalMs,
} from './systemd/watchdog-pinger.js';

/** The package version, from the nearest package.json above this file (source or dist/). */
function packageVersion(): string {
  for (
    let dir = dirname(fileURLToPath(import.meta.url));
    dir !== dirname(dir);
    dir = dirname(dir)
  ) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'cardkiosk' && pkg.version) return pkg.version;
    }
  }
  return 'unknown';
}

const VERSION = packageVersion();
/** How long after the listener is up the scheduler and the notification queue start. */
const HOUSEKEEPING_DELAY_MS = 1_000;
/** Below the unit's TimeoutStopSec=30 (systemd/cardkiosk.service), with room to exit. */
const STOP_DEADLINE_MS = 25_000;

async function choosePrinter(config: DeviceConfig, log: Logger): Promise<CardPrinter> {
  if (config.printer.driver === 'serial') {
    // A configured printer is always the real one, even when unplugged at boot: the driver
    // reconnects when the port appears, and /health says it is not answering meanwhile.
    log.info({ path: config.printer.path, baudRate: config.printer.baudRate }, 'printer: serial');
    return new SerialCardPrinter({
      path: config.printer.path,
      baudRate: config.printer.baudRate,
      ...(config.printer.ribbon ? { ribbon: config.printer.ribbon } : {}),
      logger: log.child({ module: 'drivers.printer' }),
    });
  }
  log.info({ model: config.printer.model ?? 'quantum' }, 'printer: simulated (in-process)');
  const device = {
    timeScale: config.printer.cycleScale ?? 0.05,
    ...(config.printer.model ? { model: config.printer.model as SimulatedModel } : {}),
  };
  if (config.printer.persistState) {
    const file = join(config.stateDir, 'simulated-printer.json');
    return createSimulatedCardPrinter({
      simulator: createPersistentSimulatedPrinterDevice(file, device),
    });
  }
  return createSimulatedCardPrinter({ device });
}

async function chooseEncoder(config: DeviceConfig, log: Logger): Promise<PivEncoder> {
  const { encoder, reason } = await createPivEncoder(
    config.encoder,
    log.child({ module: 'drivers.encoder' }),
  );
  log.info({ driver: encoder.kind, reason }, 'encoder');
  return encoder;
}

/**
 * The central Identity Manager and the PUK escrow key, as provisioning configured them. The
 * escrow key is used even while sync is off, so PUKs are escrowed from the first card on.
 */
function chooseCentral(
  config: DeviceConfig,
  log: Logger,
): { centralClient: IdentityManagerClient | null; escrow: SecretEscrow | null } {
  const { sync } = config;
  const escrow = sync.escrowPublicKeyFile
    ? new EciesEscrow(readFileSync(sync.escrowPublicKeyFile, 'utf8'))
    : null;
  if (!escrow) log.warn('PUK escrow: no centre key configured; PUKs stay sealed on the device');
  if (!sync.enabled) {
    log.info('sync: off (not provisioned); everything waits in the outbox');
    return { centralClient: null, escrow };
  }
  if (!sync.baseUrl || !sync.tls)
    throw new Error(
      'sync is enabled but sync.baseUrl or sync.tls is missing from the configuration',
    );
  log.info({ baseUrl: sync.baseUrl }, 'sync: SCIM 2.0 with mutual TLS');
  return {
    centralClient: new ScimIdentityManagerClient({
      baseUrl: sync.baseUrl,
      tls: sync.tls,
      requestTimeoutMs: sync.requestTimeoutMs ?? SYNC_DEFAULTS.requestTimeoutMs,
      log: log.child({ module: 'central.scim' }),
    }),
    escrow,
  };
}

function chooseLeds(config: DeviceConfig, log: Logger): StatusLeds {
  if (config.leds.driver === 'gpio') {
    const ledLog = log.child({ module: 'drivers.leds' });
    try {
      const leds = GpioStatusLeds.open({
        pins: config.leds.pins,
        activeLow: config.leds.activeLow ?? false,
        ...(config.leds.gpioBase !== undefined ? { gpioBase: config.leds.gpioBase } : {}),
        onError: (err) => ledLog.warn({ err }, 'LED write failed'),
      });
      log.info({ pins: config.leds.pins }, 'LEDs: GPIO');
      return leds;
    } catch (err) {
      // Lamps are a convenience: a kiosk without them still issues cards; /health says so.
      log.warn({ err }, 'LEDs: GPIO is configured but not usable; showing LED state in memory');
      return new SimulatedStatusLeds();
    }
  }
  log.info('LEDs: simulated (state on /health)');
  return new SimulatedStatusLeds();
}

/** Show the first admin's one-time passcode where a person sees it and no log keeps it. */
function revealFirstAdminPasscode(
  passcode: string,
  file: FirstAdminPasscodeFile,
  url: string,
): void {
  if (process.stdout.isTTY) {
    process.stdout.write(
      `\n  First start: device administrator "admin" created.\n  One-time passcode: ${passcode}\n  Sign in at ${url} and change it; it is not shown again.\n\n`,
    );
    return;
  }
  // Under systemd stdout goes to the journal, which is a log: hand it over in a private file.
  file.write(passcode);
}

const notifier = notifierFromEnv();

/**
 * Under systemd (Type=notify): READY=1 now that the database, drivers and listener are up,
 * then watchdog pings while the event loop is healthy. Returns the pinger to stop on exit.
 */
async function tellSystemdReady(address: string, log: Logger): Promise<WatchdogPinger | null> {
  if (!notifier) return null;
  const systemdLog = log.child({ module: 'systemd' });
  await notifier
    .ready(`ready on ${address}`)
    .catch((err: unknown) => systemdLog.warn({ err }, 'sd_notify READY=1 failed'));
  const intervalMs = watchdogPingIntervalMs();
  if (intervalMs === null) return null;
  const pinger = new WatchdogPinger({
    intervalMs,
    ping: () => notifier.watchdog(),
    meter: createEventLoopStallMeter(),
    onSkip: (stallMs) =>
      systemdLog.warn({ stallMs }, 'event loop stalled; skipping the watchdog ping'),
    onError: (err) => systemdLog.warn({ err }, 'watchdog ping failed'),
  });
  pinger.start();
  systemdLog.info({ intervalMs }, 'watchdog pings started');
  return pinger;
}

/** The attestation roots of `attestation.rootsFile`; null (and a warning) without any. */
async function chooseAttestationRoots(
  config: DeviceConfig,
  log: Logger,
): Promise<CardAttestationVerifier | null> {
  const file = config.attestation?.rootsFile;
  if (!file) {
    log.warn(
      'no attestation roots configured (attestation.rootsFile): keys of attesting cards are certified unverified',
    );
    return null;
  }
  const { CardAttestationVerifier, parsePemBundle } = await import('./ca/card-attestation.js');
  const bundle = parsePemBundle(readFileSync(file, 'utf8'));
  const verifier = new CardAttestationVerifier(bundle, () => systemClock.now());
  if (!verifier.hasRoots) throw new Error(`${file} holds no self-signed attestation root`);
  log.info({ file, certificates: bundle.length }, 'attestation roots loaded');
  return verifier;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  log.info({ version: VERSION, stateDir: config.stateDir }, 'cardkiosk starting');
  const deviceSecret = loadOrCreateDeviceSecret(config.stateDir);
  const store = await SqliteStore.open(join(config.stateDir, 'cardkiosk.db'));
  const printer = await choosePrinter(config, log);
  const encoder = await chooseEncoder(config, log);
  const leds = chooseLeds(config, log);
  const { centralClient, escrow } = chooseCentral(config, log);
  const ca = await LazyCertificateAuthority.open({
    stateDir: join(config.stateDir, 'ca'),
    secretKey: deviceSecret,
    keyAlgorithm: config.keyAlgorithm,
    organization: config.siteName,
    crlDistributionUrl:
      config.crlDistributionUrl ??
      `${config.http.publicBaseUrl ?? `http://${config.http.host}:${config.http.port}`}/ca/crl`,
    store: new SqliteCaStateStore(store),
  });
  const appliance = await composeAppliance({
    config,
    store,
    printer,
    encoder,
    leds,
    renderer: cardArtworkRenderer,
    certificates: new CaCertificateIssuer(
      ca,
      configuredProfiles(config.certificateProfiles),
      await chooseAttestationRoots(config, log),
    ),
    contentSigner: ca,
    revocation: ca,
    deviceSecret,
    centralClient,
    escrow,
    clock: systemClock,
    random: nodeRandomSource,
    hasher: new ScryptPasscodeHasher(),
    log,
    version: VERSION,
    httpLogger: log.child({ module: 'http' }),
  });
  const passcodeFile = new FirstAdminPasscodeFile(config.stateDir, log);
  passcodeFile.deleteOnceChanged(appliance.services.events);
  const { firstAdminPasscode } = await appliance.start();
  const url = `http://${config.http.host}:${config.http.port}`;
  if (firstAdminPasscode) revealFirstAdminPasscode(firstAdminPasscode, passcodeFile, url);
  else await passcodeFile.deleteIfChanged(store);
  const address = await appliance.app.listen({ host: config.http.host, port: config.http.port });
  log.info({ address }, 'cardkiosk ready');
  // Housekeeping starts a moment after the listener, so that the kiosk's first page and API
  // calls are answered first: a catch-up after downtime (or the time-zone database, loaded for
  // the first daily job) would otherwise hold them up on a Pi's slow core.
  const housekeeping = setTimeout(() => {
    // A job that cannot be scheduled (an unknown time zone) is a configuration error: stop, as
    // a failed start does, so that systemd and the journal show it.
    appliance.scheduler
      .start()
      .catch((err: unknown) => exitAfterFailedStart('its scheduled jobs', err));
    // Host notifications waiting from before the restart go out now, then as they fall due.
    appliance.services.visiting.notifications.start();
  }, HOUSEKEEPING_DELAY_MS);
  const watchdog = await tellSystemdReady(address, log);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'cardkiosk stopping');
    // systemd kills the service TimeoutStopSec (30 s) after SIGTERM; leave on our own before
    // that even if the card in the printer hangs. Whatever it cut off, start-up recovers.
    setTimeout(() => {
      log.error({ deadlineMs: STOP_DEADLINE_MS }, 'cardkiosk did not stop in time; exiting');
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    clearTimeout(housekeeping);
    watchdog?.stop();
    await notifier?.stopping().catch(() => {});
    await appliance.close();
    await Promise.allSettled([printer.close(), encoder.close(), leds.close()]);
    await store.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/** Says on stderr what did not start (the journal under systemd) and exits with 1. */
function exitAfterFailedStart(what: string | null, err: unknown): never {
  process.stderr.write(
    `cardkiosk failed to start${what ? ` ${what}` : ''}: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
}

main().catch((err: unknown) => exitAfterFailedStart(null, err));
