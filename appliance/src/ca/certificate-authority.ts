// The appliance's certificate authority (step 6 of the seed workflow): it certifies the key pair
// generated on a Digital ID card, after the card proves it holds the private key; it revokes
// certificates and publishes a CRL signed by the issuing CA.
//
// On its embedded default the device runs its own two-level hierarchy, a root and an issuing CA
// created at first start. A provisioned device instead imports an issuing CA certificate signed
// by the central CA (with its key, or for a request this module created); issuance does not
// change. Private keys are generated and used only through node:crypto (its WebCrypto API, which
// @peculiar/x509 drives to build and sign certificates and CRLs); they are kept encrypted at rest
// (sealed-private-key.ts) and never appear in a log, an error or a return value.

// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect
// metadata API: load the polyfill before the library.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  randomBytes,
  webcrypto,
  X509Certificate as NodeX509Certificate,
  type KeyObject,
} from 'node:crypto';
import {
  CaImportError,
  CaStateError,
  CertificateNotFoundError,
  CertificateRequestError,
  UnsupportedKeyError,
} from './ca-errors.js';
import {
  CaStateDirectory,
  ISSUING_CA_FILE,
  ROOT_CA_FILE,
  type CaKeyFile,
} from './ca-state-directory.js';
import { REVOCATION_REASONS, type CaStateStore, type RevocationReason } from './ca-state-store.js';
import {
  signChuid,
  signSecurityObject,
  type ContentSigningKey,
  type DataGroupContent,
} from './card-object-signing.js';
import { loadOrCreateContentSigner } from './content-signer.js';
import {
  MAX_COMMON_NAME_CHARS,
  resolveOptions,
  type ResolvedOptions,
} from './certificate-authority-options.js';
import {
  assertValidProfile,
  maxValidityMs,
  type CertificateProfile,
  type SanPolicy,
} from './certificate-profile.js';
import {
  parseCardPublicKey,
  verifyProofOfPossession,
  type ProofOfPossession,
} from './proof-of-possession.js';
import { sealPrivateKey, unsealPrivateKey, type SealedKeyRole } from './sealed-private-key.js';

export type CaKeyAlgorithm = 'ECCP256' | 'RSA2048';

const YEAR_MS = 365.25 * 86_400_000;
/** Lifetime of a locally created root CA. */
const ROOT_CA_VALIDITY_MS = 20 * YEAR_MS;
/** Lifetime of a locally created issuing CA: shorter than the root, longer than any card. */
const ISSUING_CA_VALIDITY_MS = 10 * YEAR_MS;
/** CA certificates start a little in the past so that a relying party's skewed clock accepts them. */
const CA_BACKDATE_MS = 10 * 60_000;
/**
 * How far the device clock may lag behind the start of its issuing CA's validity and still
 * issue. A CA certified by the centre starts at the centre's clock (less its 5-minute
 * backdating); a device a few minutes behind issues at once, its cards starting when the CA
 * does. Further behind, its clock is wrong: issuing would make certificates from its future,
 * so it refuses with a reason an operator can act on (set the clock).
 */
export const MAX_CLOCK_BEHIND_ISSUER_MS = 60 * 60_000;
/** A CRL's nextUpdate is this far after its thisUpdate. */
export const CRL_VALIDITY_MS = 7 * 86_400_000;
/** A CRL is re-signed (with a new CRL number) when this old, or at once after a revocation. */
export const CRL_REFRESH_MS = 60 * 60_000;
/** Serial numbers: 16 random bytes, top bit clear so the INTEGER is positive in 16 octets. */
const SERIAL_BYTES = 16;
const OID_CRL_NUMBER = '2.5.29.20';
/** RFC 5280 §5.2.4: marks a delta CRL and names its base CRL number; critical. */
const OID_DELTA_CRL_INDICATOR = '2.5.29.27';
/** RFC 5280 §5.2.6: where the delta CRL for a complete CRL is; same syntax as a CRL DP. */
const OID_FRESHEST_CRL = '2.5.29.46';
/** A delta CRL's nextUpdate is this far after its thisUpdate (it is re-signed as often). */
export const DELTA_CRL_VALIDITY_MS = CRL_REFRESH_MS;

const crypto = webcrypto as unknown as Crypto;

const CRL_REASON_CODES: Record<RevocationReason, x509.X509CrlReason> = {
  unspecified: x509.X509CrlReason.unspecified,
  keyCompromise: x509.X509CrlReason.keyCompromise,
  affiliationChanged: x509.X509CrlReason.affiliationChanged,
  superseded: x509.X509CrlReason.superseded,
  cessationOfOperation: x509.X509CrlReason.cessationOfOperation,
};

export interface CertificateAuthorityOptions {
  /** Directory for the CA's key files (created 0700; files 0600). */
  readonly stateDir: string;
  /** 32 bytes from the device secret store; the CA keys are sealed under a key derived from it. */
  readonly secretKey: Uint8Array;
  /** Algorithm of CA keys created by this device; loaded and imported keys keep theirs. */
  readonly keyAlgorithm?: CaKeyAlgorithm;
  /** Subject O of the CA certificates, and of card certificates whose profile says `ca`. */
  readonly organization: string;
  /** http(s) URL of the CRL, put in every card certificate's CRL distribution point. */
  readonly crlDistributionUrl?: string;
  /** http(s) URL of the issuing CA certificate, put in authorityInfoAccess caIssuers. */
  readonly caIssuersUrl?: string;
  readonly clock?: () => Date;
  readonly store: CaStateStore;
}

