import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Tokens, codes, phone and certificate numbers must never reach a log line:
 * the redaction list is the safety net, the habit is not to pass them in the first place.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: undefined,
    redact: {
      paths: ['token', 'code', 'phone', 'certificate', '*.token', '*.code', '*.phone', '*.certificate', 'req.headers.authorization', 'headers.authorization'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
