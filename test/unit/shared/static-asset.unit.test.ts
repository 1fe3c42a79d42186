import { gunzipSync } from "node:zlib";
import { acceptsGzip } from "../../../functions/shared/http/accept-encoding";
import { staticAsset } from "../../../functions/shared/http/static-asset";

describe("acceptsGzip", () => {
  it.each([
    ["gzip, deflate, br, zstd", true],
    ["br;q=1.0, GZIP;q=0.5", true],
    ["*", true],
    ["identity, *;q=0.1", true],
    ["gzip;q=0, *", false],
    ["*;q=0", false],
    ["br, deflate", false],
    ["identity", false],
    ["gzip;q=nonsense", false],
    ["", false],
    [undefined, false],
  ])("reads Accept-Encoding %j as %s", (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});

describe("staticAsset", () => {
  const body = `console.log(${JSON.stringify("é".repeat(5_000))});`;
  const serve = staticAsset({
    body,
    contentType: "text/javascript; charset=utf-8",
    cacheControl: "public, max-age=60",
    contentSecurityPolicy: "default-src 'none'",
    headers: { "referrer-policy": "no-referrer" },
  });

  it("answers gzip to a client that accepts it, the same bytes once inflated", () => {
    const answer = serve({ headers: { "accept-encoding": "gzip" } });

    expect(answer).toMatchObject({
      statusCode: 200,
      isBase64Encoded: true,
      headers: {
        "content-type": "text/javascript; charset=utf-8",
        "content-encoding": "gzip",
        "cache-control": "public, max-age=60",
        "content-security-policy": "default-src 'none'",
        "referrer-policy": "no-referrer",
        vary: "accept-encoding",
      },
    });
    expect(gunzipSync(Buffer.from(answer.body, "base64")).toString("utf8")).toBe(body);
  });

  it("answers the body as it is to a client that said nothing or refused gzip", () => {
    for (const headers of [{}, { "accept-encoding": "gzip;q=0" }]) {
      const answer = serve({ headers });

      expect(answer).toMatchObject({ statusCode: 200, isBase64Encoded: false, body });
      expect(answer.headers["content-encoding"]).toBeUndefined();
      expect(answer.headers.vary).toBe("accept-encoding");
    }
  });

  it("never compresses a small body, so it varies on nothing", () => {
    const small = staticAsset({
      body: "<p>hi</p>",
      contentType: "text/html; charset=utf-8",
      cacheControl: "no-cache",
      contentSecurityPolicy: "default-src 'none'",
    })({ headers: { "accept-encoding": "gzip" } });

    expect(small).toMatchObject({ isBase64Encoded: false, body: "<p>hi</p>" });
    expect(small.headers.vary).toBeUndefined();
  });
});
