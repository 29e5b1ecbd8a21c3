// The device CA's content signer: the key that signs each card's CHUID and Security Object
// (SP 800-73-4 Part 1 §3.1.2; FIPS 201-3 §4.2.1: "the CHUID … signed by the card issuer's
// content signing certificate", EKU id-PIV-content-signing). It is issued by the current
// issuing CA and kept like the other CA keys: one file in the CA state directory with the
// certificate, its issuers and the private key sealed under the device secret (role
// "content-signer"). It is made at first start, and again whenever the issuing CA changes
// (provisioning imports a centrally certified one) or it has expired, so the chain a relying
// party gets from /ca/chain.pem always verifies the signatures of cards made from then on.

import * as x509 from '@peculiar/x509';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  randomBytes,
  webcrypto,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { CaStateError } from './ca-errors.js';
import type { CaKeyFile, CaStateDirectory } from './ca-state-directory.js';
import { OID, type ContentSigningKey } from './card-object-signing.js';
import { sealPrivateKey, unsealPrivateKey } from './sealed-private-key.js';

export const CONTENT_SIGNER_FILE = 'content-signer.json';
const BACKDATE_MS = 10 * 60_000;
const crypto = webcrypto as unknown as Crypto;

/** The issuing CA as the content signer needs it: certificate, chain and signing key. */
export interface ContentSignerIssuer {
  readonly certificate: x509.X509Certificate;
  readonly certificatePem: string;
  readonly issuersPem: string;
  readonly signingKey: CryptoKey;
  readonly signingAlgorithm: Algorithm;
  readonly keyIdHex: string;
}

export interface ContentSignerOptions {
  readonly secretKey: Uint8Array;
  readonly organization: string;
  readonly keyAlgorithm: 'ECCP256' | 'RSA2048';
  readonly now: Date;
}

function newKeyPair(
  algorithm: 'ECCP256' | 'RSA2048',
): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, publicKey: KeyObject, privateKey: KeyObject): void => {
      if (error) reject(error);
      else resolve({ privateKey, publicKey });
    };
    if (algorithm === 'ECCP256') generateKeyPair('ec', { namedCurve: 'P-256' }, done);
    else generateKeyPair('rsa', { modulusLength: 2048, publicExponent: 0x10001 }, done);
  });
}

function issuedBy(certificate: x509.X509Certificate, issuer: ContentSignerIssuer): boolean {
  const aki = certificate.getExtension(x509.AuthorityKeyIdentifierExtension);
  return aki?.keyId === issuer.keyIdHex;
}

async function create(
  directory: CaStateDirectory,
  issuer: ContentSignerIssuer,
  options: ContentSignerOptions,
): Promise<ContentSigningKey> {
  const keys = await newKeyPair(options.keyAlgorithm);
  const spki = keys.publicKey.export({ type: 'spki', format: 'der' });
  const keyId = await new x509.PublicKey(spki).getKeyIdentifier(crypto);
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial.toString('hex'),
      subject: new x509.Name([
        { O: [options.organization] },
        { CN: [`Card Kiosk Content Signer ${randomBytes(4).toString('hex')}`] },
      ]),
      issuer: issuer.certificate.subjectName,
      notBefore: new Date(options.now.getTime() - BACKDATE_MS),
      // As long as its issuer: cards signed today stay verifiable for their whole life.
      notAfter: issuer.certificate.notAfter,
      publicKey: spki,
      signingKey: issuer.signingKey,
      signingAlgorithm: issuer.signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([OID.ID_PIV_CONTENT_SIGNING], false),
        new x509.SubjectKeyIdentifierExtension(Buffer.from(keyId).toString('hex'), false),
        new x509.AuthorityKeyIdentifierExtension(issuer.keyIdHex, false),
      ],
    },
    crypto,
  );
  const pkcs8 = keys.privateKey.export({ type: 'pkcs8', format: 'der' });
  try {
    const file: CaKeyFile = {
      certificatePem: certificate.toString('pem') + '\n',
      chainPem: issuer.certificatePem + issuer.issuersPem,
      sealedPrivateKey: sealPrivateKey(pkcs8, options.secretKey, 'content-signer'),
    };
    await directory.writeKeyFile(CONTENT_SIGNER_FILE, file);
  } finally {
    pkcs8.fill(0);
  }
  return { certificateDer: new Uint8Array(certificate.rawData), privateKey: keys.privateKey };
}

/**
 * The content signer of `issuer`: loaded from the state directory, or made (and sealed
 * there) when there is none, it belongs to another issuing CA, or it has expired.
 * Errors: `CaKeyDecryptionError`, `CaStateError`.
 */
export async function loadOrCreateContentSigner(
  directory: CaStateDirectory,
  issuer: ContentSignerIssuer,
  options: ContentSignerOptions,
): Promise<ContentSigningKey> {
  const file = await directory.readKeyFile(CONTENT_SIGNER_FILE);
  if (file === undefined) return create(directory, issuer, options);
  const source = directory.filePath(CONTENT_SIGNER_FILE);
  let certificate: x509.X509Certificate;
  try {
    certificate = new x509.X509Certificate(file.certificatePem);
  } catch (error) {
    throw new CaStateError(`${source}: the certificate cannot be parsed`, { cause: error });
  }
  if (!issuedBy(certificate, issuer) || options.now.getTime() >= certificate.notAfter.getTime()) {
    return create(directory, issuer, options);
  }
  const pkcs8 = unsealPrivateKey(
    file.sealedPrivateKey,
    options.secretKey,
    'content-signer',
    source,
  );
  try {
    const privateKey = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
    const keySpki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
    if (!keySpki.equals(Buffer.from(certificate.publicKey.rawData))) {
      throw new CaStateError(`${source}: the private key does not match the certificate`);
    }
    return { certificateDer: new Uint8Array(certificate.rawData), privateKey };
  } finally {
    pkcs8.fill(0);
  }
}
