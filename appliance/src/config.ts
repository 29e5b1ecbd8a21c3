/**
 * Device configuration: embedded defaults (SQLite under ./state, simulated printer, encoder
 * and LEDs, localhost), overridden by a JSON file ($CARDKIOSK_CONFIG, or config.json in the
 * state directory) and a few environment variables. Checked against a schema at start-up so
 * a typo stops the service with a message instead of misbehaving later.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { BUILT_IN_PROCESSES } from './core/workflow/processes.js';
import { ACCENT_COLOR_PATTERN } from './site-identity.js';

const ProcessDef = Type.Object({
  name: Type.String(),
  idType: Type.Union([Type.Literal('physical'), Type.Literal('digital')]),
  cardType: Type.Union([
    Type.Literal('employee'),
    Type.Literal('contractor'),
    Type.Literal('visitor'),
  ]),
  channel: Type.Union([Type.Literal('self-service'), Type.Literal('identity-manager')]),
  approval: Type.Boolean(),
  label: Type.String(),
});

const SanPolicySchema = Type.Union([
  Type.Literal('required'),
  Type.Literal('if-present'),
  Type.Literal('never'),
]);

/**
 * Sync with the central Identity Manager (README: "Sync with the central Identity Manager").
 * Certificate, key and CA paths come from provisioning; omitted tuning keys take the
 * defaults in SYNC_DEFAULTS.
 */
const SyncConfigSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    /** SCIM base URL of the centre, https only, e.g. https://idm.example:8443/scim/v2 */
    baseUrl: Type.Optional(Type.String({ pattern: '^https://' })),
    /** The device's client certificate and key, and the CA that signs the centre's certificate. */
    tls: Type.Optional(
      Type.Object({ certFile: Type.String(), keyFile: Type.String(), caFile: Type.String() }),
    ),
    /** The centre's P-256 escrow public key (PEM); PUKs are sealed to it. */
    escrowPublicKeyFile: Type.Optional(Type.String()),
    batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    requestTimeoutMs: Type.Optional(Type.Integer({ minimum: 100 })),
    backoff: Type.Optional(
      Type.Object({
        initialMs: Type.Integer({ minimum: 10 }),
        maxMs: Type.Integer({ minimum: 10 }),
      }),
    ),
    probeIntervalMs: Type.Optional(Type.Integer({ minimum: 10 })),
    pullIntervalMs: Type.Optional(Type.Integer({ minimum: 100 })),
    idleCheckMs: Type.Optional(Type.Integer({ minimum: 10 })),
    offlineAfterMs: Type.Optional(Type.Integer({ minimum: 0 })),
    numberRanges: Type.Optional(
      Type.Object({
        lowWater: Type.Integer({ minimum: 0 }),
        leaseSize: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
      }),
    ),
  },
  { additionalProperties: false },
);

export const SYNC_DEFAULTS = {
  batchSize: 200,
  requestTimeoutMs: 15_000,
  backoff: { initialMs: 1_000, maxMs: 5 * 60_000 },
  probeIntervalMs: 5_000,
  pullIntervalMs: 60_000,
  idleCheckMs: 5_000,
  offlineAfterMs: 2 * 60_000,
  numberRanges: { lowWater: 1_000, leaseSize: 10_000 },
} as const;

/**
 * Visits (README: "Notifications", "Invitations", "Sign-out", "Retention settings"). Every
 * key is optional; what is absent takes the defaults named beside it.
 */
