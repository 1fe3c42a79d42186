import { setTimeout as sleep } from "node:timers/promises";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { newId } from "../../functions/domain/primitives";
import type { LambdaHttpHandler } from "../../functions/shared/http/http-handler";
import { type Variant, variantLabels, variants } from "../deposit/variants";
import type { BenchDatabase } from "../support/bench-database";
import {
  balanceOf,
  benchDepositHandler,
  type DepositTarget,
  depositEvent,
  invokeDeposit,
  openAccounts,
} from "../support/deposit-requests";
import { describeStatuses, mergeTallies, type StatusTally, tally } from "../support/load";
import { markdownTable } from "../support/markdown";
import { progress } from "../support/progress";
import type { BenchSection } from "./section";

const DUPLICATES = 20;
const STAGGER_MS = 5;
const HANDLER_MS = 50;
const TRIALS = 3;
const AMOUNT = 100;

interface Trial {
  readonly executions: number;
  /** What the balance moved by, in multiples of the amount. */
  readonly moved: number;
  readonly statuses: StatusTally;
}

/**
 * Section 6: the same request sent again and again while the first is still
 * running, the way a client with a short timeout or a double-click sends it;
 * and a retry after the key was reused with another body.
 */
export const duplicateSafety: BenchSection = {
  title: "Duplicate safety",
  async run(database) {
    const staggered = new Map<Variant, Trial[]>();
    const afterReuse = new Map<Variant, Trial>();
    for (const variant of variants) {
      progress(`duplicate safety: ${variantLabels[variant]}`);
      const bench = await slowDeposit(database, variant);
      const trials: Trial[] = [];
      for (let trial = 0; trial < TRIALS; trial += 1) trials.push(await sendStaggered(bench));
      staggered.set(variant, trials);
      afterReuse.set(variant, await retryAfterReuse(bench));
    }

    const staggeredRows = variants.map((variant) => {
      const trials = staggered.get(variant) ?? [];
      return [
        variantLabels[variant],
        trials.map((trial) => trial.executions).join(", "),
        trials.map((trial) => trial.moved).join(", "),
        describeStatuses(mergeTallies(trials.map((trial) => trial.statuses))),
      ];
    });
    const reuseRows = variants.map((variant) => {
      const trial = afterReuse.get(variant);
      return [
        variantLabels[variant],
        String(trial?.executions ?? "n/a"),
        String(trial?.moved ?? "n/a"),
        trial ? describeStatuses(trial.statuses) : "n/a",
      ];
    });
    return [
      `${DUPLICATES} requests with one key and one body, sent ${STAGGER_MS} ms apart while the handler`,
      `takes ${HANDLER_MS} ms before its read (${TRIALS} trials, a fresh key each). Goal: 1 deposit per`,
      "trial.",
      "",
      markdownTable(
        [
          "variant",
          "handler runs per trial",
          "money moved per trial (× amount)",
          "answers (all trials)",
        ],
        staggeredRows,
      ),
      "",
      "A request, then the same key with 7× the amount (a client bug), then the first request",
      "retried. Goal: the retry replays; the first amount moved once.",
      "",
      markdownTable(
        ["variant", "handler runs", "money moved (× the first amount)", "answers"],
        reuseRows,
      ),
      "",
      "“Handler runs” counts the handler's body, not deposits: under the commit strategy nothing is",
      "written before the handler, so every duplicate runs it (a read, then a transaction); only",
      "the first to commit moves money, the others' transactions are cancelled by the record's",
      "condition and they answer its answer (a 201 replay; 422 for another body). The lease",
      "strategy refuses a duplicate with one conditional write that changes nothing (409 while in",
      "flight, 422 for another body). A refused duplicate under Powertools' middleware deletes the",
      "record it did not own (see section 1), so a later duplicate or retry runs the deposit again.",
    ].join("\n");
  },
};

interface SlowDeposit {
  readonly client: DynamoDBClient;
  readonly handler: LambdaHttpHandler;
  readonly target: DepositTarget;
  executions: number;
}

async function slowDeposit(database: BenchDatabase, variant: Variant): Promise<SlowDeposit> {
  const client = database.client().dynamoDb;
  const [target] = await openAccounts(client, 1);
  if (!target) throw new Error("no account opened");
  const bench: SlowDeposit = {
    client,
    target,
    executions: 0,
    handler: benchDepositHandler(variant, client, async () => {
      bench.executions += 1;
      await sleep(HANDLER_MS);
    }),
  };
  return bench;
}

async function observe(bench: SlowDeposit, send: () => Promise<number[]>): Promise<Trial> {
  const before = await balanceOf(bench.client, bench.target);
  bench.executions = 0;
  const answers = await send();
  const after = await balanceOf(bench.client, bench.target);
  return {
    executions: bench.executions,
    moved: (after - before) / AMOUNT,
    statuses: tally(answers),
  };
}

function sendStaggered(bench: SlowDeposit): Promise<Trial> {
  const key = newId();
  return observe(bench, () =>
    Promise.all(
      Array.from({ length: DUPLICATES }, async (_, index) => {
        await sleep(index * STAGGER_MS);
        return invokeDeposit(bench.handler, depositEvent(bench.target, key, AMOUNT));
      }),
    ),
  );
}

function retryAfterReuse(bench: SlowDeposit): Promise<Trial> {
  const key = newId();
  const send = (amount: number) =>
    invokeDeposit(bench.handler, depositEvent(bench.target, key, amount));
  return observe(bench, async () => {
    const first = await send(AMOUNT);
    const reused = await send(AMOUNT * 7);
    const retried = await send(AMOUNT);
    return [first, reused, retried];
  });
}