export interface CardHolder {
  readonly name: string;
  readonly email?: string;
  readonly upn?: string;
  readonly company?: string;
}

export interface CardCertificateRequest {
  /** The card key's SubjectPublicKeyInfo, DER. */
  readonly publicKeySpkiDer: Uint8Array;
  readonly profile: CertificateProfile;
  readonly holder: CardHolder;
  readonly cardNumber: string;
  readonly notBefore: Date;
  /** The card's own end of validity; the certificate never outlives it. */
  readonly notAfter: Date;
  readonly proofOfPossession: ProofOfPossession;
}

export interface IssuedCardCertificate {
  readonly certificateDer: Uint8Array;
  /** Lowercase hex, 32 digits; the key for `revoke`. */
  readonly serialHex: string;
}

export interface IssuingCaImport {
  /** The issuing CA certificate, signed by the central CA. */
  readonly certificatePem: string;
  /** Its private key (unencrypted PKCS#8 or SEC1/PKCS#1 PEM); omit after `createIssuingCaRequest`. */
  readonly privateKeyPem?: string;
  /** The issuers, from the one that signed `certificatePem` up to the self-signed root. */
  readonly chainPem: string;
}

/** What the rest of the appliance needs from a certificate authority. */
export interface CertificateAuthority {
  /**
   * Verifies the proof of possession, then issues a certificate for the card key following the
   * profile, and records it in the state store before returning it. Validity: [notBefore,
   * notAfter] capped by the issuing CA's own validity and the profile's maximum.
   * Errors: `UnsupportedKeyError`, `ProofOfPossessionError`, `CertificateRequestError`,
   * `CaStateError` (the issuing CA has expired).
   */
  issueCardCertificate(request: CardCertificateRequest): Promise<IssuedCardCertificate>;
  /**
   * Revokes a certificate this CA issued; the next `currentCrlDer` lists it. Revoking again is a
   * no-op (the first reason and date stand). Errors: `CertificateNotFoundError`.
   */
  revoke(serialHex: string, reason: RevocationReason, at: Date): Promise<void>;
  /** The current CRL (DER) signed by the issuing CA; cached, re-signed hourly and after revocations. */
  currentCrlDer(): Promise<Uint8Array>;
  /**
   * Puts a certificate on hold (RFC 5280 certificateHold): the next CRL lists it with that
   * reason until `releaseHold`. Holding a held or revoked certificate changes nothing.
   * Errors: `CertificateNotFoundError`.
   */
  hold(serialHex: string, at: Date): Promise<void>;
  /**
   * Releases a hold: the next complete CRL no longer lists the certificate and the delta CRL
   * lists it as removeFromCRL. Releasing a certificate not on hold changes nothing.
   */
  releaseHold(serialHex: string, at: Date): Promise<void>;
  /**
   * The current delta CRL (DER): every change since the oldest complete CRL a relying party may
   * still hold (its nextUpdate not passed), which it names as its base (Delta CRL Indicator).
   */
  currentDeltaCrlDer(): Promise<Uint8Array>;
  /** The issuing CA certificate followed by its issuers up to the root, PEM. */
  chainPem(): string;
}

/**
 * Signs card objects with the CA's content signer (card-object-signing.ts): the CHUID's
 * issuer signature and the Security Object, each a CMS ContentInfo (DER).
 */
export interface CardObjectSigningAuthority {
  signChuid(signedContent: Uint8Array): Promise<Uint8Array>;
  signSecurityObject(groups: readonly DataGroupContent[]): Promise<Uint8Array>;
  /** The content signer's certificate (DER), issued by the current issuing CA. */
  contentSignerCertificateDer(): Uint8Array;
}

/** The issuing CA in use: its certificate, its issuers and its (non-extractable) signing key. */
interface ActiveIssuingCa {
  readonly certificate: x509.X509Certificate;
  readonly certificatePem: string;
  readonly issuersPem: string;
  readonly signingKey: CryptoKey;
  readonly signingAlgorithm: Algorithm;
  readonly keyIdHex: string;
}

interface SigningParameters {
  readonly importAlgorithm: RsaHashedImportParams | EcKeyImportParams;
  readonly signingAlgorithm: Algorithm;
}

interface CachedCrl {
  readonly der: Uint8Array;
  readonly producedAtMs: number;
  readonly generation: number;
}

/** A CA whose keys live on this device, sealed in its state directory. */
export class LocalCertificateAuthority implements CertificateAuthority, CardObjectSigningAuthority {
  private issuing: ActiveIssuingCa;
  private contentSigner: ContentSigningKey;
  /** Bumped by every change a CRL must reflect (revocation, new issuing CA). */
  private generation = 0;
  private cachedCrl: CachedCrl | undefined;
  private pendingCrl: { generation: number; promise: Promise<CachedCrl> } | undefined;
  private cachedDelta: CachedCrl | undefined;

  private constructor(
    private readonly options: ResolvedOptions,
    private readonly directory: CaStateDirectory,
    issuing: ActiveIssuingCa,
    contentSigner: ContentSigningKey,
  ) {
    this.issuing = issuing;
    this.contentSigner = contentSigner;
  }

