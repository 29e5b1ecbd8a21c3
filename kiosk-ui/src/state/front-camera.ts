/**
 * The kiosk's front camera, shared by the photo (kiosk-camera) and the QR reader
 * (kiosk-qr-scanner): one place decides the resolution asked for and what "no camera" means.
 */

/**
 * Opens the camera and shows it in the `video` the element renders once `live` (its
 * `whenRendered` resolves after that render). Null when there is no camera, the browser
 * refuses one, or the element left the page meanwhile (the stream is then released at once).
 */
export async function openFrontCamera(element: {
  connected(): boolean;
  live(stream: MediaStream): void;
  whenRendered(): Promise<unknown>;
  video(): HTMLVideoElement | null;
}): Promise<MediaStream | null> {
  if (!navigator.mediaDevices?.getUserMedia) return null;
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: 'user' },
      audio: false,
    });
  } catch {
    return null;
  }
  if (!element.connected()) {
    stopFrontCamera(stream);
    return null;
  }
  element.live(stream);
  await element.whenRendered();
  const video = element.video();
  if (video) {
    video.srcObject = stream;
    await video.play().catch(() => undefined);
  }
  return stream;
}

export function stopFrontCamera(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}
