import {
  type Headline,
  type HeadlineGroup,
  type HeadlinesFile,
  headlineGroups,
} from "../support/headlines";

/** JSON, which a Vega-Lite specification is. */
export type Json =
  | string
  | number
  | boolean
  | null
  | readonly Json[]
  | { readonly [key: string]: Json };
export type JsonObject = { readonly [key: string]: Json };

/** How each group is drawn: its title, its axis, and the line every bar is read against. */
interface GroupPanel {
  readonly title: string;
  readonly axis: string;
  readonly reference: number;
  readonly referenceLabel: string;
}
const panels: Readonly<Record<HeadlineGroup, GroupPanel>> = {
  "first-execution": {
    title: "First execution (fresh key)",
    axis: "p50 ÷ no idempotency's first-execution p50 (in-process, sequential)",
    reference: 1,
    referenceLabel: "no idempotency: 1.00×",
  },
  replay: {
    title: "Replay (completed key)",
    axis: "p50 ÷ no idempotency's first-execution p50 (in-process, sequential)",
    reference: 1,
    referenceLabel: "no idempotency's first execution: 1.00×",
  },
  "hot-account-share": {
    title: "Hot account: every writer on one account",
    axis: "deposits/s on one account ÷ with one account per writer (over HTTP)",
    reference: 0.6,
    referenceLabel: "goal: ≥ 0.60×",
  },
};
/** The latency groups share one axis, so that a first execution and a replay compare by eye. */
const latencyGroups: readonly HeadlineGroup[] = ["first-execution", "replay"];

const BAR_COLOR = "#4c78a8";
const RANGE_COLOR = "#1f2937";
const REFERENCE_COLOR = "#c2410c";
const WIDTH = 440;
/** The labels' column, the same in every panel so that the panels line up. */
const LABEL_WIDTH = 210;
/** Characters per line of a label: longer ones wrap at spaces. */
const LABEL_LINE = 26;

/** One bar: what the chart's data holds for a headline (a type, so that it is JSON). */
type Bar = {
  readonly label: string;
  /** The label, wrapped: its lines joined by newlines (the axis splits them). */
  readonly wrapped: string;
  readonly ratio: number;
  /** The lowest and highest round, or null without rounds. */
  readonly low: number | null;
  readonly high: number | null;
  /** Where the bar's text starts: past the bar and its range. */
  readonly end: number;
  readonly text: string;
};

function barOf(headline: Headline): Bar {
  const low = headline.rounds.length > 0 ? Math.min(...headline.rounds) : null;
  const high = headline.rounds.length > 0 ? Math.max(...headline.rounds) : null;
  const range =
    low === null || high === null
      ? ""
      : low === high
        ? " (every round)"
        : ` (rounds ${fixed(low)}–${fixed(high)})`;
  return {
    label: headline.label,
    wrapped: wrap(headline.label),
    ratio: headline.ratio,
    low,
    high,
    end: Math.max(headline.ratio, high ?? 0),
    text: `${fixed(headline.ratio)}×${range}`,
  };
}

const fixed = (value: number) => value.toFixed(2);

function wrap(label: string): string {
  const lines: string[] = [];
  for (const word of label.split(" ")) {
    const last = lines.at(-1);
    if (last !== undefined && `${last} ${word}`.length <= LABEL_LINE) {
      lines[lines.length - 1] = `${last} ${word}`;
    } else {
      lines.push(word);
    }
  }
  return lines.join("\n");
}

/**
 * The Vega-Lite specification of bench/headlines.svg: one panel per group
 * that has headlines (in the order of `headlineGroups`), one horizontal bar
 * per headline (all rounds pooled), a whisker over its rounds' range, and a
 * dashed line at the panel's reference (1.00× none, or the goal).
 */
