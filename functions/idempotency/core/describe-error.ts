/**
 * An error as log attributes: its name, message and the name of its cause.
 * No stack of the caller's data, no items: safe to log. The project logs its
 * own errors with it too (exported by the layer's index).
 */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  const cause = error.cause instanceof Error ? { cause: error.cause.name } : {};
  return { error: error.name, errorMessage: error.message, ...cause };
}
