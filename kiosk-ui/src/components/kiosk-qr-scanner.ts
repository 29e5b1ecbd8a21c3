/**
 * The kiosk camera as a QR reader: a live picture and, a few times a second, a downscaled
 * frame sent to the decoding Worker (one frame in flight at a time, so a slow Pi just reads
 * less often instead of queueing work). Each new text read is sent up in a `qr-read` event;
 * the screen decides whether it is what it was waiting for. Without a camera it says so and
 * the screen offers typing instead. The camera and the Worker are released when the element
 * leaves the page.
 */
import { html, css } from 'lit';
import { customElement, query, state } from 'lit/decorators.js';
import { LocalizedElement, t } from '../i18n/i18n.js';
import { sharedStyles } from '../styles/shared.js';
import { openFrontCamera, stopFrontCamera } from '../state/front-camera.js';

/** About four frames a second: quick enough for a hand holding a phone, light on the CPU. */
const SCAN_INTERVAL_MS = 250;
/** QR codes on a phone or a badge need no more than this; fewer pixels decode faster. */
const MAX_FRAME_WIDTH_PX = 640;

type ScannerState = 'starting' | 'live' | 'unavailable';

@customElement('kiosk-qr-scanner')
export class KioskQrScanner extends LocalizedElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      .frame {
        height: clamp(140px, 38vh, 720px);
        aspect-ratio: 4 / 3;
        max-width: 100%;
        background: var(--surface-alt);
        border-radius: var(--radius);
        overflow: hidden;
      }
      video {
        width: 100%;
        height: 100%;
        object-fit: cover;
        transform: scaleX(-1);
      }
    `,
  ];

  @state() private camera: ScannerState = 'starting';
  @query('video') private video?: HTMLVideoElement;
  private stream: MediaStream | null = null;
  private worker: Worker | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private inFlight = false;
  private lastText: string | null = null;
  private canvas: HTMLCanvasElement | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stop();
  }

  /** Forget the last text, so showing the same code again is reported again. */
  rearm(): void {
    this.lastText = null;
  }

  private async start(): Promise<void> {
    const stream = await openFrontCamera({
      connected: () => this.isConnected,
      live: (s) => {
        this.stream = s;
        this.camera = 'live';
      },
      whenRendered: () => this.updateComplete,
      video: () => this.video ?? null,
    });
    if (!stream) {
      if (this.isConnected) this.camera = 'unavailable';
      return;
    }
    try {
      this.worker = new Worker(new URL('../qr/qr-decode-worker.ts', import.meta.url), {
        type: 'module',
      });
      this.worker.addEventListener('message', (e: MessageEvent<string | null>) => {
        this.inFlight = false;
        this.found(e.data);
      });
      this.worker.addEventListener('error', () => (this.inFlight = false));
      this.timer = setInterval(() => this.scanFrame(), SCAN_INTERVAL_MS);
    } catch {
      this.camera = 'unavailable';
    }
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.worker?.terminate();
    this.worker = null;
    this.inFlight = false;
    stopFrontCamera(this.stream);
    this.stream = null;
  }

  private scanFrame(): void {
    const video = this.video;
    if (this.inFlight || !this.worker || !video || !video.videoWidth) return;
    const scale = Math.min(1, MAX_FRAME_WIDTH_PX / video.videoWidth);
    const width = Math.round(video.videoWidth * scale);
    const height = Math.round(video.videoHeight * scale);
    this.canvas ??= document.createElement('canvas');
    this.canvas.width = width;
    this.canvas.height = height;
    const ctx = this.canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) return;
    ctx.drawImage(video, 0, 0, width, height);
    const frame = ctx.getImageData(0, 0, width, height);
    this.inFlight = true;
    this.worker.postMessage(frame, [frame.data.buffer]);
  }

  private found(text: string | null): void {
    if (!text || text === this.lastText) return;
    this.lastText = text;
    this.dispatchEvent(new CustomEvent('qr-read', { detail: text, bubbles: true, composed: true }));
  }

  override render() {
    switch (this.camera) {
      case 'unavailable':
        return html`<p class="notice" role="status">${t('scan.noCamera')}</p>`;
      case 'starting':
        return html`<p role="status">${t('photo.starting')}</p>`;
      case 'live':
        return html`<div class="frame">
          <video muted playsinline aria-label=${t('scan.live')}></video>
        </div>`;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-qr-scanner': KioskQrScanner;
  }
  interface HTMLElementEventMap {
    'qr-read': CustomEvent<string>;
  }
}
