import { newId } from "../../functions/domain/primitives";
import { type Variant, variantLabels, variants } from "../deposit/variants";
import { benchTableKeys, benchTables } from "../support/bench-database";
import {
  benchDepositHandler,
  depositEvent,
  invokeDeposit,
  openAccounts,
} from "../support/deposit-requests";
import { constantOrSpread, markdownTable, ratio } from "../support/markdown";
import { progress } from "../support/progress";
import {
  type MeteredWrites,
  reportedUnitsOf,
  unitsOf,
  WriteUnitMeter,
} from "../support/write-unit-meter";
import type { BenchSection } from "./section";

/** First executions measured per variant, each with a fresh key. */
const REPETITIONS = 5;

const isIdempotencyTable = (table: string) =>
  table === benchTables.idempotency || table === benchTables.powertools;

/** One first execution's units: computed from the items, and as DynamoDB Local reported them. */
interface Sample {
  readonly data: number;
  readonly idempotency: number;
  readonly reported: number;
  readonly writes: MeteredWrites;
}

/**
 * Section 2: what a first execution costs in DynamoDB write units, the
 * unit DynamoDB bills writes in: 1 per started KB of the item written, 2
 * per started KB for each item of a transaction.
 */
export const writeUnits: BenchSection = {
  title: "Write units per first execution (deposit route)",
  async run(database) {
    const reader = database.client().dynamoDb;
    const samples = new Map<Variant, Sample[]>();
    for (const variant of variants) {
      progress(`write units: ${variantLabels[variant]}`);
      const client = database.client().dynamoDb;
      const meter = new WriteUnitMeter(client, reader, benchTableKeys);
      const handler = benchDepositHandler(variant, client);
      const [target] = await openAccounts(client, 1);
      if (!target) throw new Error("no account opened");
      const measured: Sample[] = [];
      for (let repetition = 0; repetition < REPETITIONS; repetition += 1) {
        meter.reset();
        const status = await invokeDeposit(handler, depositEvent(target, newId(), 100));
        if (status !== 201) throw new Error(`${variant}: a first execution answered ${status}`);
        measured.push(sampleOf(meter.snapshot()));
      }
      samples.set(variant, measured);
    }

    const totals = (variant: Variant) =>
      (samples.get(variant) ?? []).map((sample) => sample.data + sample.idempotency);
    const noneTotal = Math.max(...totals("none"));
    const ownOf = (variant: Variant) => Math.max(...totals(variant)) - noneTotal;
    const rows = variants.map((variant) => {
      const measured = samples.get(variant) ?? [];
      return [
        variantLabels[variant],
        units(measured.map((sample) => sample.data)),
        units(measured.map((sample) => sample.idempotency)),
        units(totals(variant)),
        ratio(Math.max(...totals(variant)), noneTotal),
        variant === "none" ? "—" : String(ownOf(variant)),
        variant === "none" ? "—" : ratio(ownOf(variant), ownOf("powertools")),
        units(measured.map((sample) => sample.reported)),
      ];
    });
    const itemRows = variants.flatMap((variant) =>
      (samples.get(variant)?.[0]?.writes.items ?? []).map((write) => [
        variantLabels[variant],
        write.operation,
        isIdempotencyTable(write.table) ? `idempotency ${write.item}` : write.item,
        `${write.bytes} B`,
        String(write.units),
      ]),
    );
    const refused = variants.reduce(
      (sum, variant) =>
        sum + (samples.get(variant) ?? []).reduce((inner, s) => inner + s.writes.refused, 0),
      0,
    );
    return [
      markdownTable(
        [
          "variant",
          "data table",
          "idempotency table",
          "total",
          "total vs none",
          "idempotency's own units",
          "own units vs Powertools'",
          "DynamoDB Local's report (total)",
        ],
        rows,
      ),
      "",
      `Write units per first execution of a deposit, computed from the items' sizes (${REPETITIONS} fresh`,
      "keys per variant; a range where they varied). How: an SDK middleware on the handler's own",
      "client reads every item a write request touches, consistently and through another client,",
      "before and after the request, and bills each item by DynamoDB's rules on the larger of its",
      "two sizes: 1 unit per started KB, 2 per started KB inside a transaction. Sizes follow the",
      "developer guide's item-size rules on the marshalled items (names and strings in UTF-8 bytes;",
      "numbers **approximated** as the guide does, 1 byte per two significant digits plus 1).",
      "Reads (the account's consistent GetItem, the same in every variant) are not counted.",
      `Write requests refused during these first executions: ${refused}.`,
      "",
      "DynamoDB Local does return `ConsumedCapacity` when a request sets `ReturnConsumedCapacity:",
      '"TOTAL"` (last column), and its figures agree with the computed ones for single-item writes;',
      "but for `TransactWriteItems` it reports, per table, what one item would cost instead of the",
      "sum over the items (here: the deposit's four data items, 8 units, are reported as 2; in a",
      "separate probe three 2.5 KB items were reported as 6, not 18). So the computed figures are",
      "the ones used, and the report is shown only as that cross-check.",
      "",
      "Each item of the first execution above, per variant:",
      "",
      markdownTable(["variant", "request", "item", "size", "units"], itemRows),
    ].join("\n");
  },
};

function sampleOf(writes: MeteredWrites): Sample {
  return {
    data: unitsOf(writes, (write) => !isIdempotencyTable(write.table)),
    idempotency: unitsOf(writes, (write) => isIdempotencyTable(write.table)),
    reported: reportedUnitsOf(writes),
    writes,
  };
}

const units = (values: readonly number[]) => constantOrSpread(values, 0);
