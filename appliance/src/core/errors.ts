/**
 * Domain errors. Every error has a stable UPPER_SNAKE `code` that callers and the HTTP error
 * handler branch on; the message says what is wrong in words an operator understands and
 * never contains a secret. Depends on nothing.
 */

export type DomainErrorCode =
  | 'INVALID_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'ACCOUNT_LOCKED'
  | 'PASSCODE_CHANGE_REQUIRED'
  | 'TRANSITION_NOT_ALLOWED'
  | 'ROLE_NOT_ALLOWED'
  | 'SEPARATION_OF_DUTIES'
  | 'PROCESS_MISMATCH'
  | 'REASON_REQUIRED'
  | 'PROCESS_NOT_ENABLED'
  | 'NUMBER_RANGE_EXHAUSTED'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'IDEMPOTENCY_IN_PROGRESS'
  | 'SERVICE_UNAVAILABLE'
  /** The card refused a PIN operation: wrong PIN or PUK, blocked, or not the expected card. */
  | 'CARD_REFUSED'
  /** No PUK can be had for an unblock (no device copy, the centre away or not configured). */
  | 'PUK_UNAVAILABLE'
  /** No chip card this kiosk can identify is in the reader (a badge without a chip, say). */
  | 'CARD_NOT_READABLE';

export class DomainError extends Error {
  override readonly name: string = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class InvalidInputError extends DomainError {
  override readonly name = 'InvalidInputError';
  constructor(message: string) {
    super('INVALID_INPUT', message);
  }
}

export class NotFoundError extends DomainError {
  override readonly name = 'NotFoundError';
  constructor(what: string, id: string) {
    super('NOT_FOUND', `${what} ${id} not found`);
  }
}

export class ConflictError extends DomainError {
  override readonly name = 'ConflictError';
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

export class UnauthenticatedError extends DomainError {
  override readonly name = 'UnauthenticatedError';
  constructor(message = 'sign in first') {
    super('UNAUTHENTICATED', message);
  }
}

export class ForbiddenError extends DomainError {
  override readonly name = 'ForbiddenError';
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

export type TransitionRejectionCode = Extract<
  DomainErrorCode,
  | 'TRANSITION_NOT_ALLOWED'
  | 'ROLE_NOT_ALLOWED'
  | 'SEPARATION_OF_DUTIES'
  | 'PROCESS_MISMATCH'
  | 'REASON_REQUIRED'
>;

/** A workflow event that the request's state, its process or the actor does not allow. */
export class TransitionRejectedError extends DomainError {
  override readonly name = 'TransitionRejectedError';
  constructor(code: TransitionRejectionCode, message: string) {
    super(code, message);
  }
}
