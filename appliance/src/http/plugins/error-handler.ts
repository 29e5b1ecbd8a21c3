/**
 * The one place errors become HTTP responses: `{ error, message }` with the status the
 * error's code calls for. Validation and parsing failures say what is wrong; anything
 * unexpected is a 500 with a generic message (details go to the log, never to the client).
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { DomainError, type DomainErrorCode } from '../../core/errors.js';

const STATUS_BY_CODE: Record<DomainErrorCode, number> = {
  INVALID_INPUT: 400,
  REASON_REQUIRED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  ROLE_NOT_ALLOWED: 403,
  SEPARATION_OF_DUTIES: 403,
  PASSCODE_CHANGE_REQUIRED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TRANSITION_NOT_ALLOWED: 409,
  PROCESS_MISMATCH: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  PROCESS_NOT_ENABLED: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  ACCOUNT_LOCKED: 423,
  NUMBER_RANGE_EXHAUSTED: 503,
  SERVICE_UNAVAILABLE: 503,
  CARD_REFUSED: 422,
  PUK_UNAVAILABLE: 503,
};

export function httpStatusFor(code: DomainErrorCode): number {
  return STATUS_BY_CODE[code];
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof DomainError) {
      return reply.status(httpStatusFor(err.code)).send({ error: err.code, message: err.message });
    }
    if (err.validation) {
      const first = err.validation[0];
      const where = err.validationContext ?? 'request';
      const path = first?.instancePath
        ? `${where}${first.instancePath.replace(/\//g, '.')}`
        : where;
      const extra =
        first?.keyword === 'additionalProperties'
          ? ` (${String((first.params as { additionalProperty?: string }).additionalProperty)})`
          : '';
      return reply.status(400).send({
        error: 'INVALID_INPUT',
        message: `${path} ${first?.message ?? 'is invalid'}${extra}`,
      });
    }
    switch (err.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply
          .status(413)
          .send({ error: 'PAYLOAD_TOO_LARGE', message: 'the request body is too large' });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply
          .status(415)
          .send({ error: 'UNSUPPORTED_MEDIA_TYPE', message: 'send the body as application/json' });
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return reply
          .status(400)
          .send({ error: 'INVALID_INPUT', message: 'the JSON body is empty' });
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return reply
          .status(400)
          .send({ error: 'INVALID_INPUT', message: 'the body is not valid JSON' });
    }
    if (err instanceof SyntaxError || err.statusCode === 400) {
      return reply
        .status(400)
        .send({ error: 'INVALID_INPUT', message: 'the body is not valid JSON' });
    }
    if (err.statusCode === 429) {
      return reply
        .status(429)
        .send({ error: 'RATE_LIMITED', message: 'too many requests; wait a moment and try again' });
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.status(err.statusCode).send({ error: 'BAD_REQUEST', message: err.message });
    }
    request.log.error({ err }, 'unhandled error');
    return reply.status(500).send({
      error: 'INTERNAL',
      message: 'something went wrong on the device; staff can see details in the log',
    });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error: 'NOT_FOUND',
      message: `no route ${request.method} ${request.url.split('?')[0]}`,
    }),
  );
}
