import { gzipSync } from "node:zlib";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type { HttpResponse } from "../../idempotency";
import { acceptsGzip } from "./accept-encoding";

export interface StaticAsset {
  readonly body: string;
  /** With its charset: `text/html; charset=utf-8`. */
  readonly contentType: string;
  readonly cacheControl: string;
  readonly contentSecurityPolicy: string;
  /** Further headers, names in lower case. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Smaller bodies gain nothing worth a compressed copy and a `Vary`. */
const GZIP_FROM_BYTES = 1024;

/**
 * A fixed answer (a page, a script) for a public route: gzip when the client
 * accepts it, else as it is. Lambda allows 6 MB per answer, base64 included:
 * a large script fits with room to spare only compressed, and browsers always
 * accept gzip. The compressed copy is made once per cold start, on the first
 * request that wants it.
 */
export function staticAsset(
  asset: StaticAsset,
): (event: Pick<APIGatewayProxyEventV2, "headers">) => HttpResponse {
  const compressible = Buffer.byteLength(asset.body) >= GZIP_FROM_BYTES;
  const headers: Record<string, string> = {
    "content-type": asset.contentType,
    "cache-control": asset.cacheControl,
    "content-security-policy": asset.contentSecurityPolicy,
    ...asset.headers,
    ...(compressible ? { vary: "accept-encoding" } : {}),
  };
  let gzipped: string | undefined;
  return (event) => {
    if (!compressible || !acceptsGzip(event.headers?.["accept-encoding"])) {
      return { statusCode: 200, headers: { ...headers }, body: asset.body, isBase64Encoded: false };
    }
    gzipped ??= gzipSync(asset.body).toString("base64");
    return {
      statusCode: 200,
      headers: { ...headers, "content-encoding": "gzip" },
      body: gzipped,
      isBase64Encoded: true,
    };
  };
}
