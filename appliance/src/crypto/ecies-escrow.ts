/**
 * ECIES escrow to the central Identity Manager's P-256 key: an ephemeral ECDH key pair per
 * secret, HKDF-SHA256 over the shared secret, AES-256-GCM with the context as additional
 * authenticated data. The device holds only the centre's public key and forgets the
 * ephemeral private key at once, so it cannot open what it sealed.
 *
 * Format: "e1." + base64url(ephemeral public point, uncompressed, 65 bytes ‖ iv 12 ‖ tag 16 ‖
 * ciphertext). `openEscrow` is what the centre runs with its private key.
 */
import {
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  createPrivateKey,
  createPublicKey,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import type { SecretEscrow } from '../core/secret-escrow.js';

const CURVE = 'prime256v1';
const POINT_BYTES = 65;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const INFO = 'cardkiosk:puk-escrow:v1';

function rawPoint(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y)
    throw new Error('the escrow key must be an EC P-256 public key');
  return Buffer.concat([
    Buffer.from([0x04]),
    Buffer.from(jwk.x, 'base64url'),
    Buffer.from(jwk.y, 'base64url'),
  ]);
}

function deriveKey(shared: Buffer, ephemeral: Buffer, recipient: Buffer): Buffer {
  // Both public points go into the salt, binding the key to this exchange (SEC 1 §5.1).
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephemeral, recipient]), INFO, 32));
}

export class EciesEscrow implements SecretEscrow {
  readonly keyId: string;
  private readonly recipient: Buffer;

  /** `publicKeyPem`: the centre's escrow public key (SPKI PEM, P-256). */
  constructor(publicKeyPem: string) {
    const key = createPublicKey(publicKeyPem);
    this.recipient = rawPoint(key);
    this.keyId = createHash('sha256')
      .update(key.export({ type: 'spki', format: 'der' }))
      .digest('hex');
  }

  seal(plaintext: string, context: string): string {
    const ecdh = createECDH(CURVE);
    const ephemeral = ecdh.generateKeys();
    const key = deriveKey(ecdh.computeSecret(this.recipient), ephemeral, this.recipient);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    key.fill(0);
    return `e1.${Buffer.concat([ephemeral, iv, cipher.getAuthTag(), ct]).toString('base64url')}`;
  }
}

/** The centre's side: open an escrowed secret with the escrow private key (PKCS#8 PEM). */
export function openEscrow(privateKeyPem: string, sealed: string, context: string): string {
  if (!sealed.startsWith('e1.')) throw new Error('unknown escrow format');
  const raw = Buffer.from(sealed.slice(3), 'base64url');
  const ephemeral = raw.subarray(0, POINT_BYTES);
  const iv = raw.subarray(POINT_BYTES, POINT_BYTES + IV_BYTES);
  const tag = raw.subarray(POINT_BYTES + IV_BYTES, POINT_BYTES + IV_BYTES + TAG_BYTES);
  const ct = raw.subarray(POINT_BYTES + IV_BYTES + TAG_BYTES);
  const jwk = createPrivateJwk(privateKeyPem);
  const ecdh = createECDH(CURVE);
  ecdh.setPrivateKey(Buffer.from(jwk.d, 'base64url'));
  const recipient = ecdh.getPublicKey();
  const key = deriveKey(ecdh.computeSecret(ephemeral), Buffer.from(ephemeral), recipient);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
}

function createPrivateJwk(pem: string): { d: string } {
  const jwk = createPrivateKey(pem).export({ format: 'jwk' });
  if (!jwk.d) throw new Error('not a private key');
  return { d: jwk.d };
}
