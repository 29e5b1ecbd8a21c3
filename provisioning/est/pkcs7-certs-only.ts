/**
 * RFC 7030's certificate containers: a CMS SignedData with certificates and no signers
 * ("certs-only", RFC 5751 §3.8), DER, sent base64-encoded (Content-Transfer-Encoding: base64,
 * RFC 7030 §4.1.3 and §4.2.3). Built and read with @peculiar/x509: node-forge's PKCS#7 can
 * wrap RSA certificates only (it cannot parse a certificate with an EC key), and the centre's
 * and devices' keys are P-256.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { ProvisioningError } from '../errors.js';

export const PKCS7_CERTS_ONLY_TYPE = 'application/pkcs7-mime; smime-type=certs-only';

/** Certificates → base64 (76-column lines, as MIME base64 has them). */
export function encodeCertsOnly(certificates: x509.X509Certificate[]): string {
  const der = Buffer.from(new x509.X509Certificates(certificates).export('raw'));
  return der.toString('base64').replace(/(.{76})/g, '$1\r\n');
}

/** base64 (whitespace allowed) → certificates, in the order of the container. */
export function decodeCertsOnly(base64: string): x509.X509Certificate[] {
  const compact = base64.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    throw new ProvisioningError('EST_FAILED', 'the EST answer is not base64');
  }
  try {
    return [...new x509.X509Certificates(Buffer.from(compact, 'base64'))];
  } catch (error) {
    throw new ProvisioningError('EST_FAILED', 'the EST answer is not a PKCS#7 certs-only message', {
      cause: error,
    });
  }
}