  /**
   * Loads the CA from `stateDir`, or on first start creates a root and an issuing CA there.
   * Errors: `InvalidSecretKeyError`, `CaConfigurationError`, `CaKeyDecryptionError` (wrong secret or altered file: the CA
   * never replaces keys it cannot open), `CaStateError`.
   */
  static async createOrLoad(opts: CertificateAuthorityOptions): Promise<LocalCertificateAuthority> {
    const options = resolveOptions(opts);
    const directory = new CaStateDirectory(opts.stateDir);
    await directory.ensureExists();
    let file = await directory.readKeyFile(ISSUING_CA_FILE);
    if (file === undefined) {
      // No issuing CA yet: first start. A root-ca.json without an issuing CA is the remains of an
      // interrupted first start; it never signed anything that left the device, so it is replaced.
      file = await createLocalHierarchy(options, directory);
    }
    const issuing = await activateIssuingCa(
      file,
      options.secretKey,
      'issuing-ca',
      directory.filePath(ISSUING_CA_FILE),
    );
    const contentSigner = await loadOrCreateContentSigner(directory, issuing, {
      secretKey: options.secretKey,
      organization: options.organization,
      keyAlgorithm: options.keyAlgorithm,
      now: options.clock(),
    });
    return new LocalCertificateAuthority(options, directory, issuing, contentSigner);
  }

  async signChuid(signedContent: Uint8Array): Promise<Uint8Array> {
    return signChuid(this.contentSigner, signedContent, this.options.clock());
  }

  async signSecurityObject(groups: readonly DataGroupContent[]): Promise<Uint8Array> {
    return signSecurityObject(this.contentSigner, groups, this.options.clock());
  }

  contentSignerCertificateDer(): Uint8Array {
    return new Uint8Array(this.contentSigner.certificateDer);
  }

  chainPem(): string {
    return this.issuing.certificatePem + this.issuing.issuersPem;
  }

  async issueCardCertificate(request: CardCertificateRequest): Promise<IssuedCardCertificate> {
    const { profile } = request;
    assertValidProfile(profile);
    const cardNumber = typeof request.cardNumber === 'string' ? request.cardNumber.trim() : '';
    if (cardNumber === '') throw new CertificateRequestError('a card number is required');
    const subject = this.subjectFor(request.holder, profile);
    const altNames = altNamesFor(request.holder, profile);

    const publicKey = parseCardPublicKey(request.publicKeySpkiDer);
    verifyProofOfPossession(publicKey, request.proofOfPossession);

    // One issuing CA for the whole issuance, even if an import swaps it meanwhile.
    const issuing = this.issuing;
    const now = this.options.clock();
    const { notBefore, notAfter } = validityFor(request, profile, issuing.certificate, now);
    const spkiDer = publicKey.export({ type: 'spki', format: 'der' });
    const serialHex = randomSerialHex();

    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([...profile.extendedKeyUsages], false),
      new x509.SubjectKeyIdentifierExtension(await keyIdentifierHex(spkiDer), false),
      new x509.AuthorityKeyIdentifierExtension(issuing.keyIdHex, false),
    ];
    if (altNames.length > 0) {
      // Non-critical: the subject DN is never empty (it always has a CN).
      extensions.push(new x509.SubjectAlternativeNameExtension(altNames, false));
    }
    if (this.options.crlDistributionUrl !== undefined) {
      extensions.push(new x509.CRLDistributionPointsExtension([this.options.crlDistributionUrl]));
    }
    if (this.options.caIssuersUrl !== undefined) {
      extensions.push(
        new x509.AuthorityInfoAccessExtension({ caIssuers: this.options.caIssuersUrl }, false),
      );
    }

