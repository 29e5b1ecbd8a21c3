/** Events the walk-up screens send up to kiosk-walk-up, which owns the draft and the step. */
import type { WalkUpDraft } from '../../state/walk-up-draft.js';

export type WalkUpStep =
  | 'attract'
  | 'kind'
  | 'details'
  | 'photo'
  | 'terms'
  | 'status'
  // Issue 15: the holder changes the PIN with the card in the encoder.
  | 'pin-change'
  // Issue 16: an invited visitor (code, then the invitation), and "I'm leaving".
  | 'invitation-code'
  | 'invitation'
  | 'leaving'
  | 'left';

export function patchDraft(from: HTMLElement, patch: Partial<WalkUpDraft>): void {
  from.dispatchEvent(
    new CustomEvent('draft-patch', { detail: patch, bubbles: true, composed: true }),
  );
}

export function goTo(from: HTMLElement, step: WalkUpStep): void {
  from.dispatchEvent(new CustomEvent('go-to', { detail: step, bubbles: true, composed: true }));
}

declare global {
  interface HTMLElementEventMap {
    'draft-patch': CustomEvent<Partial<WalkUpDraft>>;
    'go-to': CustomEvent<WalkUpStep>;
  }
}
