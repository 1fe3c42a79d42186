import {
  type DynamoDBClient,
  ProvisionedThroughputExceededException,
} from "@aws-sdk/client-dynamodb";

/**
 * Fault injection for a DynamoDB client, as a real AWS SDK v3 middleware.
 *
 * The middleware sits in the `finalizeRequest` step at low priority, that is
 * INSIDE the SDK's retry loop (the retry middleware is `finalizeRequest`,
 * high priority) and around the HTTP call: every attempt the SDK makes passes
 * through it, and the errors it throws look to the retry strategy exactly
 * like the ones the HTTP handler or DynamoDB produce. Build the client under
 * test with `maxAttempts: 1` to test the idempotency layer itself; with more
 * attempts, a retryable fault is absorbed by the SDK as it would be on AWS.
 */

/** The commands the idempotency store and the tests send. */
export type DynamoDbCommandName =
  | "PutItemCommand"
  | "TransactWriteItemsCommand"
  | "UpdateItemCommand"
  | "DeleteItemCommand"
  | "GetItemCommand";

/**
 * - `throttling`: ProvisionedThroughputExceededException, HTTP 400, marked
 *   `$retryable: { throttling: true }` (what DynamoDB answers past capacity);
 * - `network`: a socket reset (`code: "ECONNRESET"`), as node:http reports it;
 * - `timeout`: a `TimeoutError`, as the SDK's HTTP handler reports a request
 *   or connection timeout.
 */
export type FaultKind = "throttling" | "network" | "timeout";

/**
 * - `before-reaching-dynamodb`: the request is never sent; nothing is written;
 * - `after-reaching-dynamodb`: the request is sent and DynamoDB executes it,
 *   then its answer is lost and the caller sees the fault instead (the
 *   ambiguous case: the write happened, the caller saw a failure). When
 *   DynamoDB itself refused the call, that real error is what the caller sees.
 */
export type FaultTiming = "before-reaching-dynamodb" | "after-reaching-dynamodb";

export interface FaultPlan {
  readonly command: DynamoDbCommandName;
  readonly kind: FaultKind;
  /** @default "before-reaching-dynamodb" */
  readonly timing?: FaultTiming;
  /** Which matching call fails, counted from when the fault is armed: 1 is the next one. @default 1 */
  readonly occurrence?: number;
}

export interface InjectedFault {
  readonly command: DynamoDbCommandName;
  readonly kind: FaultKind;
  readonly timing: FaultTiming;
}

export interface FaultInjector {
  /** Arms one fault; it fires once, on its occurrence, then is spent. */
  inject(plan: FaultPlan): void;
  /** The faults that fired, in order. */
  readonly injected: () => readonly InjectedFault[];
  /** The faults armed and not fired yet. */
  readonly pending: () => number;
  /** How many attempts of `command` went through the client (faulted ones included). */
  readonly attempts: (command: DynamoDbCommandName) => number;
}

interface ArmedFault {
  readonly command: DynamoDbCommandName;
  readonly kind: FaultKind;
  readonly timing: FaultTiming;
  /** Matching attempts still to let through before this one fires. */
  skip: number;
}

/** Adds the fault-injection middleware to `client` and returns its controls. */
export function injectFaults(client: DynamoDBClient): FaultInjector {
  const armed: ArmedFault[] = [];
  const injected: InjectedFault[] = [];
  const attempts = new Map<string, number>();

  /** The fault this attempt of `command` must suffer, if any (it is spent by being returned). */
  const take = (command: string): ArmedFault | undefined => {
    attempts.set(command, (attempts.get(command) ?? 0) + 1);
    let due: ArmedFault | undefined;
    for (const fault of armed.filter((candidate) => candidate.command === command)) {
      if (fault.skip === 0 && !due) {
        due = fault;
      } else if (fault.skip > 0) {
        fault.skip -= 1;
      }
    }
    if (due) {
      armed.splice(armed.indexOf(due), 1);
      injected.push({ command: due.command, kind: due.kind, timing: due.timing });
    }
    return due;
  };

  client.middlewareStack.add(
    (next, context) => async (args) => {
      const fault = take(context.commandName ?? "unknown");
      if (!fault) return next(args);
      if (fault.timing === "before-reaching-dynamodb") throw faultError(fault.kind);
      await next(args);
      throw faultError(fault.kind);
    },
    { step: "finalizeRequest", priority: "low", name: "testFaultInjection" },
  );

  return {
    inject(plan) {
      const occurrence = plan.occurrence ?? 1;
      if (!Number.isInteger(occurrence) || occurrence < 1) {
        throw new Error(`occurrence must be a positive integer, got ${occurrence}`);
      }
      armed.push({
        command: plan.command,
        kind: plan.kind,
        timing: plan.timing ?? "before-reaching-dynamodb",
        skip: occurrence - 1,
      });
    },
    injected: () => [...injected],
    pending: () => armed.length,
    attempts: (command) => attempts.get(command) ?? 0,
  };
}

/** The error a real failure of that kind surfaces as, in the shape the SDK's retry strategy classifies. */
export function faultError(kind: FaultKind): Error {
  switch (kind) {
    case "throttling": {
      const error = new ProvisionedThroughputExceededException({
        message:
          "The level of configured provisioned throughput for the table was exceeded. (injected)",
        $metadata: { httpStatusCode: 400, requestId: "injected-fault" },
      });
      return Object.assign(error, { $retryable: { throttling: true } });
    }
    case "network":
      return Object.assign(new Error("read ECONNRESET (injected)"), {
        code: "ECONNRESET",
        errno: -104,
        syscall: "read",
      });
    case "timeout":
      return Object.assign(
        new Error("Request did not complete within the requestTimeout (injected)"),
        { name: "TimeoutError" },
      );
  }
}