    const certificate = await x509.X509CertificateGenerator.create(
      {
        serialNumber: serialHex,
        subject,
        issuer: issuing.certificate.subjectName,
        notBefore,
        notAfter,
        publicKey: spkiDer,
        signingKey: issuing.signingKey,
        signingAlgorithm: issuing.signingAlgorithm,
        extensions,
      },
      crypto,
    );
    const certificateDer = new Uint8Array(certificate.rawData);
    await this.options.store.saveIssuedCertificate({
      serialHex,
      cardNumber,
      certificateDer,
      notAfter: certificate.notAfter,
      issuedAt: now,
      issuerKeyIdHex: issuing.keyIdHex,
    });
    return { certificateDer: new Uint8Array(certificateDer), serialHex };
  }

  async revoke(serialHex: string, reason: RevocationReason, at: Date): Promise<void> {
    const serial = normalizeSerialHex(serialHex);
    if (!REVOCATION_REASONS.includes(reason)) {
      throw new CertificateRequestError(`unknown revocation reason ${JSON.stringify(reason)}`);
    }
    if (!isValidDate(at)) throw new CertificateRequestError('the revocation time is not a date');
    const issued = await this.options.store.findIssuedCertificate(serial);
    if (issued === undefined) throw new CertificateNotFoundError(serial);
    const recorded = await this.options.store.saveRevocation({
      serialHex: serial,
      reason,
      revokedAt: at,
      issuerKeyIdHex: issued.issuerKeyIdHex,
      certificateNotAfter: issued.notAfter,
    });
    if (recorded) this.generation += 1;
  }

  async hold(serialHex: string, at: Date): Promise<void> {
    const serial = normalizeSerialHex(serialHex);
    if (!isValidDate(at)) throw new CertificateRequestError('the hold time is not a date');
    const issued = await this.options.store.findIssuedCertificate(serial);
    if (issued === undefined) throw new CertificateNotFoundError(serial);
    const revocations = await this.options.store.listRevocations(issued.issuerKeyIdHex);
    // A revoked certificate stays revoked; a hold would only hide the real reason.
    if (revocations.some((r) => r.serialHex === serial)) return;
    const recorded = await this.options.store.saveHold({
      serialHex: serial,
      heldAt: at,
      issuerKeyIdHex: issued.issuerKeyIdHex,
      certificateNotAfter: issued.notAfter,
    });
    if (recorded) this.generation += 1;
  }

  async releaseHold(serialHex: string, at: Date): Promise<void> {
    const serial = normalizeSerialHex(serialHex);
    if (!isValidDate(at)) throw new CertificateRequestError('the release time is not a date');
    if (await this.options.store.releaseHold(serial, at)) this.generation += 1;
  }

  async currentDeltaCrlDer(): Promise<Uint8Array> {
    const generation = this.generation;
    const nowMs = this.options.clock().getTime();
    const cached = this.cachedDelta;
    if (
      cached !== undefined &&
      cached.generation === generation &&
      nowMs - cached.producedAtMs < DELTA_CRL_VALIDITY_MS / 2
    ) {
      return new Uint8Array(cached.der);
    }
    const issuing = this.issuing;
    let base = await this.options.store.oldestCurrentCompleteCrl(issuing.keyIdHex, new Date(nowMs));
    if (base === undefined) {
      await this.currentCrlDer();
      base = await this.options.store.oldestCurrentCompleteCrl(issuing.keyIdHex, new Date(nowMs));
      if (base === undefined) throw new CaStateError('no complete CRL to base a delta CRL on');
    }
    const der = await this.signDeltaCrl(base.crlNumber, base.thisUpdate);
    this.cachedDelta = { der, producedAtMs: nowMs, generation };
    return new Uint8Array(der);
  }

  async currentCrlDer(): Promise<Uint8Array> {
    const generation = this.generation;
    const cached = this.cachedCrl;
    const nowMs = this.options.clock().getTime();
    if (
      cached !== undefined &&
      cached.generation === generation &&
      nowMs - cached.producedAtMs < CRL_REFRESH_MS
    ) {
      return new Uint8Array(cached.der);
    }
    // Concurrent callers share one signing run (and one CRL number) per generation.
    if (this.pendingCrl === undefined || this.pendingCrl.generation !== generation) {
      const promise: Promise<CachedCrl> = this.signCrl(generation)
        .then((crl) => {
          // A slower run for an older generation must not replace a newer CRL.
          if (this.cachedCrl === undefined || this.cachedCrl.generation <= crl.generation) {
            this.cachedCrl = crl;
          }
          return crl;
        })
        .finally(() => {
          if (this.pendingCrl?.promise === promise) this.pendingCrl = undefined;
        });
      this.pendingCrl = { generation, promise };
    }
    const crl = await this.pendingCrl.promise;
    return new Uint8Array(crl.der);
  }

  /**
   * Provisioning, step 1 (optional): creates a key pair for a new issuing CA, keeps it sealed in
   * the state directory, and returns a PKCS#10 request (PEM) for the central CA to sign. Issuance
   * goes on with the current issuing CA until `importIssuingCa`.
   */
  async createIssuingCaRequest(): Promise<string> {
    const keys = await generateCaKeyPair(this.options.keyAlgorithm);
    const parameters = signingParametersFor(keys.privateKey);
    const pkcs8 = keys.privateKey.export({ type: 'pkcs8', format: 'der' });
    try {
      const privateKey = await crypto.subtle.importKey(
        'pkcs8',
        pkcs8,
        parameters.importAlgorithm,
        false,
        ['sign'],
      );
      const publicKey = await crypto.subtle.importKey(
        'spki',
        keys.publicKey.export({ type: 'spki', format: 'der' }),
        parameters.importAlgorithm,
        true,
        ['verify'],
      );
      const request = await x509.Pkcs10CertificateRequestGenerator.create(
        {
          name: caName(this.options.organization, 'Issuing'),
          keys: { privateKey, publicKey },
          signingAlgorithm: parameters.signingAlgorithm,
          extensions: [
            new x509.BasicConstraintsExtension(true, 0, true),
            new x509.KeyUsagesExtension(
              x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
              true,
            ),
          ],
        },
        crypto,
      );
      const csrPem = request.toString('pem');
      await this.directory.writeRequestFile({
        csrPem,
        sealedPrivateKey: sealPrivateKey(pkcs8, this.options.secretKey, 'issuing-ca-request'),
      });
      return csrPem;
    } finally {
      pkcs8.fill(0);
    }
  }

  /**
   * Provisioning, step 2: switches issuance to an issuing CA certificate signed by the central
   * CA. Its key is `privateKeyPem`, or else the one kept by `createIssuingCaRequest`. Checks that
   * the certificate is a currently valid CA allowed to sign certificates and CRLs, that the key
   * matches it, and that `chainPem` links it to a self-signed root; then persists it and uses it
   * for every later issuance and CRL. Errors: `CaImportError` (nothing changed).
   */
  async importIssuingCa(input: IssuingCaImport): Promise<void> {
    const now = this.options.clock();
    const certificate = parseImportedCertificate(
      input.certificatePem,
      'the issuing CA certificate',
    );
    const issuers = splitPemCertificates(input.chainPem).map((pem, index) =>
      parseImportedCertificate(pem, `chain certificate ${index + 1}`),
    );
    checkImportedCaCertificate(certificate, now);
    checkChain(certificate, issuers);

    const privateKey = await this.privateKeyForImport(input.privateKeyPem);
    try {
      signingParametersFor(privateKey);
    } catch (error) {
      throw new CaImportError(`the issuing CA key is not usable: ${(error as Error).message}`);
    }
    const keySpki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
    const certificateSpki = certificate.publicKey.export({ type: 'spki', format: 'der' });
    if (!keySpki.equals(certificateSpki)) {
      throw new CaImportError('the private key does not belong to the issuing CA certificate');
    }

    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
    try {
      const file: CaKeyFile = {
        certificatePem: certificate.toString(),
        chainPem: issuers.map((issuer) => issuer.toString()).join(''),
        sealedPrivateKey: sealPrivateKey(pkcs8, this.options.secretKey, 'issuing-ca'),
      };
      const issuing = await activateIssuingCa(
        file,
        this.options.secretKey,
        'issuing-ca',
        'the imported issuing CA',
      );
      // The content signer follows its issuing CA (content-signer.ts).
      const contentSigner = await loadOrCreateContentSigner(this.directory, issuing, {
        secretKey: this.options.secretKey,
        organization: this.options.organization,
        keyAlgorithm: this.options.keyAlgorithm,
        now,
      });
      await this.directory.writeKeyFile(ISSUING_CA_FILE, file);
      await this.directory.removeRequestFile();
      this.issuing = issuing;
      this.contentSigner = contentSigner;
      this.generation += 1;
    } finally {
      pkcs8.fill(0);
    }
  }

  private async privateKeyForImport(privateKeyPem: string | undefined): Promise<KeyObject> {
    if (privateKeyPem !== undefined) {
      try {
        return createPrivateKey({ key: privateKeyPem, format: 'pem' });
      } catch {
        // No cause attached: parser errors may quote their input.
        throw new CaImportError('the issuing CA private key is not an unencrypted PEM private key');
      }
    }
    const request = await this.directory.readRequestFile();
    if (request === undefined) {
      throw new CaImportError('no private key: pass privateKeyPem, or create a request first');
    }
    const pkcs8 = unsealPrivateKey(
      request.sealedPrivateKey,
      this.options.secretKey,
      'issuing-ca-request',
      this.directory.filePath('issuing-ca-request.json'),
    );
    try {
      return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    } finally {
      pkcs8.fill(0);
    }
  }

  private subjectFor(holder: CardHolder, profile: CertificateProfile): x509.JsonName {
    const name = typeof holder?.name === 'string' ? holder.name.trim() : '';
    if (name === '') throw new CertificateRequestError('the holder needs a name');
    if ([...name].length > MAX_COMMON_NAME_CHARS) {
      throw new CertificateRequestError(
        `the holder name is longer than ${MAX_COMMON_NAME_CHARS} characters`,
      );
    }
    if (hasControlCharacters(name)) {
      throw new CertificateRequestError('the holder name contains control characters');
    }
    const company = holder.company?.trim();
    const organization =
      profile.subjectOrganization === 'holder-company' && company
        ? company
        : this.options.organization;
    const subject: x509.JsonName = [{ O: [organization] }];
    if (profile.organizationalUnit) subject.push({ OU: [profile.organizationalUnit] });
    subject.push({ CN: [name] });
    return subject;
  }

  private async signCrl(generation: number): Promise<CachedCrl> {
    const issuing = this.issuing;
    const now = this.options.clock();
    const entries = (await this.crlEntries(now)).filter((e) => e.state !== 'removed');
    const crlNumber = await this.options.store.allocateCrlNumber();
    const nextUpdate = new Date(now.getTime() + CRL_VALIDITY_MS);
    const extensions: x509.Extension[] = [
      new x509.AuthorityKeyIdentifierExtension(issuing.keyIdHex, false),
      new x509.Extension(OID_CRL_NUMBER, false, derInteger(crlNumber)),
    ];
    if (this.options.crlDistributionUrl !== undefined) {
      const deltaUrl = `${this.options.crlDistributionUrl.replace(/\/$/, '')}/delta`;
      extensions.push(
        new x509.Extension(
          OID_FRESHEST_CRL,
          false,
          new x509.CRLDistributionPointsExtension([deltaUrl]).value,
        ),
      );
    }
    const crl = await x509.X509CrlGenerator.create(
      {
        issuer: issuing.certificate.subjectName,
        thisUpdate: now,
        nextUpdate,
        signingKey: issuing.signingKey,
        signingAlgorithm: issuing.signingAlgorithm,
        extensions,
        entries: entries.map((e) => ({
          serialNumber: e.serialHex,
          revocationDate: e.since,
          // `unspecified` (0) is left out, as RFC 5280 §5.3.1 asks.
          reason: e.reason,
        })),
      },
      crypto,
    );
    await this.options.store.saveCompleteCrl({
      crlNumber,
      thisUpdate: now,
      nextUpdate,
      issuerKeyIdHex: issuing.keyIdHex,
    });
    return { der: new Uint8Array(crl.rawData), producedAtMs: now.getTime(), generation };
  }

  /**
   * What a CRL signed now says about each certificate that is or was on one: revoked (with its
   * reason), on hold, or removed (a released hold, or an entry whose certificate expired, RFC
   * 5280 §3.3), with the time that state began.
   */
  private async crlEntries(now: Date): Promise<
    {
      serialHex: string;
      state: 'listed' | 'removed';
      reason: x509.X509CrlReason;
      since: Date;
      listedSince: Date | null;
    }[]
  > {
    const issuing = this.issuing;
    const revocations = await this.options.store.listRevocations(issuing.keyIdHex);
    const holds = await this.options.store.listHolds(issuing.keyIdHex);
    const revoked = new Set(revocations.map((r) => r.serialHex));
    const nowMs = now.getTime();
    const entries = [];
    for (const r of revocations) {
      const held = holds.find((h) => h.serialHex === r.serialHex && h.releasedAt === null);
      const expired = r.certificateNotAfter.getTime() <= nowMs;
      entries.push({
        serialHex: r.serialHex,
        state: expired ? ('removed' as const) : ('listed' as const),
        reason: expired ? x509.X509CrlReason.removeFromCRL : CRL_REASON_CODES[r.reason],
        since: expired ? r.certificateNotAfter : r.revokedAt,
        // A certificate held before its revocation was on the CRL since the hold.
        listedSince: held && held.heldAt < r.revokedAt ? held.heldAt : r.revokedAt,
      });
    }
    for (const h of holds) {
      if (revoked.has(h.serialHex)) continue;
      const expired = h.certificateNotAfter.getTime() <= nowMs;
      if (h.releasedAt === null && !expired) {
        entries.push({
          serialHex: h.serialHex,
          state: 'listed' as const,
          reason: x509.X509CrlReason.certificateHold,
          since: h.heldAt,
          listedSince: h.heldAt,
        });
      } else {
        const removedAt = h.releasedAt ?? h.certificateNotAfter;
        entries.push({
          serialHex: h.serialHex,
          state: 'removed' as const,
          reason: x509.X509CrlReason.removeFromCRL,
          since: removedAt,
          listedSince: h.heldAt,
        });
      }
    }
    return entries.sort((a, b) => a.since.getTime() - b.since.getTime());
  }

  /**
   * A delta CRL against the complete CRL `baseNumber` signed at `baseTime`: entries that became
   * listed after it, and removeFromCRL for entries it listed that are gone since (RFC 5280
   * §5.2.4, §5.3.1).
   */
  private async signDeltaCrl(baseNumber: bigint, baseTime: Date): Promise<Uint8Array> {
    const issuing = this.issuing;
    const now = this.options.clock();
    const baseMs = baseTime.getTime();
    const changes = (await this.crlEntries(now)).filter((e) =>
      e.state === 'listed'
        ? e.since.getTime() > baseMs
        : e.since.getTime() > baseMs && e.listedSince !== null && e.listedSince.getTime() <= baseMs,
    );
    const crlNumber = await this.options.store.allocateCrlNumber();
    const crl = await x509.X509CrlGenerator.create(
      {
        issuer: issuing.certificate.subjectName,
        thisUpdate: now,
        nextUpdate: new Date(now.getTime() + DELTA_CRL_VALIDITY_MS),
        signingKey: issuing.signingKey,
        signingAlgorithm: issuing.signingAlgorithm,
        extensions: [
          new x509.AuthorityKeyIdentifierExtension(issuing.keyIdHex, false),
          new x509.Extension(OID_CRL_NUMBER, false, derInteger(crlNumber)),
          new x509.Extension(OID_DELTA_CRL_INDICATOR, true, derInteger(baseNumber)),
        ],
        entries: changes.map((e) => ({
          serialNumber: e.serialHex,
          revocationDate: e.since,
          reason: e.reason,
        })),
      },
      crypto,
    );
    return new Uint8Array(crl.rawData);
  }
}

