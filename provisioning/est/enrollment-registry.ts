/**
 * The centre's record of device enrollments: for each, the device name and site, the SHA-256
 * of its one-time claim token (never the token), when the claim expires, whether it was
 * claimed or revoked, the serials of the device certificates and of the issuing CA
 * certificates issued to it, and its signed bundle
 * (without the token) for devices that fetch it by URL.
 *
 * One JSON file (`enrollments.json`, 0600) rewritten atomically. Node runs one request's
 * synchronous section at a time, so a read-check-write with no await between is atomic: a
 * claim token can be spent once even when two devices race with it.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { claimTokenSha256, type SignedEnrollmentBundle } from '../bundle/enrollment-bundle.js';
import { ProvisioningError } from '../errors.js';

export interface EnrollmentRecord {
  id: string;
  deviceName: string;
  site: string;
  createdAt: string;
  claimExpiresAt: string;
  claimTokenSha256: string;
  claimedAt: string | null;
  revokedAt: string | null;
  certificateSerials: string[];
  /**
   * Issuing CA certificates signed for the device's own CA. Kept apart from
   * `certificateSerials`, which authenticate the device: a CA certificate never does.
   * Absent in registries written before the centre signed issuing CAs.
   */
  issuingCaSerials?: string[];
  bundle: SignedEnrollmentBundle | null;
}

/** `<enrollment id>.<256 random bits>`: the id lets the centre find the record to compare. */
export function parseClaimToken(token: string): { enrollmentId: string } | null {
  const match = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/.exec(token);
  return match ? { enrollmentId: match[1]! } : null;
}

export class EnrollmentRegistry {
  private readonly file: string;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = join(dir, 'enrollments.json');
  }

  /** A new enrollment and its claim token (returned once, stored only as a hash). */
  create(input: { deviceName: string; site: string; claimExpiresAt: Date; now: Date }): {
    record: EnrollmentRecord;
    claimToken: string;
  } {
    const id = randomUUID();
    const claimToken = `${id}.${randomBytes(32).toString('base64url')}`;
    const record: EnrollmentRecord = {
      id,
      deviceName: input.deviceName,
      site: input.site,
      createdAt: input.now.toISOString(),
      claimExpiresAt: input.claimExpiresAt.toISOString(),
      claimTokenSha256: claimTokenSha256(claimToken),
      claimedAt: null,
      revokedAt: null,
      certificateSerials: [],
      issuingCaSerials: [],
      bundle: null,
    };
    this.update((all) => all.push(record));
    return { record, claimToken };
  }

  attachBundle(id: string, bundle: SignedEnrollmentBundle): void {
    const { claimToken: _omitted, ...withoutToken } = bundle;
    this.update((all) => {
      this.find(all, id).bundle = withoutToken;
    });
  }

  list(): EnrollmentRecord[] {
    return this.load();
  }

  get(id: string): EnrollmentRecord | undefined {
    return this.load().find((r) => r.id === id);
  }

  /**
   * Checks a claim token without spending it. Errors (ProvisioningError): CLAIM_TOKEN_UNKNOWN,
   * ENROLLMENT_REVOKED, CLAIM_TOKEN_USED, CLAIM_TOKEN_EXPIRED.
   */
  check(claimToken: string, now: Date): EnrollmentRecord {
    return this.checkIn(this.load(), claimToken, now);
  }

  /** Spends the claim token: it works once. Same errors as `check`. */
  claim(claimToken: string, now: Date): EnrollmentRecord {
    let claimed: EnrollmentRecord | undefined;
    this.update((all) => {
      claimed = this.checkIn(all, claimToken, now);
      claimed.claimedAt = now.toISOString();
    });
    return claimed!;
  }

  recordCertificate(id: string, serialHex: string): void {
    this.update((all) => {
      this.find(all, id).certificateSerials.push(serialHex.toLowerCase());
    });
  }

  recordIssuingCa(id: string, serialHex: string): void {
    this.update((all) => {
      const record = this.find(all, id);
      record.issuingCaSerials = [...(record.issuingCaSerials ?? []), serialHex.toLowerCase()];
    });
  }

  /** The enrollment a device certificate was issued to. */
  bySerial(serialHex: string): EnrollmentRecord | undefined {
    const serial = serialHex.toLowerCase();
    return this.load().find((r) => r.certificateSerials.includes(serial));
  }

  /** Revokes an enrollment: its token and its devices' re-enrollment are refused from now on. */
  revoke(id: string, now: Date): EnrollmentRecord {
    let revoked: EnrollmentRecord | undefined;
    this.update((all) => {
      revoked = this.find(all, id);
      revoked.revokedAt ??= now.toISOString();
    });
    return revoked!;
  }

  private checkIn(all: EnrollmentRecord[], claimToken: string, now: Date): EnrollmentRecord {
    const parsed = parseClaimToken(claimToken);
    const record = parsed && all.find((r) => r.id === parsed.enrollmentId);
    const matches =
      record &&
      timingSafeEqual(
        Buffer.from(claimTokenSha256(claimToken), 'hex'),
        Buffer.from(record.claimTokenSha256, 'hex'),
      );
    if (!record || !matches) {
      throw new ProvisioningError('CLAIM_TOKEN_UNKNOWN', 'the claim token is not known');
    }
    if (record.revokedAt) {
      throw new ProvisioningError('ENROLLMENT_REVOKED', 'the enrollment has been revoked');
    }
    if (record.claimedAt) {
      throw new ProvisioningError('CLAIM_TOKEN_USED', 'the claim token has already been used');
    }
    if (Date.parse(record.claimExpiresAt) <= now.getTime()) {
      throw new ProvisioningError('CLAIM_TOKEN_EXPIRED', 'the claim token has expired');
    }
    return record;
  }

  private find(all: EnrollmentRecord[], id: string): EnrollmentRecord {
    const record = all.find((r) => r.id === id);
    if (!record) throw new ProvisioningError('ENROLLMENT_NOT_FOUND', `no enrollment ${id}`);
    return record;
  }

  private load(): EnrollmentRecord[] {
    if (!existsSync(this.file)) return [];
    return JSON.parse(readFileSync(this.file, 'utf8')) as EnrollmentRecord[];
  }

  private update(change: (all: EnrollmentRecord[]) => void): void {
    const all = this.load();
    change(all);
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(all, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}
