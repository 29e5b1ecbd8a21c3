/**
 * A camera picture of a QR code for Chromium's fake camera
 * (`--use-file-for-fake-video-capture=<file>.y4m`): the `qrcode` package's modules drawn
 * black on white into a YUV4MPEG2 file of 4:2:0 frames (Y plane, then U and V at half size;
 * neutral chroma 128), written here without ffmpeg. Chromium opens the file when a page starts
 * the camera, so a test can write a new code before each scan with the same browser.
 */
import { writeFileSync } from 'node:fs';
import QRCode from 'qrcode';

/** Studio-swing luma (ITU-R BT.601), what a camera delivers for black and white. */
const LUMA_BLACK = 16;
const LUMA_WHITE = 235;
const QUIET_ZONE_MODULES = 4;

export function writeQrY4m(
  path: string,
  text: string,
  { width = 640, height = 480, frames = 2 } = {},
): void {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const scale = Math.floor((Math.min(width, height) * 0.9) / (n + 2 * QUIET_ZONE_MODULES));
  const left = Math.floor((width - n * scale) / 2);
  const top = Math.floor((height - n * scale) / 2);
  const luma = Buffer.alloc(width * height, LUMA_WHITE);
  for (let row = 0; row < n; row++)
    for (let col = 0; col < n; col++) {
      if (!qr.modules.get(row, col)) continue;
      for (let dy = 0; dy < scale; dy++) {
        const offset = (top + row * scale + dy) * width + left + col * scale;
        luma.fill(LUMA_BLACK, offset, offset + scale);
      }
    }
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma]);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`);
  writeFileSync(path, Buffer.concat([header, ...Array.from({ length: frames }, () => frame)]));
}
