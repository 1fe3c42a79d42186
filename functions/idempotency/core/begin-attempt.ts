import type { Beginning, IdempotentAttempt, Settlement } from "./attempt";
import { CommitStrategyAttempt } from "./commit-strategy";
import { IdempotencyStrategy, PEEK_BUDGET_MS } from "./constants";
import { describeError } from "./describe-error";
import { IdempotencyError } from "./errors";
import { claimLease } from "./lease-strategy";
import { type IdempotencyOutcome, outcomeOfError } from "./metrics";
import { leaseDurationMs, type RemainingTime, type ResolvedCoreOptions } from "./options";
import type { IdempotencyRecord, RequestIdentity } from "./record";

/**
 * Begins one attempt of the request `identity` names, with the face's
 * strategy: under the lease strategy the key is claimed now (its stored
 * answer comes back instead when it has one); under the commit strategy
 * nothing is written until the attempt commits. Every outcome is counted
 * here, once, for both faces.
 *
 * @param context Lambda's context: the lease lasts the invocation's remaining time plus a margin
 * @throws IdempotencyKeyReusedError, IdempotencyKeyInProgressError, or the store's errors
 */
export async function beginAttempt<TWrite>(
  config: ResolvedCoreOptions<TWrite>,
  identity: RequestIdentity,
  context?: RemainingTime,
): Promise<Beginning<TWrite>> {
  const count = (outcome: IdempotencyOutcome | undefined) => {
    if (outcome) config.metrics.outcome(outcome);
  };
  try {
    if (config.strategy === IdempotencyStrategy.Commit) {
      const peeked = config.peek ? peekRecord(config, identity) : undefined;
      const attempt = new CommitStrategyAttempt(config, identity, peeked);
      return { kind: "run", attempt: counted(attempt, config) };
    }
    const claim = await claimLease(config, identity, leaseDurationMs(context, config));
    if (claim.kind === "replay") {
      replayed(config);
      return claim;
    }
    return { kind: "run", attempt: counted(claim.attempt, config) };
  } catch (error) {
    count(outcomeOfError(error));
    if (!(error instanceof IdempotencyError) || error.statusCode >= 500) {
      config.logger.error("idempotency claim failed", describeError(error));
    }
    throw error;
  }
}

/**
 * The key's record, read while the handler runs. A read that fails, or that
 * takes longer than PEEK_BUDGET_MS, counts as nothing seen (the failure is
 * logged): the commit's own condition decides, so a slow store never holds
 * the commit back by more than the budget.
 */
function peekRecord<TWrite>(
  config: ResolvedCoreOptions<TWrite>,
  identity: RequestIdentity,
): Promise<IdempotencyRecord | undefined> | undefined {
  const { store } = config;
  if (!store.peek) return undefined;
  const read = Promise.resolve()
    .then(() => store.peek?.(identity.pk, config.now()))
    .catch((error: unknown) => {
      config.logger.warn("idempotency peek failed", describeError(error));
      return undefined;
    });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const budget = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, PEEK_BUDGET_MS, undefined);
  });
  return Promise.race([read, budget]).finally(() => clearTimeout(timer));
}

function replayed(config: ResolvedCoreOptions<unknown>): void {
  config.metrics.outcome("replayed");
  config.logger.info("idempotent replay", { strategy: config.strategy });
}

/** The attempt, with each settlement and each refusal of the layer counted. */
function counted<TWrite>(
  attempt: IdempotentAttempt<TWrite>,
  config: ResolvedCoreOptions<TWrite>,
): IdempotentAttempt<TWrite> {
  const settle = async (settling: Promise<Settlement>): Promise<Settlement> => {
    try {
      const settlement = await settling;
      if (settlement.kind === "stored") config.metrics.outcome("executed");
      if (settlement.kind === "replay") replayed(config);
      return settlement;
    } catch (error) {
      const outcome = outcomeOfError(error);
      if (outcome) config.metrics.outcome(outcome);
      throw error;
    }
  };
  return {
    strategy: attempt.strategy,
    get recoveryPoint() {
      return attempt.recoveryPoint;
    },
    get settled() {
      return attempt.settled;
    },
    advance: async (point, writes) => {
      try {
        await attempt.advance(point, writes);
      } catch (error) {
        const outcome = outcomeOfError(error);
        if (outcome) config.metrics.outcome(outcome);
        throw error;
      }
    },
    commit: (writes, answer) => settle(attempt.commit(writes, answer)),
    finish: (answer) => settle(attempt.finish(answer)),
    abandon: () => attempt.abandon(),
  };
}
