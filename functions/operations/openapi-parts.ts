import * as z from "zod";
import type { ZodOpenApiOperationObject, ZodOpenApiResponseObject } from "zod-openapi";

/** Building blocks of the OpenAPI document shared by every group of operations. */

const problemSchema = z
  .object({
    type: z.string().meta({ example: "https://payments.example.com/problems/insufficient-funds" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .meta({ description: "Present on validation-error: one entry per invalid field." }),
  })
  .meta({ id: "Problem", description: "RFC 9457 problem details." });

const header = (description: string) => z.string().meta({ description });
const headers = {
  location: header("Address of the created resource."),
  etag: header('The version of the resource, as a strong ETag: "3".'),
  replayed: header("true when this is the stored answer of an earlier request with the same key."),
  retryAfter: header("Seconds to wait before retrying."),
};

const problemStatuses: Record<number, string> = {
  400: "Validation error, malformed JSON, or a missing or invalid Idempotency-Key.",
  401: "Missing or invalid bearer token.",
  404: "Not found, or not the caller's.",
  409: "Business conflict, or a request with this key still in progress (with Retry-After).",
  412: "If-Match does not match the current version.",
  413: "Body over 64 KiB.",
  415: "Body not application/json.",
  422: "Idempotency-Key already used for a different request.",
  428: "If-Match is required.",
  503: "A store is unavailable; retry after Retry-After.",
};

export function problems(statuses: readonly number[]): Record<string, ZodOpenApiResponseObject> {
  return Object.fromEntries(
    statuses.map((status) => [
      String(status),
      {
        description: problemStatuses[status] ?? "Error",
        content: { "application/problem+json": { schema: problemSchema } },
        ...(status === 409 || status === 503
          ? { headers: z.object({ "retry-after": headers.retryAfter.optional() }) }
          : {}),
      },
    ]),
  );
}

/** A JSON success answer; replays of idempotent routes carry the same headers. */
export function jsonAnswer(
  description: string,
  schema: z.ZodType,
  answerHeaders: { location?: boolean; etag?: boolean } = {},
): ZodOpenApiResponseObject {
  return {
    description,
    content: { "application/json": { schema } },
    headers: z.object({
      ...(answerHeaders.location ? { location: headers.location } : {}),
      ...(answerHeaders.etag ? { etag: headers.etag } : {}),
      "idempotent-replayed": headers.replayed.optional(),
    }),
  };
}

export const jsonBody = (schema: z.ZodType) => ({
  required: true,
  content: { "application/json": { schema } },
});

/** The documented parts of an operation; the route table supplies the rest. */
export type OperationSpec = Omit<ZodOpenApiOperationObject, "operationId" | "responses"> & {
  readonly success: Record<string, ZodOpenApiResponseObject>;
  /** Problem statuses beyond the ones every route of its kind has. */
  readonly errors: readonly number[];
};
