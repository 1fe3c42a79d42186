/** The header maps of an API Gateway event, either payload format. */
export interface EventHeaders {
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
  readonly multiValueHeaders?: Readonly<Record<string, readonly string[] | undefined>> | null;
}

/**
 * Every line of header `name` (lower case): a REST API (payload 1.0) keeps
 * the client's spelling of the name and each line in `multiValueHeaders`; an
 * HTTP API (2.0) has lower-case names and repeated lines joined in `headers`.
 */
export function headerLines(event: EventHeaders, name: string): string[] {
  const named = <T>(map: Readonly<Record<string, T | undefined>> | null | undefined): T[] =>
    Object.entries(map ?? {}).flatMap(([key, value]) =>
      value !== undefined && key.toLowerCase() === name ? [value] : [],
    );
  const lines = named(event.multiValueHeaders).flat();
  return lines.length > 0 ? lines : named(event.headers);
}
