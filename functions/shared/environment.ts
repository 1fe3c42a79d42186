import { type $ZodType, type output, safeParse } from "zod/v4/core";

/**
 * The one way the project reads an environment: parsed with `schema`, or
 * one error naming every bad variable, so a typo stops the process at start
 * with the variable's name instead of failing on the first request.
 *
 * Any zod schema: zod's own, or zod/mini's where a bundle must stay small
 * (the canary's inline script). This module loads zod's core alone for it.
 */
export function parseEnvironment<T extends $ZodType>(
  schema: T,
  environment: NodeJS.ProcessEnv = process.env,
  what = "Invalid environment",
): output<T> {
  const parsed = safeParse(schema, environment);
  if (!parsed.success) throw new Error(`${what}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/**
 * Every issue of a failed parse as `path: message`, in one line: what an
 * error at start (or about one bad item) names. `root` stands for an empty path.
 */
export function describeIssues(
  error: { readonly issues: readonly { path: readonly PropertyKey[]; message: string }[] },
  root = "(root)",
): string {
  return error.issues
    .map((issue) => `${issue.path.map(String).join(".") || root}: ${issue.message}`)
    .join("; ");
}
