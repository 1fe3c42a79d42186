import type { Clock } from "../../sdk";

/** A clock whose sleeps return at once and move its time on; it records every wait. */
export function fakeClock(random: () => number = () => 0.5) {
  let now = Date.UTC(2026, 0, 31, 9, 30);
  const waits: number[] = [];
  const clock: Clock = {
    now: () => now,
    sleep: async (ms) => {
      waits.push(ms);
      now += ms;
    },
    random,
  };
  return { clock, waits, now: () => now };
}

/** One scripted answer of the fake fetch: a response, or an error it throws. */
export type Scripted = Response | Error;

export const problemAnswer = (
  status: number,
  slug: string,
  headers: Record<string, string> = {},
): Response =>
  new Response(
    JSON.stringify({
      type: `https://payments.example.com/problems/${slug}`,
      title: slug,
      status,
      detail: `a ${slug} problem`,
    }),
    { status, headers: { "content-type": "application/problem+json", ...headers } },
  );

export const jsonAnswer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

/**
 * A fetch that answers from a script, in order (the last entry repeats), and
 * records every request it was sent.
 */
export function scriptedFetch(script: readonly Scripted[]) {
  const requests: Request[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    requests.push(request);
    const next = script[Math.min(requests.length, script.length) - 1];
    if (next === undefined) throw new Error("empty script");
    if (next instanceof Error) throw next;
    return next.clone();
  };
  return { fetch, requests, keys: () => requests.map((r) => r.headers.get("idempotency-key")) };
}
