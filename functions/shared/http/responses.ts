/** JSON answers of the API, in the shape API Gateway expects from a handler. */
interface JsonResponse {
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

export const ok = (body: unknown, version?: number) =>
  json(200, body, version === undefined ? {} : { etag: etagOf(version) });

/** 201 with the new resource's address (POST/Redirect/GET for an API). */
export const created = (location: string, body: unknown, version?: number) =>
  json(201, body, { location, ...(version === undefined ? {} : { etag: etagOf(version) }) });
