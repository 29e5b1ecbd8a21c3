// The certificate authority's options, checked and completed. Apart from certificate-authority.ts
// (and its X.509 library) so that start-up can reject a wrong configuration before the CA
// itself is loaded (lazy-certificate-authority.ts).
import { CaConfigurationError } from './ca-errors.js';
import type { CaStateStore } from './ca-state-store.js';
import type { CaKeyAlgorithm, CertificateAuthorityOptions } from './certificate-authority.js';
import { assertDeviceSecret } from './sealed-private-key.js';

/** X.520 upper bound on a commonName. */
export const MAX_COMMON_NAME_CHARS = 64;

export interface ResolvedOptions {
  readonly secretKey: Uint8Array;
  readonly keyAlgorithm: CaKeyAlgorithm;
  readonly organization: string;
  readonly crlDistributionUrl: string | undefined;
  readonly caIssuersUrl: string | undefined;
  readonly clock: () => Date;
  readonly store: CaStateStore;
}

export function resolveOptions(opts: CertificateAuthorityOptions): ResolvedOptions {
  assertDeviceSecret(opts.secretKey);
  const organization = typeof opts.organization === 'string' ? opts.organization.trim() : '';
  if (organization === '' || [...organization].length > MAX_COMMON_NAME_CHARS) {
    throw new CaConfigurationError(`organization must be 1–${MAX_COMMON_NAME_CHARS} characters`);
  }
  const keyAlgorithm = opts.keyAlgorithm ?? 'ECCP256';
  if (keyAlgorithm !== 'ECCP256' && keyAlgorithm !== 'RSA2048') {
    throw new CaConfigurationError(`keyAlgorithm must be ECCP256 or RSA2048`);
  }
  return {
    secretKey: new Uint8Array(opts.secretKey),
    keyAlgorithm,
    organization,
    crlDistributionUrl: checkHttpUrl(opts.crlDistributionUrl, 'crlDistributionUrl'),
    caIssuersUrl: checkHttpUrl(opts.caIssuersUrl, 'caIssuersUrl'),
    clock: opts.clock ?? (() => new Date()),
    store: opts.store,
  };
}

function checkHttpUrl(value: string | undefined, what: string): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CaConfigurationError(`${what} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CaConfigurationError(`${what} must be an http or https URL`);
  }
  return url.toString();
}