/** Creates and persists a root and an issuing CA; returns the issuing CA's file. */
async function createLocalHierarchy(
  options: ResolvedOptions,
  directory: CaStateDirectory,
): Promise<CaKeyFile> {
  const now = options.clock().getTime();
  const notBefore = new Date(now - CA_BACKDATE_MS);
  const [rootKeys, issuingKeys] = await Promise.all([
    generateCaKeyPair(options.keyAlgorithm),
    generateCaKeyPair(options.keyAlgorithm),
  ]);
  const rootPkcs8 = rootKeys.privateKey.export({ type: 'pkcs8', format: 'der' });
  const issuingPkcs8 = issuingKeys.privateKey.export({ type: 'pkcs8', format: 'der' });
  try {
    const rootParameters = signingParametersFor(rootKeys.privateKey);
    const rootSigningKey = await importSigningKey(rootPkcs8, rootParameters);
    const rootSpki = rootKeys.publicKey.export({ type: 'spki', format: 'der' });
    const issuingSpki = issuingKeys.publicKey.export({ type: 'spki', format: 'der' });
    const rootKeyId = await keyIdentifierHex(rootSpki);
    const rootName = caName(options.organization, 'Root');
    const caKeyUsage = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;

    const root = await x509.X509CertificateGenerator.create(
      {
        serialNumber: randomSerialHex(),
        subject: rootName,
        issuer: rootName,
        notBefore,
        notAfter: new Date(now + ROOT_CA_VALIDITY_MS),
        publicKey: rootSpki,
        signingKey: rootSigningKey,
        signingAlgorithm: rootParameters.signingAlgorithm,
        extensions: [
          new x509.BasicConstraintsExtension(true, undefined, true),
          new x509.KeyUsagesExtension(caKeyUsage, true),
          new x509.SubjectKeyIdentifierExtension(rootKeyId, false),
        ],
      },
      crypto,
    );
    const issuing = await x509.X509CertificateGenerator.create(
      {
        serialNumber: randomSerialHex(),
        subject: caName(options.organization, 'Issuing'),
        issuer: root.subjectName,
        notBefore,
        notAfter: new Date(now + ISSUING_CA_VALIDITY_MS),
        publicKey: issuingSpki,
        signingKey: rootSigningKey,
        signingAlgorithm: rootParameters.signingAlgorithm,
        extensions: [
          // pathLen 0: the issuing CA signs card certificates only, never another CA.
          new x509.BasicConstraintsExtension(true, 0, true),
          new x509.KeyUsagesExtension(caKeyUsage, true),
          new x509.SubjectKeyIdentifierExtension(await keyIdentifierHex(issuingSpki), false),
          new x509.AuthorityKeyIdentifierExtension(rootKeyId, false),
        ],
      },
      crypto,
    );
    const rootPem = root.toString('pem') + '\n';
    await directory.writeKeyFile(ROOT_CA_FILE, {
      certificatePem: rootPem,
      chainPem: '',
      sealedPrivateKey: sealPrivateKey(rootPkcs8, options.secretKey, 'root-ca'),
    });
    const issuingFile: CaKeyFile = {
      certificatePem: issuing.toString('pem') + '\n',
      chainPem: rootPem,
      sealedPrivateKey: sealPrivateKey(issuingPkcs8, options.secretKey, 'issuing-ca'),
    };
    await directory.writeKeyFile(ISSUING_CA_FILE, issuingFile);
    return issuingFile;
  } finally {
    rootPkcs8.fill(0);
    issuingPkcs8.fill(0);
  }
}

