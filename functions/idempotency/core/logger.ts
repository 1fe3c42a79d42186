/**
 * What the layer logs through: Powertools' Logger, or any logger with these
 * three methods, fits as it is. Silent unless one is given, so the layer
 * can be lifted into a function without deciding how it logs.
 */
export interface IdempotencyLogger {
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}

export const silentLogger: IdempotencyLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Error details that are safe to log: no stack of the caller's data, no items. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  const cause = error.cause instanceof Error ? { cause: error.cause.name } : {};
  return { error: error.name, errorMessage: error.message, ...cause };
}
