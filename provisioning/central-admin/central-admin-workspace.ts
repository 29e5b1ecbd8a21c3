/**
 * The central admin's working directory: the Ed25519 key that signs enrollment bundles
 * (`admin-signing-key.pem`, 0600; its public half `admin-signing-key.pub.pem` is what devices
 * pin), the central CA (`pki/`), and the enrollment registry (`enrollments.json`).
 * Creating an enrollment writes its record and returns the signed bundle with the claim
 * token; the EST server (est-server.ts) reads the same registry.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILT_IN_PROCESSES } from '../../appliance/src/core/workflow/processes.js';
import {
  claimTokenSha256,
  publicKeyId,
  signEnrollmentBundle,
  type EnrollmentPayload,
  type SignedEnrollmentBundle,
} from '../bundle/enrollment-bundle.js';
import { ProvisioningError } from '../errors.js';
import { CentralCertificateAuthority } from '../est/central-certificate-authority.js';
import { EnrollmentRegistry } from '../est/enrollment-registry.js';

export const DEFAULT_CLAIM_HOURS = 72;

/** What a lobby kiosk usually runs: walk-up visitors and contractors. */
const LOBBY_PROCESSES = {
  required: ['CCProcVisitorCardWithApproval', 'CCProcContractorCardWithApproval'],
  'per-process': ['CCProcVisitorCardWithoutApproval', 'CCProcContractorCardWithApproval'],
} as const;

export interface EnrollmentInput {
  deviceName: string;
  site: string;
  estUrl: string;
  scimUrl?: string;
  escrowPublicKeyPem?: string;
  /** Who certifies the device's issuing CA; default 'central'. */
  issuingCa?: 'central' | 'local';
  approvalPolicy: 'required' | 'per-process';
  /** Built-in or site process names; default: the lobby set for the policy. */
  processes?: string[];
  numberRanges: Array<{ id: string; first: number; last: number }>;
  /** Further config.json keys (walkUp, siteProcesses, validity, pinLength, …). */
  config?: Record<string, unknown>;
  claimValidHours?: number;
  now?: Date;
}

export class CentralAdminWorkspace {
  readonly enrollments: EnrollmentRegistry;

  private constructor(
    readonly dir: string,
    readonly ca: CentralCertificateAuthority,
    private readonly signingKey: KeyObject,
  ) {
    this.enrollments = new EnrollmentRegistry(dir);
  }

  static async open(dir: string): Promise<CentralAdminWorkspace> {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const keyFile = join(dir, 'admin-signing-key.pem');
    if (!existsSync(keyFile)) {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      writeFileSync(
        join(dir, 'admin-signing-key.pub.pem'),
        publicKey.export({ type: 'spki', format: 'pem' }),
      );
    }
    const signingKey = createPrivateKey(readFileSync(keyFile));
    const ca = await CentralCertificateAuthority.createOrLoad(join(dir, 'pki'));
    return new CentralAdminWorkspace(dir, ca, signingKey);
  }

  get adminPublicKeyFile(): string {
    return join(this.dir, 'admin-signing-key.pub.pem');
  }

  get adminPublicKeyPem(): string {
    return createPublicKey(this.signingKey).export({ type: 'spki', format: 'pem' }) as string;
  }

  get adminKeyId(): string {
    return publicKeyId(this.signingKey);
  }

  /** Records an enrollment and returns its signed bundle, claim token included. */
  createEnrollment(input: EnrollmentInput): SignedEnrollmentBundle {
    const now = input.now ?? new Date();
    const config = this.siteConfig(input);
    const claimExpiresAt = new Date(
      now.getTime() + (input.claimValidHours ?? DEFAULT_CLAIM_HOURS) * 3_600_000,
    );
    const { record, claimToken } = this.enrollments.create({
      deviceName: input.deviceName,
      site: input.site,
      claimExpiresAt,
      now,
    });
    const payload: EnrollmentPayload = {
      enrollmentId: record.id,
      deviceName: input.deviceName,
      issuedAt: now.toISOString(),
      claimExpiresAt: claimExpiresAt.toISOString(),
      claimTokenSha256: claimTokenSha256(claimToken),
      approvalPolicy: input.approvalPolicy,
      config,
      central: {
        estUrl: input.estUrl,
        ...(input.scimUrl ? { scimUrl: input.scimUrl } : {}),
        ...(input.escrowPublicKeyPem ? { escrowPublicKeyPem: input.escrowPublicKeyPem } : {}),
        issuingCa: input.issuingCa ?? 'central',
      },
      trustAnchorsPem: this.ca.certificatePem,
    };
    const bundle = signEnrollmentBundle(payload, this.signingKey, claimToken);
    this.enrollments.attachBundle(record.id, bundle);
    return bundle;
  }

  private siteConfig(input: EnrollmentInput): Record<string, unknown> {
    const siteProcesses = (input.config?.siteProcesses ?? []) as Array<{
      name: string;
      approval: boolean;
    }>;
    const processes = input.processes ?? [...LOBBY_PROCESSES[input.approvalPolicy]];
    const known = new Map(
      [...BUILT_IN_PROCESSES, ...siteProcesses].map((p) => [p.name, p.approval] as const),
    );
    for (const name of processes) {
      if (!known.has(name))
        throw new ProvisioningError('CONFIG_INVALID', `unknown process ${name}`);
      if (input.approvalPolicy === 'required' && !known.get(name)) {
        throw new ProvisioningError(
          'CONFIG_INVALID',
          `${name} has no approval step, but the approval policy requires one`,
        );
      }
    }
    const walkUp: Record<string, string> = {};
    for (const kind of ['visitor', 'contractor', 'employee']) {
      const match = processes.find(
        (p) => p.startsWith('CCProc') && p.includes(capitalise(kind)) && !p.includes('USSP'),
      );
      if (match) walkUp[kind] = match;
    }
    return {
      siteName: input.site,
      enabledProcesses: processes,
      walkUp,
      numberRanges: input.numberRanges,
      ...input.config,
    };
  }
}

function capitalise(word: string): string {
  return word[0]!.toUpperCase() + word.slice(1);
}
