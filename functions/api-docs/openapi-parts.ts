import * as z from "zod";
import type { ZodOpenApiResponseObject } from "zod-openapi";
import { PROBLEM_TYPE_BASE } from "../shared/http/problem-details";

/** Building blocks of the OpenAPI document shared by every group of operations. */

const fieldErrorSchema = z
  .object({
    path: z
      .string()
      .meta({ description: "Dotted path of the field.", example: "items.0.quantity" }),
    message: z.string(),
  })
  .meta({ id: "FieldError" });

/** Open, as RFC 9457 allows extension members: a client must ignore members it does not know. */
export const problemSchema = z
  .object({
    type: z.url().meta({
      description: `${PROBLEM_TYPE_BASE}<slug>; the slug names the problem.`,
      example: `${PROBLEM_TYPE_BASE}insufficient-funds`,
    }),
    title: z.string(),
    status: z.number().int().min(400).max(599).meta({ description: "The HTTP status." }),
    detail: z.string(),
    errors: z
      .array(fieldErrorSchema)
      .optional()
      .meta({ description: "On validation-error: one entry per invalid field." }),
    declineCode: z.string().optional().meta({
      description: "On card-declined: why the card was declined.",
      example: "insufficient_funds",
    }),
  })
  .meta({ id: "Problem", description: "RFC 9457 problem details (application/problem+json)." });

const headerSchemas = {
  Location: z.string().meta({ description: "Address of the created resource (a path)." }),
  ETag: z
    .string()
    .regex(/^"[0-9]+"$/)
    .meta({ description: 'The version of the resource, as a strong ETag: "3".', example: '"3"' }),
  "Idempotent-Replayed": z.literal("true").meta({
    description:
      "Present when this is the stored answer of an earlier request with the same Idempotency-Key: nothing ran again.",
  }),
  "Cache-Control": z.literal("no-store").meta({
    description: "Account and money data: no cache may keep it.",
  }),
  "Retry-After": z.string().meta({
    description: "When to retry: seconds (the API's own answers) or an HTTP-date.",
    example: "1",
  }),
  "WWW-Authenticate": z.string().meta({
    description: 'Bearer, or Bearer error="invalid_token" when a token was sent.',
    example: 'Bearer error="invalid_token"',
  }),
} as const;

export type HeaderName = keyof typeof headerSchemas;

/** The headers of one response: each one always sent (`true`) or sometimes (`"optional"`). */
export type AnswerHeaders = Partial<Record<HeaderName, true | "optional">>;

/** The response's `headers`, or nothing when it has none. */
export function responseHeaders(headers: AnswerHeaders): { headers?: z.ZodObject } {
  const entries = Object.entries(headers) as [HeaderName, true | "optional"][];
  if (entries.length === 0) return {};
  const shape: Record<string, z.ZodType> = {};
  for (const [name, presence] of entries) {
    const schema = headerSchemas[name];
    // The description goes on the optional wrapper too, or the header object loses it.
    shape[name] =
      presence === "optional"
        ? schema.optional().meta({ description: schema.description })
        : schema;
  }
  return { headers: z.object(shape) };
}

/** A success answer as an operation declares it; the route adds the headers of its kind. */
export interface AnswerSpec {
  readonly description: string;
  readonly schema: z.ZodType;
  readonly headers: AnswerHeaders;
}

export const answer = (
  description: string,
  schema: z.ZodType,
  headers: { location?: boolean; etag?: boolean } = {},
): AnswerSpec => ({
  description,
  schema,
  headers: {
    ...(headers.location ? { Location: true } : {}),
    ...(headers.etag ? { ETag: true } : {}),
  },
});

export function renderAnswer(
  spec: AnswerSpec,
  routeHeaders: AnswerHeaders,
): ZodOpenApiResponseObject {
  return {
    description: spec.description,
    ...responseHeaders({ ...spec.headers, ...routeHeaders }),
    content: { "application/json": { schema: spec.schema } },
  };
}

/** A JSON request body: strict, so the document says what the validation does with extra fields. */
export const jsonBody = (schema: z.ZodType) => ({
  required: true,
  description:
    "Unknown fields are refused (400 validation-error), so a typo never silently does nothing.",
  content: { "application/json": { schema } },
});
