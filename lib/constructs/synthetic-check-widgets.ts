import { Duration } from "aws-cdk-lib";
import { GraphWidget, type IWidget } from "aws-cdk-lib/aws-cloudwatch";
import type { SyntheticCheck } from "./synthetic-check";

/** The dashboard's row for the synthetic check: did it pass, and how long it took. */
export function syntheticCheckWidgets(check: SyntheticCheck): IWidget[] {
  const period = Duration.minutes(5);
  return [
    new GraphWidget({
      title: "Synthetic check: success (%)",
      left: [check.canary.metricSuccessPercent({ period })],
      width: 12,
    }),
    new GraphWidget({
      title: "Synthetic check: duration (ms)",
      left: [check.canary.metricDuration({ period })],
      width: 12,
    }),
  ];
}