/** Opens an issuing CA's sealed key, checks it against its certificate and makes it usable. */
async function activateIssuingCa(
  file: CaKeyFile,
  secretKey: Uint8Array,
  role: SealedKeyRole,
  source: string,
): Promise<ActiveIssuingCa> {
  let certificate: x509.X509Certificate;
  try {
    certificate = new x509.X509Certificate(file.certificatePem);
  } catch (error) {
    throw new CaStateError(`${source}: the certificate cannot be parsed`, { cause: error });
  }
  const pkcs8 = unsealPrivateKey(file.sealedPrivateKey, secretKey, role, source);
  try {
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    } catch {
      throw new CaStateError(`${source}: the decrypted private key cannot be parsed`);
    }
    const keySpki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
    if (!keySpki.equals(Buffer.from(certificate.publicKey.rawData))) {
      throw new CaStateError(`${source}: the private key does not match the certificate`);
    }
    const parameters = signingParametersFor(privateKey);
    const ski = certificate.getExtension(x509.SubjectKeyIdentifierExtension);
    return {
      certificate,
      certificatePem: ensureTrailingNewline(certificate.toString('pem')),
      issuersPem: file.chainPem,
      signingKey: await importSigningKey(pkcs8, parameters),
      signingAlgorithm: parameters.signingAlgorithm,
      keyIdHex: ski?.keyId ?? (await keyIdentifierHex(keySpki)),
    };
  } finally {
    pkcs8.fill(0);
  }
}

