import { type Variant, variantLabels } from "../deposit/variants";
import type { GoalCheck } from "./goals";
import type { LatencyMode, LatencyResults } from "./latency-matrix";
import { baselineOf, p50Of, perRoundRatios } from "./latency-report";
import { ms, roundRatios } from "./markdown";

/** The bound on the commit strategy's first execution, as a multiple of none's p50. */
const FIRST_EXECUTION_BOUND = 1.1;

/**
 * The commit strategy's first execution: within 1.10× of no idempotency
 * (p50 over all rounds), and faster than Powertools in every round.
 */
export function firstExecutionGoals(results: LatencyResults, mode: LatencyMode["id"]): GoalCheck[] {
  const baseline = baselineOf(results, mode);
  const commit = results.cell(mode, "first", "commit");
  const powertools = results.cell(mode, "first", "powertools");
  const overall = p50Of(commit) / p50Of(baseline);
  const rounds = perRoundRatios(commit, baseline);
  const within = rounds.filter((value) => value <= FIRST_EXECUTION_BOUND).length;
  const againstPowertools = perRoundRatios(commit, powertools);
  return [
    {
      goal: `commit, first execution: p50 ≤ ${FIRST_EXECUTION_BOUND.toFixed(2)}× none (all rounds pooled)`,
      measured: `${overall.toFixed(2)}× (each round: ${roundRatios(rounds)}; ${within} of ${rounds.length} rounds within)`,
      met: overall <= FIRST_EXECUTION_BOUND,
    },
    {
      goal: "commit, first execution: p50 below Powertools' in every round",
      measured: `commit ÷ Powertools, each round: ${roundRatios(againstPowertools)}`,
      met: againstPowertools.every((value) => value < 1),
    },
  ];
}

/** A replay costs no more than a first execution without idempotency, in every round. */
export function replayGoals(
  results: LatencyResults,
  mode: LatencyMode["id"],
  strategies: readonly Variant[],
): GoalCheck[] {
  const baseline = baselineOf(results, mode);
  return strategies.map((variant) => {
    const replay = results.cell(mode, "replay", variant);
    const rounds = perRoundRatios(replay, baseline);
    return {
      goal: `${variantLabels[variant]}: replay p50 ≤ none's first-execution p50, every round`,
      measured: `${ms(p50Of(replay))} vs ${ms(p50Of(baseline))} (each round: ${roundRatios(rounds)})`,
      met: rounds.every((value) => value <= 1),
    };
  });
}
