/** Records to response bodies: what leaves the device, and nothing else. */
import type { CardRecord, PersonRecord, Photo } from '../core/records.js';
import { InvalidInputError } from '../core/errors.js';
import type { PhotoInputT } from './schemas/common.js';

export function presentPerson(p: PersonRecord) {
  return {
    id: p.id,
    kind: p.kind,
    name: p.name,
    company: p.company,
    email: p.email,
    hostPersonId: p.hostPersonId,
    validUntil: p.validUntil,
    hasPhoto: p.photo !== null,
    centralId: p.centralId,
    createdAt: p.createdAt,
  };
}

export function presentCard(c: Omit<CardRecord, 'pinSealed' | 'pukSealed'>) {
  return {
    id: c.id,
    requestId: c.requestId,
    cardNumber: c.cardNumber,
    cardType: c.cardType,
    idType: c.idType,
    status: c.status,
    guid: c.guid,
    validFrom: c.validFrom,
    validUntil: c.validUntil,
    chipSerial: c.chipSerial,
    hasCertificate: c.certificateDer !== null,
    pinRevealedAt: c.pinRevealedAt,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

const MAX_PHOTO_BYTES = 512 * 1024;
const JPEG_MAGIC = [0xff, 0xd8, 0xff];
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];

/** Decode and check an uploaded photo: size and that the bytes are what the type says. */
export function decodePhoto(input: PhotoInputT | undefined): Photo | undefined {
  if (!input) return undefined;
  const data = Buffer.from(input.base64, 'base64');
  if (data.length > MAX_PHOTO_BYTES)
    throw new InvalidInputError(`the photo is larger than ${MAX_PHOTO_BYTES / 1024} KiB`);
  const magic = input.mimeType === 'image/jpeg' ? JPEG_MAGIC : PNG_MAGIC;
  if (!magic.every((b, i) => data[i] === b))
    throw new InvalidInputError(
      `the photo is not a ${input.mimeType === 'image/jpeg' ? 'JPEG' : 'PNG'} image`,
    );
  return { mimeType: input.mimeType, data: new Uint8Array(data) };
}
