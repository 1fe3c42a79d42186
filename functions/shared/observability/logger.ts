import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";

/**
 * What the project's code logs through: structured JSON, one line per event.
 * Powertools' Logger is the implementation; tests pass silent stand-ins.
 */
export interface Logger {
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}

/**
 * A Powertools Logger for one function (the route id, or `outbox-publisher`):
 * JSON lines with the level, the service, the Lambda request id, the cold
 * start flag, the X-Ray trace id and the request's correlation id. The level
 * comes from POWERTOOLS_LOG_LEVEL (INFO by default).
 */
export function createLogger(service: string): PowertoolsLogger {
  return new PowertoolsLogger({ serviceName: service });
}

export type { PowertoolsLogger };
