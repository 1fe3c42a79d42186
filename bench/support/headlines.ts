import * as z from "zod";
import { progress } from "./progress";

/**
 * The bench's headline ratios, recorded by the sections that measure them
 * while they run; after a full run, bench/run.ts charts them
 * (bench/headlines.svg, which the README shows) and writes them beside it
 * (bench/headlines.json).
 *
 * - `first-execution`: a variant's p50 on a fresh key ÷ no idempotency's
 *   first-execution p50, in-process, sequential, same run.
 * - `replay`: a variant's p50 on a completed key ÷ the same baseline.
 * - `hot-account-share`: deposits/s committed on one account ÷ deposits/s of
 *   the same writers spread over one account each (issue 17's goal: ≥ 0.60).
 */
export const headlineGroups = ["first-execution", "replay", "hot-account-share"] as const;
export type HeadlineGroup = (typeof headlineGroups)[number];

const headlineSchema = z.object({
  group: z.enum(headlineGroups),
  /** The bar's name: a variant's label, a write path's. */
  label: z.string().min(1),
  /** All rounds pooled. */
  ratio: z.number(),
  /** Each round's ratio, in round order; empty when the section has no rounds. */
  rounds: z.array(z.number()),
});
export type Headline = z.infer<typeof headlineSchema>;

/** bench/headlines.json: one full run's headlines. */
export const headlinesFileSchema = z.object({
  /** When the run ended, ISO 8601. */
  run: z.string().min(1),
  headlines: z.array(headlineSchema),
});
export type HeadlinesFile = z.infer<typeof headlinesFileSchema>;

export interface HeadlineInput {
  readonly group: HeadlineGroup;
  readonly label: string;
  readonly ratio: number;
  /** Each round's ratio, when the section measures in rounds: the chart shows their range. */
  readonly rounds?: readonly number[];
}

const recorded: Headline[] = [];

/**
 * Records one headline of this run. A ratio that was not measured (NaN, a
 * zero baseline) is left out of the chart, with a line on stderr, rather
 * than failing the run after its minutes of measuring.
 */
export function recordHeadline({ group, label, ratio, rounds = [] }: HeadlineInput): void {
  if (!Number.isFinite(ratio)) {
    progress(`headline ${group} "${label}": no ratio measured (${ratio}), left out of the chart`);
    return;
  }
  recorded.push({ group, label, ratio, rounds: rounds.filter(Number.isFinite) });
}

/** Every headline recorded so far, in the order recorded. */
export function recordedHeadlines(): Headline[] {
  return recorded.map((headline) => ({ ...headline, rounds: [...headline.rounds] }));
}
