/**
 * In-process notifications of committed changes, for live views (server-sent events) and
 * the status LEDs. Emitted only after the change is durable.
 */
import { EventEmitter } from 'node:events';
import type { RequestState } from '../core/workflow/request-machine.js';

export interface RequestChanged {
  requestId: string;
  state: RequestState;
  processName: string;
  batchId: string | null;
}

export interface PasscodeChanged {
  userId: string;
  username: string;
}

export interface DomainEventMap {
  'request.changed': [RequestChanged];
  'device.changed': [];
  /** A staff member's passcode was changed (never carries the passcode). */
  'user.passcode_changed': [PasscodeChanged];
}

export class DomainEvents extends EventEmitter<DomainEventMap> {
  constructor() {
    super();
    // Every open live view subscribes once; a busy kiosk can have many.
    this.setMaxListeners(200);
  }
}
