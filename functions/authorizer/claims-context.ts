/**
 * Verified claims as API Gateway hands them to a function: every value a
 * string (an authorizer context may hold only strings, numbers and booleans,
 * and the Cognito authorizer's `claims` are strings), lists as `[a b]`.
 */
export function claimsAsStrings(claims: Readonly<Record<string, unknown>>): Record<string, string> {
  // fromEntries keeps a claim named __proto__ as data.
  return Object.fromEntries(
    Object.entries(claims).map(([name, value]) => [name, claimAsString(value)]),
  );
}

function claimAsString(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return `[${value.map(claimAsString).join(" ")}]`;
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return String(value);
}
