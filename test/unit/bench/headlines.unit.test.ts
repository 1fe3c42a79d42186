import { readFileSync } from "node:fs";
import { join } from "node:path";
import { headlinesChartSpec } from "../../../bench/chart/spec";
import {
  type Headline,
  headlinesFileSchema,
  recordedHeadlines,
  recordHeadline,
} from "../../../bench/support/headlines";

// The bench's headline chart without vega (which CI does not install): what
// the sections record, and the Vega-Lite specification built from it.

const headline = (group: Headline["group"], label: string, ratio: number, rounds: number[]) => ({
  group,
  label,
  ratio,
  rounds,
});

describe("the headline chart's specification", () => {
  const spec = headlinesChartSpec({
    run: "2026-12-06T05:43:29.320Z",
    headlines: [
      headline("replay", "this project, lease", 0.28, [0.3, 0.22, 0.29]),
      headline("first-execution", "this project, commit", 1.08, [1.06, 1.12]),
      headline("first-execution", "Powertools", 1.52, []),
      headline("hot-account-share", "today", 0.19, [0.16, 0.22, 0.18]),
    ],
  });

  it("has one panel per group, in the groups' order, one bar per headline with its values", () => {
    expect(spec).toMatchObject({
      title: { text: "Headline ratios of npm run bench, 2026-12-06" },
      vconcat: [
        {
          title: "First execution (fresh key)",
          data: {
            values: [
              { label: "this project, commit", ratio: 1.08, low: 1.06, high: 1.12 },
              { label: "Powertools", ratio: 1.52, low: null, high: null, text: "1.52×" },
            ],
          },
        },
        {
          title: "Replay (completed key)",
          data: {
            values: [
              {
                label: "this project, lease",
                ratio: 0.28,
                low: 0.22,
                high: 0.3,
                text: "0.28× (rounds 0.22–0.30)",
              },
            ],
          },
        },
        {
          title: "Hot account: every writer on one account",
          data: { values: [{ label: "today", ratio: 0.19, low: 0.16, high: 0.22 }] },
        },
      ],
    });
  });

  it("draws the reference of each panel: 1.00× none, and the hot account's goal of 0.60×", () => {
    const referenceAt = (at: number, text: string) => ({
      layer: expect.arrayContaining([
        { data: { values: [{ at, text }] }, layer: expect.any(Array) },
      ]),
    });

    expect(spec).toMatchObject({
      vconcat: [
        referenceAt(1, "no idempotency: 1.00×"),
        referenceAt(1, "no idempotency's first execution: 1.00×"),
        referenceAt(0.6, "goal: ≥ 0.60×"),
      ],
    });
  });

  it("leaves out a group without headlines", () => {
    const latencyOnly = headlinesChartSpec({
      run: "2026-12-06T00:00:00.000Z",
      headlines: [headline("first-execution", "this project, commit", 1.08, [])],
    });

    expect(latencyOnly).toMatchObject({ vconcat: [{ title: "First execution (fresh key)" }] });
  });
});

describe("recordHeadline", () => {
  it("keeps what is measured, and leaves out a ratio that is not", () => {
    const stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    recordHeadline({ group: "first-execution", label: "commit", ratio: 1.08 });
    recordHeadline({ group: "replay", label: "lease", ratio: 0.28, rounds: [0.3, Number.NaN] });
    recordHeadline({ group: "hot-account-share", label: "today", ratio: 28 / 0 });
    stderr.mockRestore();

    expect(recordedHeadlines()).toEqual([
      { group: "first-execution", label: "commit", ratio: 1.08, rounds: [] },
      { group: "replay", label: "lease", ratio: 0.28, rounds: [0.3] },
    ]);
  });
});

it("the committed bench/headlines.json is what `npm run bench:chart` reads", () => {
  const file = join(__dirname, "..", "..", "..", "bench", "headlines.json");

  expect(() => headlinesFileSchema.parse(JSON.parse(readFileSync(file, "utf8")))).not.toThrow();
});
