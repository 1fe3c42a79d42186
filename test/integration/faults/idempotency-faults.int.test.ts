import { randomUUID } from "node:crypto";
import type { DynamoDBClient, TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { DynamoDbIdempotencyStore, type HttpResponse } from "../../../functions/idempotency";
import type { IdempotencyRecord } from "../../../functions/idempotency/core/record";
import { callerRecordKey } from "../../../functions/idempotency/http/middleware";
import { createDynamoDbClient } from "../../../functions/shared/aws/dynamodb-client";
import { HttpProblem } from "../../../functions/shared/http/problem-details";
import {
  counterIncrement,
  counterValue,
  dynamoDbStore,
  readRecord,
  testClient,
  testEnvironment,
} from "../../support/dynamodb";
import {
  type DynamoDbCommandName,
  type FaultKind,
  type FaultTiming,
  injectFaults,
} from "../../support/fault-injection";
import { created, idempotentHandler, type TestHandlerBody } from "../../support/idempotent-handler";
import { lambdaContext, restApiEvent } from "../../support/lambda-fixtures";
import { type ManualClock, manualClock } from "../../support/manual-clock";

/**
 * A DynamoDB call of the idempotency layer fails (throttled, connection reset,
 * timed out), before reaching DynamoDB or after it executed the call (the
 * ambiguous case). Whatever fails, under either strategy, a retry with the
 * same key ends with one final answer, the counted effect committed exactly
 * once, and the record COMPLETED with that answer. Under the lease strategy a
 * claim that outlives the failure holds the key no longer than its lease;
 * under the commit strategy nothing holds the key and the retry runs at once.
 */

jest.setTimeout(30_000);

afterAll(() => testClient().destroy());

/** The faulty attempt's lease: its invocation time plus the margin. */
const FAULTY_INVOCATION_MS = 300;
const LEASE_MARGIN_MS = 100;

/** A fresh key, body and counter per test: DynamoDB Local is shared by the whole tier. */
function depositRequest() {
  const key = randomUUID();
  const event = () =>
    restApiEvent({
      method: "POST",
      route: "/accounts/{accountId}/deposits",
      path: "/accounts/acc-1/deposits",
      pathParameters: { accountId: "acc-1" },
      body: JSON.stringify({ amount: 500 }),
      idempotencyKey: key,
    });
  return { pk: callerRecordKey("caller-1", key), event, counterId: randomUUID() };
}

type Behaviour =
  | "commits its effect"
  | "answers without committing"
  | "fails once, then commits"
  | "reads, then commits its effect"
  | "refuses (a business 409)";

/**
 * The handler body, shared by the faulty attempt and its retries so that its
 * runs are counted across both. Each answer names its run: the stored answer
 * tells which run produced it.
 */
function handlerBody(behaviour: Behaviour, counterId: string, readClient = testClient) {
  let runs = 0;
  const body: TestHandlerBody<TransactWriteItem> = async (_event, context) => {
    runs += 1;
    const answer = created({ counterId, run: runs });
    if (behaviour === "answers without committing") return answer;
    if (behaviour === "refuses (a business 409)") {
      throw new HttpProblem(409, "insufficient-funds", "Insufficient funds", `Run ${runs}.`);
    }
    if (behaviour === "reads, then commits its effect") await counterValue(counterId, readClient());
    if (behaviour === "fails once, then commits" && runs === 1) {
      throw new Error("the handler crashed");
    }
    return context.idempotency?.commit([counterIncrement(counterId)], answer);
  };
  return { body, runs: () => runs };
}

function faultyClient(): DynamoDBClient {
  // One attempt per call: the layer itself must cope, without the SDK's retries.
  return createDynamoDbClient({ endpoint: testEnvironment().endpoint, maxAttempts: 1 });
}

function storeOn(client: DynamoDBClient) {
  return new DynamoDbIdempotencyStore({ client, tableName: testEnvironment().idempotencyTable });
}

/** What a retry (on a healthy client) got, and the in-progress answers on its way. */
interface RetryOutcome {
  readonly final: HttpResponse;
  /** The test clock's reading when the final answer was given. */
  readonly answeredAtMs: number;
  readonly inProgress: readonly HttpResponse[];
}

/**
 * Retries at once; when the faulty attempt left its claim, retries again at
 * the claim's last millisecond, then one millisecond after it: each answer
 * up to the lease's end must be a 409, and the last one final.
 */
async function retryAcrossTheLease(
  afterFault: IdempotencyRecord | undefined,
  clock: ManualClock,
  send: () => Promise<HttpResponse>,
): Promise<RetryOutcome> {
  const atOnce = await send();
  if (afterFault?.status !== "IN_PROGRESS") {
    return { final: atOnce, answeredAtMs: clock.now(), inProgress: [] };
  }
  clock.set(afterFault.leaseExpiresAtMs);
  const atLeaseEnd = await send();
  clock.advance(1);
  const final = await send();
  return { final, answeredAtMs: clock.now(), inProgress: [atOnce, atLeaseEnd] };
}

/** The HTTP answer a completed record holds. */
function storedAnswerOf(record: IdempotencyRecord | undefined): HttpResponse | undefined {
  return record?.status === "COMPLETED" ? JSON.parse(record.answer) : undefined;
}

/**
 * Which run of the handler body produced an answer: a 201 names it in its
 * body (`run`), a business 409 in its problem's detail (`Run <n>.`).
 */
function runOf(response: HttpResponse): number | undefined {
  const body: unknown = JSON.parse(response.body);
  if (typeof body !== "object" || body === null) return undefined;
  if ("run" in body && typeof body.run === "number") return body.run;
  const detail = "detail" in body && typeof body.detail === "string" ? body.detail : "";
  const match = /^Run (\d+)\.$/.exec(detail);
  return match ? Number(match[1]) : undefined;
}

function problemSlug(response: HttpResponse): string | undefined {
  const type: unknown = JSON.parse(response.body).type;
  return typeof type === "string" ? type.split("/problems/")[1] : undefined;
}

type Step = "claim" | "business transaction" | "completion" | "release";

const stepUnderTest: Record<Step, { command: DynamoDbCommandName; behaviour: Behaviour }> = {
  claim: { command: "PutItemCommand", behaviour: "commits its effect" },
  "business transaction": { command: "TransactWriteItemsCommand", behaviour: "commits its effect" },
  // Without a transaction the middleware completes the record after the handler.
  completion: { command: "UpdateItemCommand", behaviour: "answers without committing" },
  // The claim is released after a handler error.
  release: { command: "DeleteItemCommand", behaviour: "fails once, then commits" },
};

interface Expectation {
  readonly step: Step;
  readonly timing: FaultTiming;
  /** The faulty attempt's answer: a problem slug, or a 201 from the handler. */
  readonly firstAnswer: { status: 201 } | { status: 500 | 503; slug: string };
  /** The record right after the faulty attempt. */
  readonly recordAfterFault: "absent" | "claimed" | "completed";
  /** Runs of the handler body over the faulty attempt and every retry. */
  readonly runs: number;
  /** The counted effect at the end. */
  readonly effects: number;
  /** The retry's final answer: the stored one replayed, or a new run's. */
  readonly retryGets: "a replay of the stored answer" | "a fresh answer";
}

const storeUnavailable = { status: 503, slug: "idempotency-store-unavailable" } as const;

const expectations: readonly Expectation[] = [
  {
    step: "claim",
    timing: "before-reaching-dynamodb",
    firstAnswer: storeUnavailable,
    recordAfterFault: "absent",
    runs: 1,
    effects: 1,
    retryGets: "a fresh answer",
  },
  {
    // The claim was written but its caller never learnt it: nobody releases
    // it, and the retry takes it over once its lease has run out.
    step: "claim",
    timing: "after-reaching-dynamodb",
    firstAnswer: storeUnavailable,
    recordAfterFault: "claimed",
    runs: 1,
    effects: 1,
    retryGets: "a fresh answer",
  },
  {
    // Nothing was committed: the 503 releases the claim, the retry runs again.
    step: "business transaction",
    timing: "before-reaching-dynamodb",
    firstAnswer: storeUnavailable,
    recordAfterFault: "absent",
    runs: 2,
    effects: 1,
    retryGets: "a fresh answer",
  },
  {
    // The effect and the completion committed together; the release of the
    // 503 is fenced off (the record is no longer in progress): the retry replays.
    step: "business transaction",
    timing: "after-reaching-dynamodb",
    firstAnswer: storeUnavailable,
    recordAfterFault: "completed",
    runs: 1,
    effects: 1,
    retryGets: "a replay of the stored answer",
  },
  {
    // The handler's answer stands but is not stored: the key stays claimed
    // until its lease runs out, then the (non-transactional) handler runs again.
    step: "completion",
    timing: "before-reaching-dynamodb",
    firstAnswer: { status: 201 },
    recordAfterFault: "claimed",
    runs: 2,
    effects: 0,
    retryGets: "a fresh answer",
  },
  {
    step: "completion",
    timing: "after-reaching-dynamodb",
    firstAnswer: { status: 201 },
    recordAfterFault: "completed",
    runs: 1,
    effects: 0,
    retryGets: "a replay of the stored answer",
  },
  {
    // The claim of the failed attempt stays until its lease runs out.
    step: "release",
    timing: "before-reaching-dynamodb",
    firstAnswer: { status: 500, slug: "internal-error" },
    recordAfterFault: "claimed",
    runs: 2,
    effects: 1,
    retryGets: "a fresh answer",
  },
  {
    step: "release",
    timing: "after-reaching-dynamodb",
    firstAnswer: { status: 500, slug: "internal-error" },
    recordAfterFault: "absent",
    runs: 2,
    effects: 1,
    retryGets: "a fresh answer",
  },
];

const faultKinds: readonly FaultKind[] = ["throttling", "network", "timeout"];

const matrix = expectations.flatMap((expectation) =>
  faultKinds.map((kind) => ({ ...expectation, kind })),
);

describe("lease strategy under DynamoDB faults (no SDK retries)", () => {
  it.each(matrix)(
    "$step fails ($kind, $timing): answers $firstAnswer.status, and a retry gets $retryGets with $effects effect(s)",
    async ({ step, timing, kind, firstAnswer, recordAfterFault, runs, effects, retryGets }) => {
      const { command, behaviour } = stepUnderTest[step];
      const { pk, event, counterId } = depositRequest();
      const handler = handlerBody(behaviour, counterId);
      const client = faultyClient();
      const faults = injectFaults(client);
      faults.inject({ command, kind, timing });
      // The layer's clock and the invocations' remaining time run on a clock
      // that moves only when the test moves it: a lease ends when it says.
      const clock = manualClock();
      const faulty = idempotentHandler(
        {
          store: storeOn(client),
          strategy: "lease",
          leaseMarginMs: LEASE_MARGIN_MS,
          now: clock.now,
        },
        handler.body,
      );
      const healthy = idempotentHandler(
        { store: dynamoDbStore(), strategy: "lease", now: clock.now },
        handler.body,
      );
      const leaseEndsAtMs = clock.now() + FAULTY_INVOCATION_MS + LEASE_MARGIN_MS;

      const first = await faulty(event(), lambdaContext(FAULTY_INVOCATION_MS, clock.now));
      const afterFault = await readRecord(pk);
      const retry = await retryAcrossTheLease(afterFault, clock, () =>
        healthy(event(), lambdaContext(10_000, clock.now)),
      );
      const settled = await readRecord(pk);
      client.destroy();

      // The fault fired once, where it was meant to.
      expect(faults.injected()).toEqual([{ command, kind, timing }]);
      expect(faults.pending()).toBe(0);

      // The faulty attempt's answer.
      expect(first.statusCode).toBe(firstAnswer.status);
      expect(first.headers["idempotent-replayed"]).toBeUndefined();
      if ("slug" in firstAnswer) expect(problemSlug(first)).toBe(firstAnswer.slug);
      if (first.statusCode === 503) {
        expect(Number(first.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      }

      // What it left behind, and for how long a claim holds the key: a retry
      // is refused (409 in progress) up to the lease's last millisecond, and
      // taken over one millisecond later.
      const statusAfterFault = {
        absent: undefined,
        claimed: "IN_PROGRESS",
        completed: "COMPLETED",
      };
      expect(afterFault?.status).toBe(statusAfterFault[recordAfterFault]);
      if (afterFault?.status === "IN_PROGRESS") {
        expect(afterFault.leaseExpiresAtMs).toBe(leaseEndsAtMs);
        expect(retry.inProgress).toHaveLength(2);
        for (const conflict of retry.inProgress) {
          expect(conflict.statusCode).toBe(409);
          expect(problemSlug(conflict)).toBe("idempotency-key-in-progress");
          expect(conflict.headers["retry-after"]).toBe("1");
        }
        expect(retry.answeredAtMs).toBe(leaseEndsAtMs + 1);
      }
      // Without a claim the retry's first answer is final (no 409): its status is asserted below.

      // The retry's final answer.
      expect(retry.final.statusCode).toBe(201);
      if (retryGets === "a replay of the stored answer") {
        expect(retry.final.headers["idempotent-replayed"]).toBe("true");
        if (afterFault?.status === "COMPLETED") {
          expect(retry.final.body).toBe(storedAnswerOf(afterFault)?.body);
        }
        if (first.statusCode === 201) expect(retry.final.body).toBe(first.body);
      } else {
        expect(retry.final.headers["idempotent-replayed"]).toBeUndefined();
        expect(runOf(retry.final)).toBe(runs);
      }

      // Exactly once, and never claimed past the lease.
      expect(handler.runs()).toBe(runs);
      expect(await counterValue(counterId)).toBe(effects);
      expect(settled?.status).toBe("COMPLETED");
      expect(storedAnswerOf(settled)?.statusCode).toBe(201);
      expect(storedAnswerOf(settled)?.body).toBe(retry.final.body);
    },
  );
});

describe("lease strategy under DynamoDB faults the SDK retries (maxAttempts 3)", () => {
  it.each(faultKinds)(
    "absorbs a %s fault on the claim: one run, one effect, no 503",
    async (kind) => {
      const { pk, event, counterId } = depositRequest();
      const handler = handlerBody("commits its effect", counterId);
      const client = createDynamoDbClient({ endpoint: testEnvironment().endpoint, maxAttempts: 3 });
      const faults = injectFaults(client);
      faults.inject({ command: "PutItemCommand", kind });
      const withRetries = idempotentHandler(
        { store: storeOn(client), strategy: "lease" },
        handler.body,
      );

      const answer = await withRetries(event(), lambdaContext());
      client.destroy();

      expect(answer.statusCode).toBe(201);
      expect(faults.attempts("PutItemCommand")).toBe(2);
      expect(handler.runs()).toBe(1);
      expect(await counterValue(counterId)).toBe(1);
      expect((await readRecord(pk))?.status).toBe("COMPLETED");
    },
  );
});

type CommitStep = "the handler's read" | "the transaction" | "the conditional put";

const commitStepUnderTest: Record<
  CommitStep,
  { command: DynamoDbCommandName; behaviour: Behaviour; answer: 201 | 409 }
> = {
  "the handler's read": {
    command: "GetItemCommand",
    behaviour: "reads, then commits its effect",
    answer: 201,
  },
  "the transaction": {
    command: "TransactWriteItemsCommand",
    behaviour: "commits its effect",
    answer: 201,
  },
  // A business refusal writes nothing: its answer is stored by a lone conditional put.
  "the conditional put": {
    command: "PutItemCommand",
    behaviour: "refuses (a business 409)",
    answer: 409,
  },
};

interface CommitExpectation {
  readonly step: CommitStep;
  readonly timing: FaultTiming;
  readonly firstAnswer: { status: 500 | 503; slug: string };
  readonly recordAfterFault: "absent" | "completed";
  readonly retryGets: "a replay of the stored answer" | "a fresh answer";
}

const commitExpectations: readonly CommitExpectation[] = [
  // A read changes nothing: a retry can cure it (503 with Retry-After), nothing is stored.
  ...(["before-reaching-dynamodb", "after-reaching-dynamodb"] as const).map((timing) => ({
    step: "the handler's read" as const,
    timing,
    firstAnswer: { status: 503, slug: "service-unavailable" } as const,
    recordAfterFault: "absent" as const,
    retryGets: "a fresh answer" as const,
  })),
  {
    step: "the transaction",
    timing: "before-reaching-dynamodb",
    firstAnswer: storeUnavailable,
    recordAfterFault: "absent",
    retryGets: "a fresh answer",
  },
  {
    // The effect and the record committed together; the caller saw a 503.
    step: "the transaction",
    timing: "after-reaching-dynamodb",
    firstAnswer: storeUnavailable,
    recordAfterFault: "completed",
    retryGets: "a replay of the stored answer",
  },
  {
    // The refusal changed nothing, so it is not answered unstored: 503, retry.
    step: "the conditional put",
    timing: "before-reaching-dynamodb",
    firstAnswer: storeUnavailable,
    recordAfterFault: "absent",
    retryGets: "a fresh answer",
  },
  {
    step: "the conditional put",
    timing: "after-reaching-dynamodb",
    firstAnswer: storeUnavailable,
    recordAfterFault: "completed",
    retryGets: "a replay of the stored answer",
  },
];

const commitMatrix = commitExpectations.flatMap((expectation) =>
  faultKinds.map((kind) => ({ ...expectation, kind })),
);

describe("commit strategy under DynamoDB faults (no SDK retries)", () => {
  it.each(commitMatrix)(
    "$step fails ($kind, $timing): answers $firstAnswer.status; the retry runs at once and gets $retryGets",
    async ({ step, timing, kind, firstAnswer, recordAfterFault, retryGets }) => {
      const { command, behaviour, answer } = commitStepUnderTest[step];
      const { pk, event, counterId } = depositRequest();
      const client = faultyClient();
      const handler = handlerBody(behaviour, counterId, () => client);
      const faults = injectFaults(client);
      faults.inject({ command, kind, timing });
      const faulty = idempotentHandler(
        { store: storeOn(client), strategy: "commit" },
        handler.body,
      );
      const healthy = idempotentHandler(
        { store: dynamoDbStore(), strategy: "commit" },
        handler.body,
      );

      const first = await faulty(event(), lambdaContext());
      const afterFault = await readRecord(pk);
      const retry = await healthy(event(), lambdaContext());
      const settled = await readRecord(pk);
      client.destroy();

      expect(faults.injected()).toEqual([{ command, kind, timing }]);
      // The faulty attempt's answer.
      expect(first.statusCode).toBe(firstAnswer.status);
      expect(problemSlug(first)).toBe(firstAnswer.slug);
      if (first.statusCode === 503) {
        expect(Number(first.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      }
      expect(afterFault?.status).toBe(recordAfterFault === "absent" ? undefined : "COMPLETED");
      // Nothing holds the key: the very next retry is final, never a 409 in progress.
      expect(retry.statusCode).toBe(answer);
      if (retryGets === "a replay of the stored answer") {
        expect(retry.headers["idempotent-replayed"]).toBe("true");
        expect(retry.body).toBe(storedAnswerOf(afterFault)?.body);
      } else {
        expect(retry.headers["idempotent-replayed"]).toBeUndefined();
        // The second run's own answer (the first run's was never stored).
        expect(runOf(retry)).toBe(2);
      }
      // The handler ran twice (its reads run on every attempt); the effect at most once.
      expect(handler.runs()).toBe(2);
      expect(await counterValue(counterId)).toBe(answer === 201 ? 1 : 0);
      expect(storedAnswerOf(settled)?.body).toBe(retry.body);
    },
  );
});

describe.each(["lease", "commit"] as const)(
  "%s strategy under DynamoDB faults the SDK retries (maxAttempts 3)",
  (strategy) => {
    it.each(faultKinds)(
      "commits once when a transaction that reached DynamoDB is resent after a %s fault",
      async (kind) => {
        const { pk, event, counterId } = depositRequest();
        const handler = handlerBody("commits its effect", counterId);
        const client = createDynamoDbClient({
          endpoint: testEnvironment().endpoint,
          maxAttempts: 3,
        });
        const faults = injectFaults(client);
        faults.inject({
          command: "TransactWriteItemsCommand",
          kind,
          timing: "after-reaching-dynamodb",
        });
        const withRetries = idempotentHandler({ store: storeOn(client), strategy }, handler.body);
        const healthy = idempotentHandler({ store: dynamoDbStore(), strategy }, handler.body);

        const first = await withRetries(event(), lambdaContext());
        const retry = await healthy(event(), lambdaContext());
        client.destroy();

        // The SDK resent the transaction with its ClientRequestToken: DynamoDB
        // acknowledges the repeat of a committed transaction without writing again.
        expect(faults.attempts("TransactWriteItemsCommand")).toBe(2);
        expect(first.statusCode).toBe(201);
        expect(first.headers["idempotent-replayed"]).toBeUndefined();
        expect(retry.statusCode).toBe(201);
        expect(retry.headers["idempotent-replayed"]).toBe("true");
        expect(retry.body).toBe(first.body);
        expect(await counterValue(counterId)).toBe(1);
        expect(storedAnswerOf(await readRecord(pk))?.body).toBe(first.body);
      },
    );
  },
);
