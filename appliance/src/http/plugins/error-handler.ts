/**
 * The one place errors become HTTP responses: `{ error, message }` with the status the
 * error's code calls for. Validation and parsing failures say what is wrong; anything
 * unexpected is a 500 with a generic message (details go to the log, never to the client).
 * Errors Fastify's router raises before a route is found (a URL that does not decode, a path
 * parameter over the router's length limit) come through `frameworkErrors` and get the same
 * shape; their messages never echo the URL back.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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
  CARD_NOT_READABLE: 422,
};

/** Fastify's router keeps path parameters up to this length (its default, stated here). */
export const MAX_PATH_PARAM_LENGTH = 100;

export function httpStatusFor(code: DomainErrorCode): number {
  return STATUS_BY_CODE[code];
}

export interface ErrorAnswer {
  status: number;
  body: { error: string; message: string };
}

const answer = (status: number, error: string, message: string): ErrorAnswer => ({
  status,
  body: { error, message },
});

/** The status and `{ error, message }` body for an error; null: unexpected (a 500). */
export function errorAnswerFor(err: FastifyError): ErrorAnswer | null {
  if (err instanceof DomainError) return answer(httpStatusFor(err.code), err.code, err.message);
  if (err.validation) {
    const first = err.validation[0];
    const where = err.validationContext ?? 'request';
    const path = first?.instancePath ? `${where}${first.instancePath.replace(/\//g, '.')}` : where;
    const extra =
      first?.keyword === 'additionalProperties'
        ? ` (${String((first.params as { additionalProperty?: string }).additionalProperty)})`
        : '';
    return answer(400, 'INVALID_INPUT', `${path} ${first?.message ?? 'is invalid'}${extra}`);
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return answer(413, 'PAYLOAD_TOO_LARGE', 'the request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return answer(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return answer(400, 'INVALID_INPUT', 'the JSON body is empty');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return answer(400, 'INVALID_INPUT', 'the body is not valid JSON');
    case 'FST_ERR_BAD_URL':
      return answer(400, 'INVALID_INPUT', 'the URL is not valid percent-encoded UTF-8');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return answer(
        400,
        'INVALID_INPUT',
        `a path parameter is longer than ${MAX_PATH_PARAM_LENGTH} characters`,
      );
  }
  if (err instanceof SyntaxError || err.statusCode === 400)
    return answer(400, 'INVALID_INPUT', 'the body is not valid JSON');
  if (err.statusCode === 429)
    return answer(429, 'RATE_LIMITED', 'too many requests; wait a moment and try again');
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
    return answer(err.statusCode, 'BAD_REQUEST', err.message);
  return null;
}

function sendError(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const known = errorAnswerFor(err);
  if (known) return reply.status(known.status).send(known.body);
  request.log.error({ err }, 'unhandled error');
  return reply.status(500).send({
    error: 'INTERNAL',
    message: 'something went wrong on the device; staff can see details in the log',
  });
}

/** For Fastify's `frameworkErrors` option: router errors raised before any route or hook. */
export function frameworkErrorHandler(
  err: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  void sendError(err, request, reply);
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler(sendError);

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    // The path is the caller's own input: echo enough to recognise it, not a megabyte of it.
    const shown = path.length > 120 ? `${path.slice(0, 120)}…` : path;
    return reply
      .status(404)
      .send({ error: 'NOT_FOUND', message: `no route ${request.method} ${shown}` });
  });
}
