import { markdownTable } from "./markdown";

/** One goal of the issue, what this run measured for it, and whether it held. */
export interface GoalCheck {
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean;
}

/** Goals as a table; a missed goal is bold so it cannot be read past. */
export function goalTable(checks: readonly GoalCheck[]): string {
  return markdownTable(
    ["goal", "measured in this run", "verdict"],
    checks.map(({ goal, measured, met }) => [goal, measured, met ? "met" : "**missed**"]),
  );
}