export function headlinesChartSpec(file: HeadlinesFile): JsonObject {
  const groups = headlineGroups.filter((group) =>
    file.headlines.some((headline) => headline.group === group),
  );
  const barsOf = (group: HeadlineGroup) =>
    file.headlines.filter((headline) => headline.group === group).map(barOf);
  // Room on the right for the bars' text: about a third of the axis.
  const domainEnd = (of: readonly HeadlineGroup[]) => {
    const ends = of.flatMap((group) => [
      panels[group].reference,
      ...barsOf(group).map((bar) => bar.end),
    ]);
    return Math.ceil(Math.max(...ends) * 1.45 * 10) / 10;
  };
  const latencyEnd = domainEnd(latencyGroups.filter((group) => groups.includes(group)));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: `Headline ratios of npm run bench, ${file.run.slice(0, 10)}`,
      subtitle: [
        "Each ratio against a baseline of the same run (bench/results.md).",
        "Bar: all rounds pooled; whisker: lowest to highest round.",
      ],
      anchor: "start",
      frame: "bounds",
      fontSize: 16,
      subtitleFontSize: 12,
      subtitleColor: "#374151",
      offset: 14,
    },
    background: "white",
    padding: 16,
    spacing: 30,
    config: {
      font: "Helvetica, Arial, sans-serif",
      view: { stroke: null },
      axis: { labelFontSize: 12, titleFontSize: 11, titleColor: "#374151", grid: false },
      axisY: {
        ticks: false,
        domain: false,
        labelPadding: 8,
        // Vega guesses text widths without a canvas, generously: wrapping keeps labels short.
        labelLimit: 0,
        minExtent: LABEL_WIDTH,
        maxExtent: LABEL_WIDTH,
        labelExpr: "split(datum.value, '\\n')",
      },
      title: { anchor: "start", frame: "group", fontSize: 13, fontWeight: "bold", offset: 18 },
    },
    vconcat: groups.map((group) =>
      panel(
        panels[group],
        barsOf(group),
        latencyGroups.includes(group) ? latencyEnd : domainEnd([group]),
      ),
    ),
  };
}

function panel(info: GroupPanel, bars: readonly Bar[], domainEnd: number): JsonObject {
  const y = { field: "wrapped", type: "nominal", sort: null, title: null } as const;
  const x = (field: string): JsonObject => ({
    field,
    type: "quantitative",
    scale: { domain: [0, domainEnd], nice: false },
    title: info.axis,
    axis: { format: ".1f", tickCount: 6 },
  });
  return {
    title: info.title,
    width: WIDTH,
    height: { step: 24 },
    data: { values: bars },
    layer: [
      {
        mark: { type: "bar", color: BAR_COLOR, height: { band: 0.65 } },
        encoding: { y, x: x("ratio") },
      },
      {
        transform: [{ filter: "datum.low != null" }],
        mark: { type: "rule", color: RANGE_COLOR, strokeWidth: 1.5 },
        encoding: { y, x: x("low"), x2: { field: "high" } },
      },
      {
        transform: [
          { filter: "datum.low != null" },
          { fold: ["low", "high"], as: ["bound", "at"] },
        ],
        mark: { type: "tick", color: RANGE_COLOR, orient: "vertical", size: 9, thickness: 1.5 },
        encoding: { y, x: x("at") },
      },
      {
        mark: { type: "text", align: "left", baseline: "middle", dx: 5, fontSize: 11 },
        encoding: { y, x: x("end"), text: { field: "text" } },
      },
      {
        data: { values: [{ at: info.reference, text: info.referenceLabel }] },
        layer: [
          {
            mark: { type: "rule", color: REFERENCE_COLOR, strokeDash: [5, 3], strokeWidth: 1.5 },
            encoding: { x: x("at") },
          },
          {
            mark: {
              type: "text",
              color: REFERENCE_COLOR,
              align: "left",
              baseline: "bottom",
              dx: 3,
              dy: -2,
              fontSize: 11,
              y: 0,
            },
            encoding: { x: x("at"), text: { field: "text" } },
          },
        ],
      },
    ],
  };
}
