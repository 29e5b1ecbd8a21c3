// The CA's files in its state directory: one JSON document per CA role holding the certificate
// (PEM), the issuers' chain and the sealed private key. Keeping each role's key and certificate
// in one file, replaced by an atomic rename, means a crash can never leave a key next to the
// wrong certificate. Files are created mode 0600 and the directory 0700: only the service user
// reads them, and the keys inside are encrypted anyway (see sealed-private-key.ts).

import { constants } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CaStateError } from './ca-errors.js';

const FILE_FORMAT = 'cardkiosk-ca/1';
const FILE_MODE = 0o600;
const DIRECTORY_MODE = 0o700;

export const ROOT_CA_FILE = 'root-ca.json';
export const ISSUING_CA_FILE = 'issuing-ca.json';
export const ISSUING_CA_REQUEST_FILE = 'issuing-ca-request.json';

/** A CA certificate with its sealed key (root: chain empty; issuing: its issuers, up to the root). */
export interface CaKeyFile {
  readonly certificatePem: string;
  readonly chainPem: string;
  readonly sealedPrivateKey: Uint8Array;
}

/** A key pair waiting for the central CA to sign its request. */
export interface CaRequestFile {
  readonly csrPem: string;
  readonly sealedPrivateKey: Uint8Array;
}

interface StoredDocument {
  format: string;
  certificatePem?: string;
  chainPem?: string;
  csrPem?: string;
  sealedPrivateKey: string;
}

export class CaStateDirectory {
  constructor(readonly path: string) {}

  async ensureExists(): Promise<void> {
    await mkdir(this.path, { recursive: true, mode: DIRECTORY_MODE });
  }

  filePath(name: string): string {
    return join(this.path, name);
  }

  async readKeyFile(name: string): Promise<CaKeyFile | undefined> {
    const doc = await this.readDocument(name);
    if (doc === undefined) return undefined;
    if (typeof doc.certificatePem !== 'string' || typeof doc.chainPem !== 'string') {
      throw new CaStateError(`${this.filePath(name)}: certificate or chain missing`);
    }
    return {
      certificatePem: doc.certificatePem,
      chainPem: doc.chainPem,
      sealedPrivateKey: Buffer.from(doc.sealedPrivateKey, 'base64'),
    };
  }

  async writeKeyFile(name: string, file: CaKeyFile): Promise<void> {
    await this.writeDocument(name, {
      format: FILE_FORMAT,
      certificatePem: file.certificatePem,
      chainPem: file.chainPem,
      sealedPrivateKey: Buffer.from(file.sealedPrivateKey).toString('base64'),
    });
  }

  async readRequestFile(): Promise<CaRequestFile | undefined> {
    const doc = await this.readDocument(ISSUING_CA_REQUEST_FILE);
    if (doc === undefined) return undefined;
    if (typeof doc.csrPem !== 'string') {
      throw new CaStateError(`${this.filePath(ISSUING_CA_REQUEST_FILE)}: request missing`);
    }
    return { csrPem: doc.csrPem, sealedPrivateKey: Buffer.from(doc.sealedPrivateKey, 'base64') };
  }

  async writeRequestFile(file: CaRequestFile): Promise<void> {
    await this.writeDocument(ISSUING_CA_REQUEST_FILE, {
      format: FILE_FORMAT,
      csrPem: file.csrPem,
      sealedPrivateKey: Buffer.from(file.sealedPrivateKey).toString('base64'),
    });
  }

  async removeRequestFile(): Promise<void> {
    await rm(this.filePath(ISSUING_CA_REQUEST_FILE), { force: true });
  }

  private async readDocument(name: string): Promise<StoredDocument | undefined> {
    const path = this.filePath(name);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new CaStateError(`${path}: cannot be read`, { cause: error });
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new CaStateError(`${path}: not valid JSON`);
    }
    if (
      typeof doc !== 'object' ||
      doc === null ||
      (doc as StoredDocument).format !== FILE_FORMAT ||
      typeof (doc as StoredDocument).sealedPrivateKey !== 'string'
    ) {
      throw new CaStateError(`${path}: not a ${FILE_FORMAT} file`);
    }
    return doc as StoredDocument;
  }

  /** Write to a temporary file, fsync, rename over the target, fsync the directory. */
  private async writeDocument(name: string, doc: StoredDocument): Promise<void> {
    const target = this.filePath(name);
    const temporary = `${target}.${process.pid}.tmp`;
    const handle = await open(
      temporary,
      constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC,
      FILE_MODE,
    );
    try {
      // open()'s mode is filtered by the umask; chmod makes it exactly 0600 either way.
      await handle.chmod(FILE_MODE);
      await handle.writeFile(`${JSON.stringify(doc, null, 2)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
    const directory = await open(this.path, constants.O_RDONLY);
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  }
}
