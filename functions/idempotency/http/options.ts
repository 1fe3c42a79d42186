import type { IdempotencyError } from "../core/errors";
import {
  type IdempotencyCoreOptions,
  type ResolvedCoreOptions,
  resolveCoreOptions,
} from "../core/options";
import { DEFAULT_STORED_HEADERS } from "./constants";
import { renderProblemAnswer } from "./default-problem-answer";
import { type IdempotentHttpEvent, principalFromAuthorizer } from "./http-event";
import type { HttpResult } from "./response";

export interface IdempotencyOptions<TWrite> extends IdempotencyCoreOptions<TWrite> {
  /**
   * The caller whose keys these are. A request without one is refused: an
   * unscoped key would let one caller receive another's stored answer.
   * @default the `sub` claim the API Gateway JWT authorizer put in the event
   */
  readonly getPrincipal?: (event: IdempotentHttpEvent) => string | undefined;
  /**
   * Response headers stored and replayed (case-insensitive).
   * @default ["content-type", "location", "etag"]
   */
  readonly storedHeaders?: readonly string[];
  /**
   * Renders a refusal the middleware must answer itself: a business error
   * already rendered by the error middleware turned out, at its commit, to
   * be under a key of another request (422). Pass the renderer your error
   * middleware uses, so every problem looks the same.
   * @default RFC 9457 problem+json with `type: "about:blank"` and the slug as `code`
   */
  readonly renderError?: (error: IdempotencyError) => HttpResult;
}

export type ResolvedIdempotencyOptions<TWrite> = ResolvedCoreOptions<TWrite> &
  Required<Pick<IdempotencyOptions<TWrite>, "getPrincipal" | "storedHeaders" | "renderError">>;

export function resolveOptions<TWrite>(
  options: IdempotencyOptions<TWrite>,
): ResolvedIdempotencyOptions<TWrite> {
  return {
    ...resolveCoreOptions(options),
    getPrincipal: options.getPrincipal ?? principalFromAuthorizer,
    storedHeaders: options.storedHeaders ?? DEFAULT_STORED_HEADERS,
    renderError: options.renderError ?? renderProblemAnswer,
  };
}