const NotificationsConfigSchema = Type.Object(
  {
    /** Language of hosts who have none set: 'en' (default) or 'nl'. */
    language: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('nl')])),
    /** Where the host meets the visitor, as the message says it; default "the reception desk". */
    meetingPoint: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
    email: Type.Optional(
      Type.Object(
        {
          host: Type.String({ minLength: 1 }),
          port: Type.Integer({ minimum: 1, maximum: 65535 }),
          /** tls: implicit TLS (465); starttls: STARTTLS required (587); none: plain (tests only). */
          security: Type.Union([
            Type.Literal('tls'),
            Type.Literal('starttls'),
            Type.Literal('none'),
          ]),
          auth: Type.Optional(
            Type.Object(
              { user: Type.String({ minLength: 1 }), passwordFile: Type.String({ minLength: 1 }) },
              { additionalProperties: false },
            ),
          ),
          caFile: Type.Optional(Type.String({ minLength: 1 })),
          from: Type.String({ minLength: 3 }),
          timeoutMs: Type.Optional(Type.Integer({ minimum: 100 })),
        },
        { additionalProperties: false },
      ),
    ),
    webhook: Type.Optional(
      Type.Object(
        {
          url: Type.String({ pattern: '^https?://' }),
          secretFile: Type.String({ minLength: 1 }),
          timeoutMs: Type.Optional(Type.Integer({ minimum: 100 })),
        },
        { additionalProperties: false },
      ),
    ),
    retry: Type.Optional(
      Type.Object(
        {
          initialMs: Type.Integer({ minimum: 10 }),
          maxMs: Type.Integer({ minimum: 10 }),
          maxAttempts: Type.Integer({ minimum: 1, maximum: 100 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const RetentionDays = Type.Union([Type.Integer({ minimum: 0, maximum: 36500 }), Type.Null()]);

export const DeviceConfigSchema = Type.Object(
  {
    siteName: Type.String({ minLength: 1, maxLength: 60 }),
    /** Logo (PNG or JPEG, ≤ 256 KiB; a relative path is in stateDir) and accent colour. */
    siteIdentity: Type.Optional(
      Type.Object(
        {
          logoFile: Type.Optional(Type.String({ minLength: 1 })),
          accentColor: Type.Optional(Type.String({ pattern: ACCENT_COLOR_PATTERN })),
        },
        { additionalProperties: false },
      ),
    ),
    stateDir: Type.String({ minLength: 1 }),
    http: Type.Object({
      host: Type.String(),
      port: Type.Integer({ minimum: 0, maximum: 65535 }),
      publicBaseUrl: Type.Optional(Type.String()),
      secureCookie: Type.Boolean(),
    }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    ),
    enabledProcesses: Type.Array(Type.String()),
    siteProcesses: Type.Array(ProcessDef),
    walkUp: Type.Object({
      visitor: Type.Optional(Type.String()),
      contractor: Type.Optional(Type.String()),
      employee: Type.Optional(Type.String()),
    }),
    numberRanges: Type.Array(
      Type.Object({
        id: Type.String({ minLength: 1 }),
        first: Type.Integer({ minimum: 0 }),
        last: Type.Integer({ minimum: 0 }),
      }),
      { minItems: 1 },
    ),
    cardNumberBaseDigits: Type.Integer({ minimum: 4, maximum: 15 }),
    pinLength: Type.Integer({ minimum: 6, maximum: 8 }),
    pinRetries: Type.Integer({ minimum: 1, maximum: 15 }),
    pukRetries: Type.Integer({ minimum: 1, maximum: 15 }),
    keyAlgorithm: Type.Union([Type.Literal('ECCP256'), Type.Literal('RSA2048')]),
    /** Per card type, what to change of the default certificate profile (see README). */
    certificateProfiles: Type.Optional(
      Type.Partial(
        Type.Record(
          Type.Union([
            Type.Literal('employee'),
            Type.Literal('contractor'),
            Type.Literal('visitor'),
          ]),
          Type.Partial(
            Type.Object(
              {
                subjectOrganization: Type.Union([
                  Type.Literal('ca'),
                  Type.Literal('holder-company'),
                ]),
                organizationalUnit: Type.String({ maxLength: 64 }),
                email: SanPolicySchema,
                upn: SanPolicySchema,
                extendedKeyUsages: Type.Array(
                  Type.String({ pattern: '^[0-2](\\.(0|[1-9][0-9]*))+$' }),
                  { minItems: 1 },
                ),
                maxValidityDays: Type.Integer({ minimum: 1, maximum: 3660 }),
                attestation: Type.Union([
                  Type.Literal('required'),
                  Type.Literal('when-supported'),
                  Type.Literal('off'),
                ]),
              },
              { additionalProperties: false },
            ),
          ),
        ),
      ),
    ),
    notifications: Type.Optional(NotificationsConfigSchema),
    visits: Type.Optional(
      Type.Object(
        {
          /** "HH:MM" in the site's time zone: visits still open then are ended. */
          closingTime: Type.Optional(Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' })),
          /** Tell the host when their visitor signs out; default false. */
          notifyHostOnLeave: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
    invitations: Type.Optional(
      Type.Object(
        {
          /** An invitation stands for the approval of its request; default false. */
          countAsApproval: Type.Optional(Type.Boolean()),
          /** The process an invitation runs when it names none; default the visitor walk-up's. */
          defaultProcess: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    /** Days to keep each kind of data (null: until staff delete it); defaults in RETENTION_DEFAULTS. */
    retention: Type.Optional(
      Type.Object(
        {
          visitorDetailsDays: Type.Optional(RetentionDays),
          photosDays: Type.Optional(RetentionDays),
          requestsDays: Type.Optional(RetentionDays),
          auditDays: Type.Optional(RetentionDays),
        },
        { additionalProperties: false },
      ),
    ),
    /** Key attestation: a PEM bundle of attestation roots (and intermediates) to check against. */
    attestation: Type.Optional(
      Type.Object({ rootsFile: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    ),
    /** Put in every card certificate; default <publicBaseUrl>/ca/crl. */
    crlDistributionUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
    /**
     * IANA time zone of the site (e.g. 'Europe/Berlin') for daily scheduled jobs and for the
     * calendar day a card expires at the end of; default 'UTC', as card validity dates are
     * computed today.
     */
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    /** The card's life after hand-over (README: "After hand-over"); omitted keys take defaults. */
    lifecycle: Type.Optional(
      Type.Object(
        {
          renewalWindowDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 365 })),
          renewal: Type.Optional(
            Type.Partial(
              Type.Object({
                employee: Type.Union([Type.Literal('same-chip'), Type.Literal('new-card')]),
                contractor: Type.Union([Type.Literal('same-chip'), Type.Literal('new-card')]),
                visitor: Type.Union([Type.Literal('same-chip'), Type.Literal('new-card')]),
              }),
            ),
          ),
          temporaryCardProcess: Type.Optional(Type.String()),
          expiryCheckMs: Type.Optional(Type.Integer({ minimum: 1000 })),
        },
        { additionalProperties: false },
      ),
    ),
    validity: Type.Object({
      employeeYears: Type.Integer({ minimum: 1, maximum: 10 }),
      contractorMaxDays: Type.Integer({ minimum: 1, maximum: 3660 }),
    }),
    printer: Type.Union([
      Type.Object({
        driver: Type.Literal('simulated'),
        cycleScale: Type.Optional(Type.Number({ minimum: 0 })),
        /** Which documented printer the simulator plays (default quantum). */
        model: Type.Optional(
          Type.Union(
            ['tattoo', 'new_pebble', 'dualys', 'quantum', 'kiosk', 'primacy'].map((m) =>
              Type.Literal(m),
            ),
          ),
        ),
        /**
         * Keep the simulated printer's blanks, counters and the card inside in
         * <stateDir>/simulated-printer.json across restarts, as a real printer keeps them.
         */
        persistState: Type.Optional(Type.Boolean()),
      }),
      Type.Object({
        driver: Type.Literal('serial'),
        path: Type.String(),
        /** The speed `Pcom` set on the printer (its serial port is off as shipped). */
        baudRate: Type.Integer({ minimum: 1200 }),
        /** The ribbon loaded: `ymcko` (colour) or `k` (black). Default ymcko. */
        ribbon: Type.Optional(Type.Union([Type.Literal('ymcko'), Type.Literal('k')])),
      }),
    ]),
    encoder: Type.Union([
      Type.Object({ driver: Type.Literal('simulated') }),
      Type.Object({ driver: Type.Literal('pcsc'), readerName: Type.Optional(Type.String()) }),
    ]),
    rateLimits: Type.Object({
      signInPerMinute: Type.Integer({ minimum: 1 }),
      walkUpPerMinute: Type.Integer({ minimum: 1 }),
      statusLookupsPerMinute: Type.Integer({ minimum: 1 }),
    }),
    sync: SyncConfigSchema,
    leds: Type.Union([
      Type.Object({ driver: Type.Literal('simulated') }),
      Type.Object({
        driver: Type.Literal('gpio'),
        // BCM (header GPIO) numbers; the sysfs base is found at start unless gpioBase is set.
        pins: Type.Object({
          green: Type.Integer({ minimum: 0, maximum: 53 }),
          amber: Type.Integer({ minimum: 0, maximum: 53 }),
          red: Type.Integer({ minimum: 0, maximum: 53 }),
        }),
        activeLow: Type.Optional(Type.Boolean()),
        gpioBase: Type.Optional(Type.Integer({ minimum: 0 })),
      }),
    ]),
  },
  { additionalProperties: false },
);

export type DeviceConfig = Static<typeof DeviceConfigSchema>;

export function defaultConfig(stateDir: string): DeviceConfig {
  return {
    siteName: 'Lobby',
    stateDir,
    http: { host: '127.0.0.1', port: 8080, secureCookie: false },
    logLevel: 'info',
    // The embedded default enables the whole catalog so every variant can be tried; a
    // provisioned lobby kiosk typically enables the visitor and contractor ones.
    enabledProcesses: BUILT_IN_PROCESSES.map((p) => p.name),
    siteProcesses: [],
    walkUp: {
      visitor: 'CCProcVisitorCardWithApproval',
      contractor: 'CCProcContractorCardWithApproval',
    },
    numberRanges: [{ id: 'local-1', first: 1_000_000, last: 1_999_999 }],
    cardNumberBaseDigits: 7,
    pinLength: 6,
    pinRetries: 3,
    pukRetries: 3,
    keyAlgorithm: 'ECCP256',
    validity: { employeeYears: 5, contractorMaxDays: 366 },
    printer: { driver: 'simulated' },
    encoder: { driver: 'simulated' },
    leds: { driver: 'simulated' },
    // Off until provisioning (issue 8) supplies the centre's address and the certificates.
    sync: { enabled: false },
    // Per client address. A lobby kiosk's touch screen is one address, so walk-up limits
    // bound a whole lobby, not one person.
    rateLimits: { signInPerMinute: 10, walkUpPerMinute: 30, statusLookupsPerMinute: 120 },
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): DeviceConfig {
  const stateDir = resolve(env.CARDKIOSK_STATE_DIR ?? 'state');
  const file = env.CARDKIOSK_CONFIG ?? join(stateDir, 'config.json');
  let merged: Record<string, unknown> = { ...defaultConfig(stateDir) };
  if (existsSync(file)) {
    const fromFile = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    merged = { ...merged, ...fromFile, stateDir };
  }
  const http = { ...(merged.http as DeviceConfig['http']) };
  if (env.CARDKIOSK_PORT) http.port = Number(env.CARDKIOSK_PORT);
  if (env.CARDKIOSK_HOST) http.host = env.CARDKIOSK_HOST;
  merged.http = http;
  return checkConfig(merged);
}

export function checkConfig(value: unknown): DeviceConfig {
  if (!Value.Check(DeviceConfigSchema, value)) {
    const problems = [...Value.Errors(DeviceConfigSchema, value)]
      .slice(0, 5)
      .map((e) => `${e.path || '/'}: ${e.message}`);
    throw new Error(`the device configuration is invalid:\n  ${problems.join('\n  ')}`);
  }
  return value;
}
