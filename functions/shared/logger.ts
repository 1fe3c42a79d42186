import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Structured JSON logs, one line per event, with the request's correlation
 * id. The id lives in AsyncLocalStorage, not in the logger, because the local
 * gateway runs many requests in one process at once.
 */
export interface Logger {
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

const correlation = new AsyncLocalStorage<{ correlationId: string }>();

export function withCorrelationId<T>(correlationId: string, run: () => T): T {
  return correlation.run({ correlationId }, run);
}

export function createLogger(service: string): Logger {
  const write = (level: string, message: string, attributes?: Record<string, unknown>) => {
    const line = {
      level,
      message,
      service,
      timestamp: new Date().toISOString(),
      correlationId: correlation.getStore()?.correlationId,
      ...attributes,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  };
  return {
    info: (message, attributes) => write("INFO", message, attributes),
    warn: (message, attributes) => write("WARN", message, attributes),
    error: (message, attributes) => write("ERROR", message, attributes),
  };
}
