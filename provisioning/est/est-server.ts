/**
 * EST (RFC 7030) for device enrollment, as a self-contained Fastify plugin for the central
 * server:
 *
 * - `GET  /.well-known/est/cacerts`: the central CA, PKCS#7 certs-only, base64 (§4.1).
 * - `POST /.well-known/est/simpleenroll`: a PKCS#10 request (base64, `application/pkcs10`)
 *   authenticated with the enrollment's one-time claim token by HTTP Basic (§3.2.3: user name
 *   = enrollment id, password = claim token); answers the device's client certificate,
 *   PKCS#7 certs-only, base64 (§4.2.3). The token is spent only when a certificate is issued.
 * - `POST /.well-known/est/simplereenroll`: the same, authenticated by the device's current
 *   certificate in TLS (§4.2.2); the request's subject must be the certificate's.
 * - `POST /.well-known/est/issuing-ca/simpleenroll` (the label `issuing-ca`, §3.2.2): a PKCS#10
 *   request for the device's own issuing CA, authenticated by the device's certificate in TLS
 *   like re-enrollment; answers a CA certificate (pathLen 0, keyCertSign and cRLSign) for it,
 *   so the device's card certificates chain to the central CA. `…/issuing-ca/cacerts` is the
 *   same as `cacerts`.
 * - `GET  /provisioning/v1/bundle`: the enrollment's signed bundle (without the token) for
 *   `provision --url --token`, with the claim token as a Bearer token; does not spend it.
 *
 * Refusals carry a stable code in the `X-Cardkiosk-Error` header (CLAIM_TOKEN_UNKNOWN 401,
 * CLAIM_TOKEN_USED / CLAIM_TOKEN_EXPIRED / ENROLLMENT_REVOKED 403, EST_BAD_REQUEST 400) and a
 * plain-text message. The server needs TLS with `requestCert: true, rejectUnauthorized: false`
 * so that devices without a certificate can enroll and devices with one can re-enroll.
 */
