/**
 * Per-card PIV management keys (3DES, 24 bytes) derived from the device secret and the card
 * number with HKDF-SHA256, so each card has its own key and the device can re-derive it to
 * administer the card later without storing it.
 */
import { hkdfSync } from 'node:crypto';

export const MANAGEMENT_KEY_BYTES = 24;

export function deriveCardManagementKey(deviceSecret: Uint8Array, cardNumber: string): Uint8Array {
  return new Uint8Array(
    hkdfSync(
      'sha256',
      deviceSecret,
      Buffer.from('cardkiosk-piv-management-key'),
      cardNumber,
      MANAGEMENT_KEY_BYTES,
    ),
  );
}
