/**
 * A notification's life as data: queued → sent, or → retrying (after a failed attempt while
 * attempts are left; the next attempt waits by exponential backoff) → sent | failed (the
 * last attempt failed, or the recipient refused it for good). Staff may send a failed one
 * again (→ queued). Same shape and transition function as the request and visit machines.
 * Pure; depends on nothing outside core.
 */
import type { Actor } from '../roles.js';
import type { MachineDefinition, MachineTable } from '../state-machine/table-machine.js';

export const NOTIFICATION_STATES = ['queued', 'retrying', 'sent', 'failed'] as const;
export type NotificationState = (typeof NOTIFICATION_STATES)[number];

export const NOTIFICATION_EVENTS = ['delivered', 'attempt_failed', 'resend'] as const;
export type NotificationEventType = (typeof NOTIFICATION_EVENTS)[number];

export interface NotificationEvent {
  type: NotificationEventType;
  /** Attempts made including this one. */
  attempts?: number;
  /** The server refused for good (5xx SMTP reply, 4xx webhook answer): no retry helps. */
  permanent?: boolean;
}

export type NotificationGuardName = 'attemptsLeft' | 'noAttemptsLeft';
export type NotificationEffectName = 'scheduleRetry';

export interface NotificationGuardContext {
  event: NotificationEvent;
  actor: Actor;
  maxAttempts: number;
}

const FAILURE = [
  {
    target: 'retrying' as const,
    roles: ['system' as const],
    guards: ['attemptsLeft' as const],
    effects: ['scheduleRetry' as const],
  },
  { target: 'failed' as const, roles: ['system' as const], guards: ['noAttemptsLeft' as const] },
];

export const NOTIFICATION_TABLE: MachineTable<
  NotificationState,
  NotificationEventType,
  NotificationGuardName,
  NotificationEffectName
> = {
  queued: {
    delivered: [{ target: 'sent', roles: ['system'] }],
    attempt_failed: FAILURE,
  },
  retrying: {
    delivered: [{ target: 'sent', roles: ['system'] }],
    attempt_failed: FAILURE,
  },
  sent: {},
  failed: {
    resend: [
      { target: 'queued', roles: ['security_staff', 'registration_officer', 'device_admin'] },
    ],
  },
};

function attemptsLeft(ctx: NotificationGuardContext): boolean {
  return !ctx.event.permanent && (ctx.event.attempts ?? 0) < ctx.maxAttempts;
}

export const NOTIFICATION_MACHINE: MachineDefinition<
  NotificationState,
  NotificationEventType,
  NotificationGuardName,
  NotificationEffectName,
  NotificationGuardContext
> = {
  noun: 'notification',
  states: NOTIFICATION_STATES,
  events: NOTIFICATION_EVENTS,
  initial: ['queued'],
  final: ['sent'],
  table: NOTIFICATION_TABLE,
  guards: {
    attemptsLeft: (ctx) =>
      attemptsLeft(ctx)
        ? null
        : { code: 'TRANSITION_NOT_ALLOWED', message: 'no attempts are left' },
    noAttemptsLeft: (ctx) =>
      attemptsLeft(ctx) ? { code: 'TRANSITION_NOT_ALLOWED', message: 'attempts are left' } : null,
  },
};
