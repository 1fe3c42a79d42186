/**
 * Whether a request's `Accept-Encoding` (RFC 9110 §12.5.3) allows a gzip
 * answer: `gzip` or `*` with a weight above 0, an explicit `gzip;q=0`
 * winning over `*`. No header: identity only, the safe reading for a client
 * that said nothing.
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  const weights = new Map<string, number>();
  for (const part of header.split(",")) {
    const [coding = "", ...parameters] = part.split(";").map((piece) => piece.trim());
    const q = parameters.find((parameter) => /^q\s*=/i.test(parameter));
    const weight = q === undefined ? 1 : Number(q.replace(/^q\s*=\s*/i, ""));
    if (coding) weights.set(coding.toLowerCase(), Number.isFinite(weight) ? weight : 0);
  }
  return (weights.get("gzip") ?? weights.get("*") ?? 0) > 0;
}
