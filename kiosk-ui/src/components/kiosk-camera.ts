/**
 * The kiosk camera: a live picture, "Take photo", and the result as a JPEG (base64, no data:
 * prefix) in a `photo-changed` event. Without a camera, or when the browser refuses one, it
 * says so and the person simply continues without a photo. The camera is released when the
 * element leaves the page, so it never keeps running behind another screen.
 */
import { html, css } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { LocalizedElement, t } from '../i18n/i18n.js';
import { sharedStyles } from '../styles/shared.js';
import { openFrontCamera, stopFrontCamera } from '../state/front-camera.js';

/** Passport-like portrait, small enough for the API's photo limit (~512 KiB). */
const PHOTO_WIDTH_PX = 480;
const PHOTO_HEIGHT_PX = 600;
const JPEG_QUALITY = 0.85;

type CameraState = 'starting' | 'live' | 'captured' | 'unavailable';

@customElement('kiosk-camera')
export class KioskCamera extends LocalizedElement {
  static override styles = [
    sharedStyles,
    css`
      /* The picture beside its button, both sized from the viewport's height, so that "Take
         photo" is in view on a 480-pixel-high screen too. */
      :host {
        display: flex;
        flex-wrap: wrap;
        align-items: flex-end;
        gap: var(--gap);
      }
      .actions {
        margin-top: 0;
      }
      .frame {
        height: clamp(160px, 42vh, 720px);
        aspect-ratio: 4 / 5;
        background: var(--surface-alt);
        border-radius: var(--radius);
        overflow: hidden;
        display: grid;
        place-items: center;
      }
      video,
      img {
        width: 100%;
        height: 100%;
        object-fit: cover;
      }
      video {
        transform: scaleX(-1);
      }
    `,
  ];

  /** A photo taken earlier (base64), shown instead of the live picture. */
  @property({ attribute: false }) photo: string | null = null;
  @state() private camera: CameraState = 'starting';
  /** The first frame has arrived; before it there is nothing to capture. */
  @state() private frameReady = false;
  @query('video') private video?: HTMLVideoElement;
  private stream: MediaStream | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.photo) this.camera = 'captured';
    else void this.startCamera();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopCamera();
  }

  private async startCamera(): Promise<void> {
    this.camera = 'starting';
    this.frameReady = false;
    const stream = await openFrontCamera({
      connected: () => this.isConnected,
      live: (s) => {
        this.stream = s;
        this.camera = 'live';
      },
      whenRendered: () => this.updateComplete,
      video: () => this.video ?? null,
    });
    // No camera, or the kiosk browser refuses one: the photo is optional.
    if (!stream && this.isConnected) this.camera = 'unavailable';
  }

  private stopCamera(): void {
    stopFrontCamera(this.stream);
    this.stream = null;
  }

  private capture(): void {
    const video = this.video;
    if (!video || !video.videoWidth) return;
    const canvas = document.createElement('canvas');
    canvas.width = PHOTO_WIDTH_PX;
    canvas.height = PHOTO_HEIGHT_PX;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    // Crop the middle of the picture to the portrait's aspect ratio.
    const scale = Math.max(PHOTO_WIDTH_PX / video.videoWidth, PHOTO_HEIGHT_PX / video.videoHeight);
    const sw = PHOTO_WIDTH_PX / scale;
    const sh = PHOTO_HEIGHT_PX / scale;
    ctx.drawImage(
      video,
      (video.videoWidth - sw) / 2,
      (video.videoHeight - sh) / 2,
      sw,
      sh,
      0,
      0,
      PHOTO_WIDTH_PX,
      PHOTO_HEIGHT_PX,
    );
    const base64 = canvas.toDataURL('image/jpeg', JPEG_QUALITY).split(',')[1] ?? '';
    this.photo = base64;
    this.camera = 'captured';
    this.stopCamera();
    this.dispatchEvent(new CustomEvent('photo-changed', { detail: base64 }));
  }

  private retake(): void {
    this.photo = null;
    this.dispatchEvent(new CustomEvent('photo-changed', { detail: null }));
    void this.startCamera();
  }

  override render() {
    switch (this.camera) {
      case 'unavailable':
        return html`<p class="notice" role="status">${t('photo.noCamera')}</p>`;
      case 'starting':
        return html`<p role="status">${t('photo.starting')}</p>`;
      case 'live':
        return html`<div class="frame">
            <video
              muted
              playsinline
              aria-label=${t('photo.live')}
              @loadeddata=${() => (this.frameReady = true)}
            ></video>
          </div>
          <div class="actions">
            <button
              type="button"
              class="primary"
              ?disabled=${!this.frameReady}
              @click=${() => this.capture()}
            >
              ${t('photo.take')}
            </button>
          </div>`;
      case 'captured':
        return html`<div class="frame">
            <img src=${`data:image/jpeg;base64,${this.photo ?? ''}`} alt=${t('photo.preview')} />
          </div>
          <div class="actions">
            <button type="button" @click=${() => this.retake()}>${t('photo.retake')}</button>
          </div>`;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-camera': KioskCamera;
  }
}
