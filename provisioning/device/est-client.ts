/**
 * The device's EST (RFC 7030) client over HTTPS. The centre is trusted only through the trust
 * anchors from the signed enrollment bundle (never the system's CA store). Enrollment
 * authenticates with the claim token (HTTP Basic), re-enrollment with the device's current
 * certificate and key in TLS. Refusals become ProvisioningErrors with the server's code.
 */
import { request as httpsRequest } from 'node:https';
import 'reflect-metadata';
import type * as x509 from '@peculiar/x509';
import { EST_REFUSAL_CODES, ProvisioningError, type ProvisioningErrorCode } from '../errors.js';
import { ISSUING_CA_LABEL } from '../est/est-server.js';
import { decodeCertsOnly } from '../est/pkcs7-certs-only.js';

export const EST_TIMEOUT_MS = 30_000;

export interface EstClientOptions {
  /** The EST server's base URL, e.g. https://central.example:8443 (".well-known/est" is added). */
  estUrl: string;
  trustAnchorsPem: string;
  /** For re-enrollment: the current device certificate and its key (PEM). */
  clientCertificatePem?: string;
  clientKeyPem?: string;
}

interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export class EstClient {
  constructor(private readonly options: EstClientOptions) {}

  async caCertificates(): Promise<x509.X509Certificate[]> {
    const answer = await this.call('GET', 'cacerts');
    return decodeCertsOnly(answer.body);
  }

  /** simpleenroll with the claim token; returns the issued certificate. */
  async simpleEnroll(csrDer: Uint8Array, claimToken: string): Promise<x509.X509Certificate> {
    const enrollmentId = claimToken.split('.')[0] ?? '';
    const basic = Buffer.from(`${enrollmentId}:${claimToken}`, 'utf8').toString('base64');
    return this.firstCertificate(
      await this.call('POST', 'simpleenroll', csrDer, { authorization: `Basic ${basic}` }),
    );
  }

  /** simplereenroll, authenticated by the current certificate in TLS. */
  async simpleReenroll(csrDer: Uint8Array): Promise<x509.X509Certificate> {
    if (!this.options.clientCertificatePem || !this.options.clientKeyPem) {
      throw new ProvisioningError('NOT_PROVISIONED', 're-enrollment needs the current certificate');
    }
    return this.firstCertificate(await this.call('POST', 'simplereenroll', csrDer));
  }

  /**
   * simpleenroll under the label `issuing-ca` (RFC 7030 §3.2.2), authenticated by the device's
   * certificate in TLS: the centre certifies the device's own issuing CA.
   */
  async issuingCaEnroll(csrDer: Uint8Array): Promise<x509.X509Certificate> {
    if (!this.options.clientCertificatePem || !this.options.clientKeyPem) {
      throw new ProvisioningError('NOT_PROVISIONED', 'an issuing CA needs the device certificate');
    }
    return this.firstCertificate(
      await this.call('POST', `${ISSUING_CA_LABEL}/simpleenroll`, csrDer),
    );
  }

  private firstCertificate(answer: HttpAnswer): x509.X509Certificate {
    const [certificate] = decodeCertsOnly(answer.body);
    if (!certificate)
      throw new ProvisioningError('EST_FAILED', 'the EST answer holds no certificate');
    return certificate;
  }

  private async call(
    method: 'GET' | 'POST',
    operation: string,
    csrDer?: Uint8Array,
    headers: Record<string, string> = {},
  ): Promise<HttpAnswer> {
    const url = new URL(`.well-known/est/${operation}`, this.options.estUrl.replace(/\/?$/, '/'));
    const body = csrDer ? Buffer.from(csrDer).toString('base64') : undefined;
    const answer = await httpsCall(url, {
      method,
      ca: this.options.trustAnchorsPem,
      ...(this.options.clientCertificatePem ? { cert: this.options.clientCertificatePem } : {}),
      ...(this.options.clientKeyPem ? { key: this.options.clientKeyPem } : {}),
      headers: {
        ...headers,
        ...(body !== undefined
          ? { 'content-type': 'application/pkcs10', 'content-transfer-encoding': 'base64' }
          : {}),
      },
      ...(body !== undefined ? { body } : {}),
    });
    if (answer.status !== 200) throw refusal(answer, `EST ${operation}`);
    return answer;
  }
}

/** Fetches a signed bundle from the centre with the claim token as a Bearer token. */
export async function fetchEnrollmentBundle(
  url: string,
  claimToken: string,
  caPem?: string,
): Promise<string> {
  const answer = await httpsCall(new URL(url), {
    method: 'GET',
    ...(caPem ? { ca: caPem } : {}),
    headers: { authorization: `Bearer ${claimToken}`, accept: 'application/json' },
  });
  if (answer.status !== 200) throw refusal(answer, 'fetching the enrollment bundle');
  return answer.body;
}

function refusal(answer: HttpAnswer, what: string): ProvisioningError {
  const header = answer.headers['x-cardkiosk-error'];
  const code = (EST_REFUSAL_CODES as readonly string[]).includes(String(header))
    ? (String(header) as ProvisioningErrorCode)
    : 'EST_FAILED';
  // The server's text is short and ours; it never echoes the token.
  return new ProvisioningError(
    code,
    `${what}: HTTP ${answer.status}: ${answer.body.slice(0, 200)}`,
  );
}

function httpsCall(
  url: URL,
  options: {
    method: string;
    ca?: string;
    cert?: string;
    key?: string;
    headers: Record<string, string>;
    body?: string;
  },
): Promise<HttpAnswer> {
  if (url.protocol !== 'https:') {
    return Promise.reject(
      new ProvisioningError(
        'EST_FAILED',
        `the centre must be reached over https, not ${url.protocol}`,
      ),
    );
  }
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: options.method,
        headers: options.headers,
        ...(options.ca ? { ca: options.ca } : {}),
        ...(options.cert ? { cert: options.cert } : {}),
        ...(options.key ? { key: options.key } : {}),
        timeout: EST_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${EST_TIMEOUT_MS} ms`)));
    req.on('error', (err) =>
      reject(
        new ProvisioningError('EST_FAILED', `cannot reach ${url.origin}: ${err.message}`, {
          cause: err,
        }),
      ),
    );
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
