/** A QR code drawn in the browser from `value` (no request leaves the kiosk for it). */
import { html, css, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import QRCode from 'qrcode';
import { LocalizedElement } from '../i18n/i18n.js';

@customElement('kiosk-qr-code')
export class KioskQrCode extends LocalizedElement {
  static override styles = css`
    img {
      display: block;
      /* Scales with the screen (--qr-size), so a phone across a large screen still reads it. */
      width: var(--qr-size, 240px);
      height: var(--qr-size, 240px);
      image-rendering: pixelated;
      background: #fff;
    }
  `;

  @property() value = '';
  @property() label = '';
  @state() private dataUrl = '';

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('value')) return;
    const value = this.value;
    if (!value) {
      this.dataUrl = '';
      return;
    }
    QRCode.toDataURL(value, { errorCorrectionLevel: 'M', margin: 2, width: 480 })
      .then((url) => {
        if (this.value === value) this.dataUrl = url;
      })
      .catch(() => (this.dataUrl = ''));
  }

  override render() {
    return this.dataUrl ? html`<img src=${this.dataUrl} alt=${this.label} />` : null;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kiosk-qr-code': KioskQrCode;
  }
}
