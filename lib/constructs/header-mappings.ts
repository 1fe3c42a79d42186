/**
 * Static headers as API Gateway's parameter mappings want them: canonical
 * names (`Access-Control-Allow-Origin`, so that a mapping and a VTL override
 * name the same header) and values in single quotes (a literal, not a
 * reference to the request).
 */

/** Names whose usual spelling is not one capital per word. */
const SPELLINGS: Readonly<Record<string, string>> = { "www-authenticate": "WWW-Authenticate" };

export function canonicalHeaderName(name: string): string {
  const spelling = SPELLINGS[name.toLowerCase()];
  if (spelling) return spelling;
  return name
    .split("-")
    .map((part) => `${part.charAt(0).toUpperCase()}${part.slice(1).toLowerCase()}`)
    .join("-");
}

/** `{ "x-a": "b" }` → `{ "<prefix>X-A": "'b'" }`. */
export function staticHeaderMappings(
  headers: Readonly<Record<string, string>>,
  prefix = "",
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => {
      if (value.includes("'"))
        throw new Error(`Header ${name}: a static value cannot hold a quote`);
      return [`${prefix}${canonicalHeaderName(name)}`, `'${value}'`];
    }),
  );
}

/** The method response's declaration of the same headers. */
export function declaredHeaders(
  mappings: Readonly<Record<string, string>>,
): Record<string, boolean> {
  return Object.fromEntries(Object.keys(mappings).map((name) => [name, true]));
}
