// The service's certificate authority, loaded on its first use. Evaluating the X.509 and ASN.1
// libraries and parsing the CA's certificates was a fifth of the service's start-up CPU, for
// work no start-up needs (README "Start-up, memory and /health"). What must still stop the
// service at start is checked at start, with node:crypto only: the options, and that the
// issuing CA's key opens with this device secret. On first start (no issuing CA yet) the CA is
// created at once, as before.
//
// Only `import type` from certificate-authority.ts here: the service's bundle evaluates a
// module reached through import() on that import(), not at start.
import type { RevocationReason } from './ca-state-store.js';
import { CaStateDirectory, ISSUING_CA_FILE } from './ca-state-directory.js';
import type {
  CardCertificateRequest,
  CertificateAuthority,
  CertificateAuthorityOptions,
  IssuedCardCertificate,
  LocalCertificateAuthority,
} from './certificate-authority.js';
import { resolveOptions } from './certificate-authority-options.js';
import type { DataGroupContent } from './card-object-signing.js';
import { unsealPrivateKey } from './sealed-private-key.js';

type AsyncCertificateAuthority = Omit<CertificateAuthority, 'chainPem'> & {
  chainPem(): Promise<string>;
};

export class LazyCertificateAuthority implements AsyncCertificateAuthority {
  private opening: Promise<LocalCertificateAuthority> | null = null;

  private constructor(private readonly options: CertificateAuthorityOptions) {}

  /**
   * Checks what a start must check and returns a CA that loads on its first call; creates the
   * CA at once on first start. Errors as `LocalCertificateAuthority.createOrLoad`'s for a
   * wrong configuration or device secret (`CaConfigurationError`, `InvalidSecretKeyError`,
   * `CaKeyDecryptionError`, `CaStateError`); the rest of a damaged state surfaces on first use.
   */
  static async open(options: CertificateAuthorityOptions): Promise<LazyCertificateAuthority> {
    resolveOptions(options);
    const lazy = new LazyCertificateAuthority(options);
    const directory = new CaStateDirectory(options.stateDir);
    const file = await directory.readKeyFile(ISSUING_CA_FILE);
    if (file === undefined) {
      await lazy.ca();
      return lazy;
    }
    // The key file opens (AES-GCM authenticates it) or this is the wrong device secret: the CA
    // never replaces keys it cannot open, so the service must not start without them.
    unsealPrivateKey(
      file.sealedPrivateKey,
      options.secretKey,
      'issuing-ca',
      directory.filePath(ISSUING_CA_FILE),
    ).fill(0);
    return lazy;
  }

  /** Whether the CA has been loaded (a call needed it, or this was the first start). */
  get loaded(): boolean {
    return this.opening !== null;
  }

  /** The CA, loaded by the first call; a failed load is tried again by the next call. */
  ca(): Promise<LocalCertificateAuthority> {
    this.opening ??= import('./certificate-authority.js')
      .then(({ LocalCertificateAuthority }) => LocalCertificateAuthority.createOrLoad(this.options))
      .catch((error: unknown) => {
        this.opening = null;
        throw error;
      });
    return this.opening;
  }

  async issueCardCertificate(request: CardCertificateRequest): Promise<IssuedCardCertificate> {
    return (await this.ca()).issueCardCertificate(request);
  }

  async revoke(serialHex: string, reason: RevocationReason, at: Date): Promise<void> {
    return (await this.ca()).revoke(serialHex, reason, at);
  }

  async currentCrlDer(): Promise<Uint8Array> {
    return (await this.ca()).currentCrlDer();
  }

  async hold(serialHex: string, at: Date): Promise<void> {
    return (await this.ca()).hold(serialHex, at);
  }

  async releaseHold(serialHex: string, at: Date): Promise<void> {
    return (await this.ca()).releaseHold(serialHex, at);
  }

  async currentDeltaCrlDer(): Promise<Uint8Array> {
    return (await this.ca()).currentDeltaCrlDer();
  }

  async chainPem(): Promise<string> {
    return (await this.ca()).chainPem();
  }

  async signChuid(signedContent: Uint8Array): Promise<Uint8Array> {
    return (await this.ca()).signChuid(signedContent);
  }

  async signSecurityObject(groups: readonly DataGroupContent[]): Promise<Uint8Array> {
    return (await this.ca()).signSecurityObject(groups);
  }
}