function generateCaKeyPair(
  algorithm: CaKeyAlgorithm,
): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, publicKey: KeyObject, privateKey: KeyObject): void => {
      if (error) reject(error);
      else resolve({ privateKey, publicKey });
    };
    // Asynchronous generation keeps the event loop free: RSA-2048 takes seconds on a Pi.
    if (algorithm === 'ECCP256') generateKeyPair('ec', { namedCurve: 'P-256' }, done);
    else generateKeyPair('rsa', { modulusLength: 2048, publicExponent: 0x10001 }, done);
  });
}

/** The WebCrypto parameters for a CA key; CA keys are EC P-256 or RSA ≥ 2048 bits. */
function signingParametersFor(privateKey: KeyObject): SigningParameters {
  const details = privateKey.asymmetricKeyDetails ?? {};
  if (privateKey.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1') {
    return {
      importAlgorithm: { name: 'ECDSA', namedCurve: 'P-256' },
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } as Algorithm,
    };
  }
  if (privateKey.asymmetricKeyType === 'rsa' && (details.modulusLength ?? 0) >= 2048) {
    return {
      importAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5' },
    };
  }
  throw new UnsupportedKeyError('CA keys must be EC P-256 or RSA with at least 2048 bits');
}

/** Imports a PKCS#8 key into node:crypto's WebCrypto as non-extractable, for signing only. */
function importSigningKey(pkcs8: Uint8Array, parameters: SigningParameters): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    'pkcs8',
    asBufferSource(pkcs8),
    parameters.importAlgorithm,
    false,
    ['sign'],
  );
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits, lowercase hex. */
async function keyIdentifierHex(spkiDer: Uint8Array): Promise<string> {
  const keyId = await new x509.PublicKey(asBufferSource(spkiDer)).getKeyIdentifier(crypto);
  return Buffer.from(keyId).toString('hex');
}

function caName(organization: string, tier: 'Root' | 'Issuing'): x509.Name {
  // A random suffix keeps the CA names of different devices apart in a relying party's store.
  const suffix = randomBytes(4).toString('hex');
  return new x509.Name([{ O: [organization] }, { CN: [`Card Kiosk ${tier} CA ${suffix}`] }]);
}

function randomSerialHex(): string {
  const serial = randomBytes(SERIAL_BYTES);
  // Top bit clear keeps the INTEGER positive; the next bit set keeps it exactly 16 octets.
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  return serial.toString('hex');
}

/** Accepts upper or lower case and colon separators; returns lowercase hex without them. */
function normalizeSerialHex(serialHex: string): string {
  const serial = typeof serialHex === 'string' ? serialHex.replace(/:/g, '').toLowerCase() : '';
  if (!/^[0-9a-f]{2,40}$/.test(serial)) {
    throw new CertificateRequestError('a serial number is 1 to 20 octets in hex');
  }
  return serial;
}

