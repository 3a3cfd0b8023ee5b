import { pino, stdSerializers, type Logger as PinoLogger } from 'pino';

/** Structured JSON logs on stdout (pino), one object per line, for Loki. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** Keys whose values never reach a log line, at the top level or one object down (e.g. `headers.authorization`). */
const secretKeys = ['password', 'token', 'accessToken', 'refreshToken', 'secret', 'authorization', 'cookie', 'email', 'apiKey'];
const redactPaths = secretKeys.flatMap((key) => [key, `*.${key}`, `*.headers.${key}`]);

const emailPattern = /[\w.+-]+@[\w-]+(\.[\w-]+)+/g;
const bearerPattern = /\b(Bearer|Basic)\s+[\w\-.~+/=]+/gi;

/** Emails and credentials that slipped into free text (an error message, a detail) are masked too. */
function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(bearerPattern, '$1 [Redacted]').replace(emailPattern, '[Redacted email]');
  if (value instanceof Error) return scrub(stdSerializers.err(value), depth + 1);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrub(item, depth + 1)]));
}

function wrap(logger: PinoLogger): Logger {
  const emit = (level: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    if (logger.isLevelEnabled(level)) logger[level](fields ?? {}, scrub(msg) as string);
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (fields) => wrap(logger.child(fields)),
  };
}

/**
 * A logger whose lines carry `time` (ISO 8601), `level` (its name), `msg` and
 * the `base` fields (e.g. `service`); `write` receives each line (tests).
 */
export function createLogger(base: Record<string, unknown>, level: LogLevel = 'info', write?: (line: string) => void): Logger {
  const options = {
    level,
    base,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label: string) => ({ level: label }),
      log: (object: Record<string, unknown>) => scrub(object) as Record<string, unknown>,
    },
    serializers: { error: stdSerializers.err, err: stdSerializers.err },
    redact: { paths: redactPaths, censor: '[Redacted]' },
  };
  // Synchronous stdout: the lines written just before process.exit (shutdown,
  // a fatal error) must not be lost in a buffer; log volume here is modest.
  const stdout = pino.destination({ dest: 1, sync: true });
  return wrap(pino(options, write ? { write: (line: string) => write(line.trimEnd()) } : stdout));
}
