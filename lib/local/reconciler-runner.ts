import type { Context, ScheduledEvent } from "aws-lambda";
import { describeError } from "../../functions/idempotency";
import type { Logger } from "../../functions/shared/observability/logger";
import { lambdaContext } from "./gateway/lambda-context";
import { localRegion } from "./gateway/local-deployment";

/**
 * The local stand-in for the stack's EventBridge Scheduler rule: it invokes
 * the reconciler's handler (the same module the Lambda runs) every few
 * seconds, one run at a time, as a scheduled Lambda with its own timeout.
 */

export interface ReconcilerRunnerOptions {
  /** Seconds between the end of one run and the start of the next. */
  readonly intervalSeconds: number;
  /** The reconciler function's timeout: each run's remaining time counts down from it. */
  readonly timeoutMs: number;
  readonly logger: Pick<Logger, "error">;
}

export interface ReconcilerRunner {
  /** Runs once now (tests), after any run in progress. */
  runOnce(): Promise<unknown>;
  stop(): Promise<void>;
}

type ReconcilerHandler = (event: ScheduledEvent, context: Context) => Promise<unknown>;

/** Loads the handler: call only once the handlers' environment is set. */
export async function startReconcilerRunner(
  options: ReconcilerRunnerOptions,
): Promise<ReconcilerRunner> {
  const { handler } = (await import("../../functions/reconciler/reconciler.handler")) as {
    handler: ReconcilerHandler;
  };
  let running: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const invoke = () => {
    running = running.then(() =>
      handler(scheduledEvent(), lambdaContext("reconciler", options.timeoutMs)).catch(
        (error: unknown) => options.logger.error("reconciler run failed", describeError(error)),
      ),
    );
    return running;
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void invoke().then(schedule), options.intervalSeconds * 1_000);
    timer.unref();
  };
  schedule();

  return {
    runOnce: invoke,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** What EventBridge Scheduler sends a Lambda target (the fields the handler may read). */
function scheduledEvent(): ScheduledEvent {
  return {
    version: "0",
    id: crypto.randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.scheduler",
    account: "000000000000",
    time: new Date().toISOString(),
    region: localRegion(),
    resources: [],
    detail: {},
  };
}
