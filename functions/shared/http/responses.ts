/** JSON answers of the API, in the shape API Gateway expects from a handler. */
export interface JsonResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): JsonResponse {
  return {
    statusCode,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  };
}

/** `ETag` of a versioned resource: its version, as a strong validator. */
export const etagOf = (version: number) => `"${version}"`;

/** The version a strong entity tag names, if it is one `etagOf` makes (`"03"` is not). */
export function versionOfEtag(etag: string): number | undefined {
  const version = /^"([1-9][0-9]{0,14})"$/.exec(etag)?.[1];
  return version === undefined ? undefined : Number(version);
}

export const ok = (body: unknown, version?: number) =>
  json(200, body, version === undefined ? {} : { etag: etagOf(version) });

/** 201 with the new resource's address (POST/Redirect/GET for an API). */
export const created = (location: string, body: unknown, version?: number) =>
  json(201, body, { location, ...(version === undefined ? {} : { etag: etagOf(version) }) });
