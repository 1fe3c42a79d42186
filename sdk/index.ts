/** The payments API's TypeScript client (see README.md beside this file). */

export {
  type CallOptions,
  createPaymentsClient,
  type PaymentsClient,
  type PaymentsClientOptions,
  type UpdateOrderOptions,
  type WriteOptions,
} from "./client";
export type { Clock } from "./clock";
export { systemClock } from "./clock";
export { PaymentsApiError, PaymentsApiNetworkError, PaymentsApiProblem } from "./errors";
export type { FieldError, ProblemDetails } from "./problem-body";
export { DEFAULT_RETRY_OPTIONS, type RetryOptions } from "./retry-policy";
export type { Answer } from "./retrying-call";
export type * from "./types";