import type { X509Certificate as NodeX509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { ProvisioningError, type ProvisioningErrorCode } from '../errors.js';
import type { CentralCertificateAuthority } from './central-certificate-authority.js';
import { parseClaimToken, type EnrollmentRegistry } from './enrollment-registry.js';
import { encodeCertsOnly, PKCS7_CERTS_ONLY_TYPE } from './pkcs7-certs-only.js';

export const EST_PATH = '/.well-known/est';
export const BUNDLE_PATH = '/provisioning/v1/bundle';
export const DEFAULT_DEVICE_CERTIFICATE_DAYS = 90;
/** The EST label (RFC 7030 §3.2.2) under which devices get their issuing CA certified. */
export const ISSUING_CA_LABEL = 'issuing-ca';
/**
 * An issuing CA lives longer than a device certificate: renewing it changes the issuer of every
 * later card, and it is renewed by hand (`cardkiosk-admin issuing-ca renew`), not before every
 * start. Never beyond the central CA's own validity.
 */
export const DEFAULT_ISSUING_CA_CERTIFICATE_DAYS = 5 * 365;

export interface EstServerOptions {
  ca: CentralCertificateAuthority;
  enrollments: EnrollmentRegistry;
  clock?: () => Date;
  deviceCertificateValidityDays?: number;
  issuingCaValidityDays?: number;
}

const STATUS: Partial<Record<ProvisioningErrorCode, number>> = {
  CLAIM_TOKEN_UNKNOWN: 401,
  EST_UNAUTHORIZED: 401,
  CLAIM_TOKEN_USED: 403,
  CLAIM_TOKEN_EXPIRED: 403,
  ENROLLMENT_REVOKED: 403,
  EST_BAD_REQUEST: 400,
};

export const estServer: FastifyPluginAsync<EstServerOptions> = async (app, options) => {
  const clock = options.clock ?? (() => new Date());
  const validityDays = options.deviceCertificateValidityDays ?? DEFAULT_DEVICE_CERTIFICATE_DAYS;
  const issuingCaDays = options.issuingCaValidityDays ?? DEFAULT_ISSUING_CA_CERTIFICATE_DAYS;
  const { ca, enrollments } = options;

  app.addContentTypeParser(
    ['application/pkcs10', 'application/pkcs10; charset=us-ascii'],
    { parseAs: 'string', bodyLimit: 64 * 1024 },
    (_request, body, done) => done(null, body),
  );

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof ProvisioningError && STATUS[error.code]) {
      if (STATUS[error.code] === 401)
        reply.header('www-authenticate', 'Basic realm="cardkiosk EST"');
      return reply
        .status(STATUS[error.code]!)
        .header('x-cardkiosk-error', error.code)
        .type('text/plain')
        .send(error.message);
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    return reply
      .status(status)
      .header('x-cardkiosk-error', status < 500 ? 'EST_BAD_REQUEST' : 'EST_FAILED')
      .type('text/plain')
      .send(status < 500 ? (error as Error).message : 'internal error');
  });

  const sendCerts = (reply: FastifyReply, certificates: x509.X509Certificate[]) =>
    reply
      .header('content-type', PKCS7_CERTS_ONLY_TYPE)
      .header('content-transfer-encoding', 'base64')
      .send(encodeCertsOnly(certificates));

  app.get(`${EST_PATH}/cacerts`, async (_request, reply) => sendCerts(reply, [ca.certificate]));
  app.get(`${EST_PATH}/${ISSUING_CA_LABEL}/cacerts`, async (_request, reply) =>
    sendCerts(reply, [ca.certificate]),
  );

  app.post(`${EST_PATH}/simpleenroll`, async (request, reply) => {
    const token = basicClaimToken(request);
    const now = clock();
    // Authenticate first (RFC 7030 §3.2.3), then check the request, and spend the token only
    // once a certificate exists: a malformed request does not burn it.
    const record = enrollments.check(token, now);
    const certificate = await ca.issueDeviceCertificate({
      csrDer: requestDer(request),
      deviceName: record.deviceName,
      organization: record.site,
      validityDays,
      now,
    });
    // Two racing requests may both get here; only one claim succeeds, the other's
    // certificate is never handed out.
    enrollments.claim(token, now);
    enrollments.recordCertificate(record.id, certificate.serialNumber);
    request.log.info({ enrollment: record.id, device: record.deviceName }, 'EST: device enrolled');
    return sendCerts(reply, [certificate]);
  });

  /**
   * The enrollment of the device whose certificate (issued by this CA, valid now) the TLS
   * client presented. Errors: EST_UNAUTHORIZED, ENROLLMENT_REVOKED.
   */
  const enrolledPeer = (request: FastifyRequest, now: Date, what: string) => {
    const peer = (request.raw.socket as TLSSocket).getPeerX509Certificate?.();
    if (!peer || !ca.issued(peer, now)) {
      throw new ProvisioningError(
        'EST_UNAUTHORIZED',
        `${what} needs the current device certificate in TLS`,
      );
    }
    const record = enrollments.bySerial(peer.serialNumber);
    if (!record)
      throw new ProvisioningError(
        'EST_UNAUTHORIZED',
        'the certificate is not a device certificate',
      );
    if (record.revokedAt)
      throw new ProvisioningError('ENROLLMENT_REVOKED', 'the enrollment has been revoked');
    return { peer, record };
  };

  app.post(`${EST_PATH}/simplereenroll`, async (request, reply) => {
    const now = clock();
    const { peer, record } = enrolledPeer(request, now, 're-enrollment');
    const csrDer = requestDer(request);
    assertSameSubject(csrDer, peer);
    const certificate = await ca.issueDeviceCertificate({
      csrDer,
      deviceName: record.deviceName,
      organization: record.site,
      validityDays,
      now,
    });
    enrollments.recordCertificate(record.id, certificate.serialNumber);
    request.log.info(
      { enrollment: record.id, device: record.deviceName },
      'EST: device re-enrolled',
    );
    return sendCerts(reply, [certificate]);
  });

  app.post(`${EST_PATH}/${ISSUING_CA_LABEL}/simpleenroll`, async (request, reply) => {
    const now = clock();
    const { record } = enrolledPeer(request, now, 'an issuing CA');
    const certificate = await ca.issueIssuingCaCertificate({
      csrDer: requestDer(request),
      organization: record.site,
      validityDays: issuingCaDays,
      now,
    });
    enrollments.recordIssuingCa(record.id, certificate.serialNumber);
    request.log.info(
      { enrollment: record.id, device: record.deviceName, serial: certificate.serialNumber },
      'EST: issuing CA certified',
    );
    return sendCerts(reply, [certificate]);
  });

  app.get(BUNDLE_PATH, async (request, reply) => {
    const header = request.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (!token)
      throw new ProvisioningError('CLAIM_TOKEN_UNKNOWN', 'a Bearer claim token is needed');
    const record = enrollments.check(token, clock());
    if (!record.bundle)
      throw new ProvisioningError('CLAIM_TOKEN_UNKNOWN', 'no bundle for this enrollment');
    return reply.type('application/json').send(JSON.stringify(record.bundle));
  });
};

/** The claim token from `Authorization: Basic base64(enrollment id ":" token)`. */
function basicClaimToken(request: FastifyRequest): string {
  const header = request.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) {
    throw new ProvisioningError(
      'CLAIM_TOKEN_UNKNOWN',
      'enrollment needs the claim token (HTTP Basic)',
    );
  }
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = decoded.slice(0, colon);
  const token = decoded.slice(colon + 1);
  if (colon < 0 || parseClaimToken(token)?.enrollmentId !== user) {
    throw new ProvisioningError('CLAIM_TOKEN_UNKNOWN', 'the claim token is not known');
  }
  return token;
}

function requestDer(request: FastifyRequest): Uint8Array {
  const body = typeof request.body === 'string' ? request.body.replace(/\s+/g, '') : '';
  if (!body || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) {
    throw new ProvisioningError(
      'EST_BAD_REQUEST',
      'the body must be a base64 PKCS#10 request (application/pkcs10)',
    );
  }
  return Buffer.from(body, 'base64');
}

function assertSameSubject(csrDer: Uint8Array, current: NodeX509Certificate): void {
  let subject: string;
  try {
    subject = new x509.Pkcs10CertificateRequest(new Uint8Array(csrDer)).subjectName.toString();
  } catch {
    throw new ProvisioningError('EST_BAD_REQUEST', 'the body is not a PKCS#10 request');
  }
  const currentSubject = new x509.X509Certificate(current.raw).subjectName.toString();
  if (subject !== currentSubject) {
    throw new ProvisioningError(
      'EST_BAD_REQUEST',
      're-enrollment must keep the certificate subject (RFC 7030 §4.2.2)',
    );
  }
}
