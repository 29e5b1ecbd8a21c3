/**
 * The JSON body parser: Fastify's own (secure-json-parse, prototype poisoning refused) behind
 * a nesting-depth check, so a body like `[[[[…]]]]` is refused as bad input before any hook or
 * handler walks it. Such a body parses fine, but every recursive walk after that (the
 * idempotency fingerprint's JSON.stringify, a log serialiser, a deep-equal) overflows the stack
 * and turns bad input into a 500. Size is bounded by the app's bodyLimit (413) before this runs.
 */
import type { FastifyInstance } from 'fastify';
import { InvalidInputError } from '../../core/errors.js';

/**
 * The deepest body the API takes is two levels (a walk-up with its photo); a few levels more
 * leaves room for new routes without letting a recursive walk get anywhere near the stack.
 */
export const MAX_JSON_DEPTH = 16;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether JSON text nests objects and arrays deeper than `maxDepth`. One pass over the text,
 * brackets inside strings ignored; it does not check the text is valid JSON (the parser does).
 */
export function jsonNestsDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return false;
}

export function installJsonBodyParser(app: FastifyInstance, maxDepth = MAX_JSON_DEPTH): void {
  // Fastify's defaults for both poisoning checks, so its protection stays as it was.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (jsonNestsDeeperThan(text, maxDepth)) {
      done(new InvalidInputError(`the JSON body nests deeper than ${maxDepth} levels`), undefined);
      return;
    }
    parseJson(request, text, done);
  });
}
