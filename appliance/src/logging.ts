/**
 * The appliance's logger: pino, JSON lines to stdout (journald keeps them), one child per
 * module. Cookies, status codes and anything named like a secret are redacted as a second
 * line of defence; the first is that no code passes secrets to a logger at all.
 */
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';

export const REDACTED_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  '*.pin',
  '*.puk',
  '*.passcode',
  '*.newPasscode',
  '*.currentPasscode',
  '*.oneTimePasscode',
  '*.privateKey',
];

export function createLogger(level: string, destination?: DestinationStream): PinoLogger {
  return pino(
    {
      level,
      base: { service: 'cardkiosk' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}