function validityFor(
  request: CardCertificateRequest,
  profile: CertificateProfile,
  issuer: x509.X509Certificate,
  now: Date,
): { notBefore: Date; notAfter: Date } {
  if (now.getTime() >= issuer.notAfter.getTime()) {
    throw new CaStateError(
      `the issuing CA certificate expired at ${issuer.notAfter.toISOString()}: import or create a new one`,
    );
  }
  if (now.getTime() < issuer.notBefore.getTime() - MAX_CLOCK_BEHIND_ISSUER_MS) {
    throw new CaStateError(
      `the device clock (${now.toISOString()}) is more than an hour before the issuing CA certificate starts (${issuer.notBefore.toISOString()}): set the clock`,
    );
  }
  if (!isValidDate(request.notBefore) || !isValidDate(request.notAfter)) {
    throw new CertificateRequestError('notBefore and notAfter must be dates');
  }
  // Within that skew the card starts when its issuing CA does.
  const notBeforeMs = Math.max(request.notBefore.getTime(), issuer.notBefore.getTime());
  const notAfterMs = Math.min(
    request.notAfter.getTime(),
    issuer.notAfter.getTime(),
    notBeforeMs + maxValidityMs(profile),
  );
  if (notAfterMs <= notBeforeMs) {
    throw new CertificateRequestError('the validity window is empty');
  }
  if (notAfterMs <= now.getTime()) {
    throw new CertificateRequestError('the certificate would already have expired');
  }
  return { notBefore: new Date(notBeforeMs), notAfter: new Date(notAfterMs) };
}

function altNamesFor(holder: CardHolder, profile: CertificateProfile): x509.JsonGeneralNames {
  const names: x509.JsonGeneralNames = [];
  const email = sanValue(holder?.email, profile.email, 'an e-mail address');
  if (email !== undefined) {
    // rfc822Name is an IA5String: ASCII only.
    if (!/^[\x21-\x7e]+@[\x21-\x7e]+$/.test(email) || email.split('@').length !== 2) {
      throw new CertificateRequestError('the holder e-mail address is not a valid ASCII address');
    }
    names.push({ type: 'email', value: email });
  }
  const upn = sanValue(holder?.upn, profile.upn, 'a user principal name');
  if (upn !== undefined) {
    if (!/^[^\s@]+@[^\s@]+$/.test(upn) || hasControlCharacters(upn)) {
      throw new CertificateRequestError('the holder UPN must look like user@domain');
    }
    names.push({ type: 'upn', value: upn });
  }
  return names;
}

function sanValue(value: string | undefined, policy: SanPolicy, what: string): string | undefined {
  const trimmed = typeof value === 'string' ? value.trim() : '';
  if (policy === 'never') return undefined;
  if (trimmed === '') {
    if (policy === 'required') {
      throw new CertificateRequestError(`the profile requires ${what} for the holder`);
    }
    return undefined;
  }
  return trimmed;
}

function parseImportedCertificate(pem: string, what: string): NodeX509Certificate {
  try {
    return new NodeX509Certificate(pem);
  } catch {
    throw new CaImportError(`${what} is not a valid PEM certificate`);
  }
}

function checkImportedCaCertificate(certificate: NodeX509Certificate, now: Date): void {
  if (!certificate.ca) {
    throw new CaImportError(
      'the issuing CA certificate is not a CA certificate (basicConstraints)',
    );
  }
  const keyUsage = new x509.X509Certificate(certificate.raw).getExtension(x509.KeyUsagesExtension);
  const needed = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;
  if (keyUsage !== null && (keyUsage.usages & needed) !== needed) {
    throw new CaImportError('the issuing CA certificate may not sign certificates and CRLs');
  }
  const nowMs = now.getTime();
  if (nowMs < Date.parse(certificate.validFrom) || nowMs >= Date.parse(certificate.validTo)) {
    throw new CaImportError('the issuing CA certificate is not valid now');
  }
}

/** Each chain certificate must be a CA that signed the one before it; the last is a root. */
function checkChain(certificate: NodeX509Certificate, issuers: NodeX509Certificate[]): void {
  if (issuers.length === 0) {
    throw new CaImportError('the chain is empty: it must end with the self-signed root');
  }
  let child = certificate;
  issuers.forEach((issuer, index) => {
    if (!issuer.ca) throw new CaImportError(`chain certificate ${index + 1} is not a CA`);
    if (!child.checkIssued(issuer) || !child.verify(issuer.publicKey)) {
      throw new CaImportError(
        `chain certificate ${index + 1} did not sign the certificate before it`,
      );
    }
    child = issuer;
  });
  if (!child.checkIssued(child) || !child.verify(child.publicKey)) {
    throw new CaImportError('the chain does not end with a self-signed root');
  }
}

function splitPemCertificates(pem: string): string[] {
  if (typeof pem !== 'string') return [];
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** DER INTEGER for a non-negative number (the CRL number). */
function derInteger(value: bigint): Uint8Array<ArrayBuffer> {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  // A leading 00 keeps the value positive when its top bit is set.
  if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
  const body = Buffer.from(hex, 'hex');
  if (body.length > 127) throw new RangeError('CRL number too large');
  return new Uint8Array([0x02, body.length, ...body]);
}

function hasControlCharacters(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(text);
}

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

function ensureTrailingNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** Node's Buffers are typed over ArrayBufferLike; WebCrypto's BufferSource wants ArrayBuffer. */
function asBufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>;
}
