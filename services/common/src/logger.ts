/** Severity of a log line. */
export type LogLevel = "info" | "warn" | "error";

/** Extra key/value pairs added to a log line after the standard keys. */
export type LogFields = Record<string, unknown>;

/** Structured logger that every service receives as a parameter, so tests can read its output. */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Service name written into every line. */
  service: string;
  /** Function that receives each line without its trailing newline. The default writes to stdout. */
  write?: (line: string) => void;
  /** Clock for the `time` key. The default is the system clock. */
  now?: () => Date;
}

/**
 * Creates a logger that writes one JSON object per line with the keys `time` (ISO 8601),
 * `level`, `service` and `message` first, followed by the fields. A field that reuses one of
 * those four names is dropped. Error values are written as `name`, `message`, their enumerable fields (such as
 * `code`), `stack` and `cause`.
 */
export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? writeToStdout;
  const now = options.now ?? (() => new Date());

  const log = (level: LogLevel, message: string, fields: LogFields = {}): void => {
    const line: LogFields = { time: now().toISOString(), level, service: options.service, message };
    for (const [key, value] of Object.entries(fields)) {
      if (!(key in line)) line[key] = value;
    }
    write(JSON.stringify(line, serializeErrors));
  };

  return {
    info: (message, fields) => log("info", message, fields),
    warn: (message, fields) => log("warn", message, fields),
    error: (message, fields) => log("error", message, fields),
  };
}

function writeToStdout(line: string): void {
  process.stdout.write(`${line}\n`);
}

// JSON.stringify writes an Error as {} because `name`, `message` and `stack` are not enumerable.
function serializeErrors(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const serialized: LogFields = { name: value.name, message: value.message };
  // Enumerable fields include Node's `code`, `errno` and `syscall`.
  Object.assign(serialized, value);
  serialized.stack = value.stack;
  if (value.cause !== undefined) serialized.cause = value.cause;
  return serialized;
}
