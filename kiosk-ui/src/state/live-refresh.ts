/**
 * A reactive controller for staff views: the view loads when it comes on the page, and while
 * it is there any live event (or a reconnect) schedules one reload, coalescing bursts (a
 * batch run changes many requests at once) into a single fetch.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { StaffEvent, StaffEventStream } from '../data/event-stream.js';

const COALESCE_MS = 150;

export class LiveRefresh implements ReactiveController {
  private unsubscribe: (() => void) | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    host: ReactiveControllerHost,
    private readonly stream: () => StaffEventStream | undefined,
    private readonly reload: () => void,
    private readonly wants: (e: StaffEvent) => boolean = () => true,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.reload();
    this.unsubscribe =
      this.stream()?.subscribe((e) => {
        if (!this.wants(e) || this.timer) return;
        this.timer = setTimeout(() => {
          this.timer = null;
          this.reload();
        }, COALESCE_MS);
      }) ?? null;
  }

  hostDisconnected(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
