import type { Logger } from "../../functions/shared/logger";

/** Logging costs every variant the same; the benchmarks leave it out. */
export const quietLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
