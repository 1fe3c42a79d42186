/**
 * What the middleware logs through. Powertools' Logger fits as it is; the
 * default writes one JSON line per event to stderr.
 */
export interface IdempotencyLogger {
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

function write(level: string, message: string, attributes?: Record<string, unknown>): void {
  process.stderr.write(
    `${JSON.stringify({ level, message, timestamp: new Date().toISOString(), ...attributes })}\n`,
  );
}

export const jsonLinesLogger: IdempotencyLogger = {
  info: (message, attributes) => write("INFO", message, attributes),
  warn: (message, attributes) => write("WARN", message, attributes),
  error: (message, attributes) => write("ERROR", message, attributes),
};

/** Error details that are safe to log: no stack of the caller's data, no items. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  const cause = error.cause instanceof Error ? { cause: error.cause.name } : {};
  return { error: error.name, errorMessage: error.message, ...cause };
}
