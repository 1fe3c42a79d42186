import type { ZodOpenApiResponseObject } from "zod-openapi";

import {
  IdempotencyKeyInProgressError,
  IdempotencyKeyInvalidError,
  IdempotencyKeyMissingError,
  IdempotencyKeyReusedError,
  IdempotencyStoreUnavailableError,
} from "../idempotency";
import { MAX_BODY_BYTES } from "../shared/http/parse-request";
import {
  HttpProblem,
  internalError,
  PROBLEM_CONTENT_TYPE,
  type ProblemLike,
  renderProblem,
} from "../shared/http/problem-details";
import { gatewayProblems, problems } from "../shared/http/problem-types";
import { type AnswerHeaders, problemSchema, responseHeaders } from "./openapi-parts";

/**
 * One example of every problem the document names, by slug, made by the
 * constructors the API itself answers with and rendered by the same
 * renderer: the examples cannot drift from the answers.
 */
const examples = {
  "validation-error": problems.validation([
    { path: "amount", message: "Too small: expected number to be >0" },
  ]),
  "malformed-json": problems.malformedJson(),
  "idempotency-key-missing": new IdempotencyKeyMissingError(),
  "idempotency-key-invalid": new IdempotencyKeyInvalidError(
    "The key may not contain a comma: it cannot be told apart from two values.",
  ),
  unauthorized: problems.unauthorized(true),
  "not-found": problems.notFound("The account"),
  "insufficient-funds": problems.insufficientFunds("the source account", 500, 1200),
  "balance-limit-exceeded": problems.balanceLimitExceeded("the account"),
  "currency-mismatch": problems.currencyMismatch(
    "The source account holds EUR and the destination USD.",
  ),
  "invalid-state-transition": problems.invalidStateTransition("cancelled"),
  "order-already-paid": problems.orderAlreadyPaid(),
  "payment-in-progress": problems.paymentInProgress(),
  "card-declined": problems.cardDeclined("insufficient_funds"),
  "payment-processor-unavailable": problems.paymentProcessorUnavailable(2),
  "webhook-signature-invalid": problems.webhookSignatureInvalid(),
  "idempotency-key-in-progress": new IdempotencyKeyInProgressError(1),
  "refund-exceeds-payment": problems.refundExceedsPayment(500),
  "precondition-failed": problems.preconditionFailed(),
  "payload-too-large": problems.payloadTooLarge(MAX_BODY_BYTES),
  "unsupported-media-type": problems.unsupportedMediaType(),
  "idempotency-key-reused": new IdempotencyKeyReusedError(),
  "precondition-required": problems.preconditionRequired(),
  // API Gateway's stage throttling or the web ACL answers it; no function of the API does.
  "rate-limited": new HttpProblem(
    429,
    "rate-limited",
    "Too many requests",
    "Slow down and retry later.",
  ),
  "internal-error": internalError(),
  "idempotency-store-unavailable": new IdempotencyStoreUnavailableError(1),
  "service-unavailable": problems.serviceUnavailable(1),
  // The gateway's own answer when a function runs past its timeout.
  "gateway-timeout": gatewayProblems.gatewayTimeout(),
} satisfies Record<string, ProblemLike>;

export type ProblemSlug = keyof typeof examples;

/** What each status means, whatever the operation. */
const statusSummaries: Readonly<Record<number, string>> = {
  400: "The request is not valid; nothing ran and nothing was stored: fix it and send it again.",
  401: "Missing or invalid bearer token.",
  402: "The card was declined. Stored: the same key answers it again; pay again under a new key.",
  404: "Not found, or not the caller's.",
  409: "Refused by the rules of money or of the order's state. Final: retrying gives the same answer.",
  412: "If-Match does not match the current version: read again, then send the update under a new key.",
  413: "Body over 64 KiB.",
  415: "Body not application/json.",
  422: "This Idempotency-Key was already used for a different request.",
  428: "If-Match is required.",
  429: "Throttled: by the stage, for all callers together, or at the edge, for this caller (one bearer token, or one IP address without a token; that answer's Content-Type is application/json). Retry later, after Retry-After when it is sent.",
  500: "The server failed. A failed write is not stored: retried with the same key, it runs again.",
  503: "Not run: retry after Retry-After.",
  504: "The function timed out. Retrying is safe: a write retried with the same key is replayed if it committed.",
};

/** The response for a problem status: its slugs, one example each, its headers. */
export function problemResponse(
  status: number,
  slugs: readonly ProblemSlug[],
  headers: AnswerHeaders,
): ZodOpenApiResponseObject {
  const listed = slugs.map((slug) => `\`${slug}\``).join(", ");
  return {
    description: `${statusSummaries[status] ?? "Error."} Problem types: ${listed}.`,
    ...responseHeaders(headers),
    content: {
      [PROBLEM_CONTENT_TYPE]: {
        schema: problemSchema,
        examples: Object.fromEntries(slugs.map((slug) => [slug, exampleOf(slug, status)])),
      },
    },
  };
}

function exampleOf(slug: ProblemSlug, status: number) {
  const problem: ProblemLike = examples[slug];
  if (problem.statusCode !== status) {
    throw new Error(`${slug} is a ${problem.statusCode}, listed under ${status}`);
  }
  return { summary: problem.title, value: JSON.parse(renderProblem(problem).body) as unknown };
}
