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
