import * as z from "zod";

/**
 * Faults a test arms on the next N matching processor calls, to play what
 * the network and the processor do to a caller:
 * - `server-error`: 500 before anything is done (the key stays free);
 * - `charge-then-server-error`: the call takes effect, then 500;
 * - `charge-then-drop`: the call takes effect, then the connection is
 *   destroyed without an answer;
 * - `slow`: the answer comes after `delayMs`;
 * - `hang`: the request is held (its key in progress) until released or the
 *   emulator closes.
 */
export const faultKinds = [
  "server-error",
  "charge-then-server-error",
  "charge-then-drop",
  "slow",
  "hang",
] as const;
export type FaultKind = (typeof faultKinds)[number];

export const faultSpecSchema = z
  .object({
    kind: z.enum(faultKinds),
    /** How many matching calls it applies to. @default 1 */
    times: z.number().int().min(1).max(1000).default(1),
    /** Only calls with this method. @default any */
    method: z.enum(["GET", "POST"]).optional(),
    /** Only calls whose path starts with this, e.g. `/v1/refunds`. @default any `/v1/` path */
    path: z.string().startsWith("/v1/").optional(),
    /** How long a `slow` answer waits. */
    delayMs: z.number().int().min(0).max(600_000).optional(),
  })
  .refine((spec) => spec.kind !== "slow" || spec.delayMs !== undefined, {
    message: "a slow fault needs delayMs",
    path: ["delayMs"],
  });

/** What a test passes: `times` may be left out. */
export type FaultSpec = z.input<typeof faultSpecSchema>;
export type ArmedFault = z.output<typeof faultSpecSchema>;

export class FaultQueue {
  private readonly armed: { spec: ArmedFault; left: number }[] = [];

  arm(spec: FaultSpec): void {
    const parsed = faultSpecSchema.parse(spec);
    this.armed.push({ spec: parsed, left: parsed.times });
  }

  clear(): void {
    this.armed.length = 0;
  }

  /** The first armed fault matching the call, counted as used; first armed, first used. */
  take(method: string, path: string): ArmedFault | undefined {
    const index = this.armed.findIndex(
      ({ spec }) =>
        (spec.method === undefined || spec.method === method) &&
        (spec.path === undefined || path.startsWith(spec.path)),
    );
    const found = this.armed[index];
    if (!found) return undefined;
    found.left -= 1;
    if (found.left === 0) this.armed.splice(index, 1);
    return found.spec;
  }
}
