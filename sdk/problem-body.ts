import * as z from "zod";

/** One invalid field of a validation-error. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** RFC 9457 problem details, as far as the client relies on them. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly errors?: readonly FieldError[];
}

// Open: problems may carry extension members, and the API may add some.
const problemSchema = z.looseObject({
  type: z.string().min(1),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  errors: z.array(z.looseObject({ path: z.string(), message: z.string() })).optional(),
});

/**
 * The problem an error answer carries. A body that is not a problem (a
 * proxy's HTML page, a gateway's `{"message": ...}`) becomes `about:blank`
 * with the status, as RFC 9457 has it for problems with no more meaning.
 */
export function problemFromBody(body: unknown, status: number, statusText: string): ProblemDetails {
  const parsed = problemSchema.safeParse(body);
  if (parsed.success) {
    const { type, title, detail, errors } = parsed.data;
    return {
      type,
      title,
      status,
      ...(detail === undefined ? {} : { detail }),
      ...(errors === undefined
        ? {}
        : { errors: errors.map(({ path, message }) => ({ path, message })) }),
    };
  }
  return { type: "about:blank", title: statusText || `HTTP ${status}`, status };
}

/** The last path segment of the problem's `type`: `insufficient-funds`. */
export function slugOf(type: string): string {
  return type.slice(type.lastIndexOf("/") + 1);
}
