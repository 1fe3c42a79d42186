import type { IdempotentAttempt } from "../core/attempt";
import { DEFAULT_MAX_STORED_ANSWER_BYTES } from "../core/constants";
import { IdempotencyConfigurationError, IdempotencyResponseTooLargeError } from "../core/errors";
import { DEFAULT_STORED_HEADERS } from "./constants";
import {
  bodyBytes,
  type HttpResponse,
  type HttpResult,
  normalizeResponse,
  serializeStoredResponse,
  toReplayResponse,
  toStoredResponse,
} from "./response";

export interface HttpAnswerOptions {
  /** @default ["content-type", "location", "etag"] */
  readonly storedHeaders?: readonly string[];
  /** @default DEFAULT_MAX_STORED_ANSWER_BYTES (65_536) */
  readonly maxStoredAnswerBytes?: number;
}

/** The stored form of an HTTP answer that fits, or why it cannot be stored. */
export function storableAnswer(response: HttpResponse, options: HttpAnswerOptions = {}) {
  const stored = toStoredResponse(response, options.storedHeaders ?? DEFAULT_STORED_HEADERS);
  const bytes = bodyBytes(stored);
  const limit = options.maxStoredAnswerBytes ?? DEFAULT_MAX_STORED_ANSWER_BYTES;
  return bytes > limit
    ? ({ fits: false, bytes, limit } as const)
    : ({ fits: true, answer: serializeStoredResponse(stored) } as const);
}

/**
 * Commits `writes` and an HTTP answer through an attempt, as the middleware
 * stores answers: the same stored form, so a retry replays byte for byte
 * what was committed, whoever committed it (the request's own attempt, or a
 * reconciler resuming it outside Middy).
 *
 * @returns the answer, or (commit strategy) the replay of the answer a duplicate committed first
 * @throws IdempotencyResponseTooLargeError before anything is written, when the answer cannot be stored
 */
export async function commitHttpAnswer<TWrite>(
  attempt: IdempotentAttempt<TWrite>,
  writes: readonly TWrite[],
  result: HttpResult,
  options: HttpAnswerOptions = {},
): Promise<HttpResponse> {
  const response = normalizeResponse(result);
  if (response.statusCode >= 500) {
    throw new IdempotencyConfigurationError("commit() stores answers below 500 only.");
  }
  const stored = storableAnswer(response, options);
  if (!stored.fits) {
    throw new IdempotencyResponseTooLargeError(
      `The answer (${stored.bytes} bytes) exceeds maxStoredAnswerBytes (${stored.limit}).`,
    );
  }
  const settlement = await attempt.commit(writes, stored.answer);
  return settlement.kind === "replay" ? toReplayResponse(settlement.answer) : response;
}
