/**
 * Calls `onIdle` once nobody has touched, clicked or typed for `timeoutMs`. Used to wipe the
 * walk-up screens and to sign staff out of a shared kiosk. Listens on the document in the
 * capture phase, so activity inside any shadow root counts.
 */
const ACTIVITY = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;

export class IdleTimer {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly bump = () => this.restart();

  constructor(
    private readonly timeoutMs: number,
    private readonly onIdle: () => void,
  ) {}

  start(): void {
    for (const type of ACTIVITY) document.addEventListener(type, this.bump, { capture: true, passive: true });
    this.restart();
  }

  stop(): void {
    for (const type of ACTIVITY) document.removeEventListener(type, this.bump, { capture: true });
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  restart(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.onIdle();
    }, this.timeoutMs);
  }
}
