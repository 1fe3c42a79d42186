import {
  type IdempotencyOutcome,
  type IdempotencyStore,
  IdempotencyStoreUnavailableError,
  IdempotencyStrategy,
  InMemoryIdempotencyStore,
  type InMemoryWrite,
  makeIdempotent,
} from "../../../functions/idempotency";
import { created, idempotentHandler } from "../../support/idempotent-handler";
import { deferred, lambdaContext, restApiEvent } from "../../support/lambda-fixtures";

/** The outcomes the layer reported, in order. */
function recorder() {
  const outcomes: IdempotencyOutcome[] = [];
  return {
    outcomes,
    metrics: { outcome: (outcome: IdempotencyOutcome) => outcomes.push(outcome) },
  };
}

const request = (body = '{"amount":1}') =>
  restApiEvent({ method: "POST", route: "/things", body, idempotencyKey: "key-1" });

describe.each(Object.values(IdempotencyStrategy))(
  "outcome metrics of the middleware, %s strategy",
  (strategy) => {
    it("counts executed, replayed and key-reused, once per keyed request", async () => {
      const { outcomes, metrics } = recorder();
      const effect: InMemoryWrite = { apply: () => undefined };
      const handler = idempotentHandler(
        { store: new InMemoryIdempotencyStore(), strategy, metrics },
        async (_event, context) => context.idempotency?.commit([effect], created({ id: "1" })),
      );

      await handler(request(), lambdaContext());
      await handler(request(), lambdaContext());
      await handler(request('{"amount":2}'), lambdaContext());
      await handler(
        restApiEvent({ method: "POST", route: "/things", idempotencyKey: undefined }),
        lambdaContext(),
      );

      // The request without a key is refused before any decision: not counted.
      expect(outcomes).toEqual(["executed", "replayed", "key-reused"]);
    });

    it("counts store-unavailable when the store cannot answer", async () => {
      const { outcomes, metrics } = recorder();
      const down = (): Promise<never> => Promise.reject(new IdempotencyStoreUnavailableError(1));
      const store: IdempotencyStore<InMemoryWrite> = {
        peek: down,
        commit: down,
        claim: down,
        advance: down,
        complete: down,
        release: down,
      };
      const handler = idempotentHandler({ store, strategy, metrics }, async (_event, context) =>
        context.idempotency?.commit([], created({ id: "1" })),
      );

      const answer = await handler(request(), lambdaContext());

      expect(answer.statusCode).toBe(503);
      expect(outcomes).toEqual(["store-unavailable"]);
    });
  },
);

describe("outcome metrics, lease strategy only", () => {
  it("counts in-progress for a duplicate while the first holds the lease", async () => {
    const { outcomes, metrics } = recorder();
    const gate = deferred();
    const handler = idempotentHandler(
      { store: new InMemoryIdempotencyStore(), strategy: "lease", metrics },
      async () => {
        await gate.promise;
        return created({ id: "1" });
      },
    );

    const first = handler(request(), lambdaContext());
    await new Promise((resolve) => setImmediate(resolve));
    const duplicate = await handler(request(), lambdaContext());
    gate.resolve();
    await first;

    expect(duplicate.statusCode).toBe(409);
    expect(outcomes).toEqual(["in-progress", "executed"]);
  });
});

describe("outcome metrics of makeIdempotent", () => {
  it.each(Object.values(IdempotencyStrategy))(
    "counts executed then replayed (%s)",
    async (strategy) => {
      const { outcomes, metrics } = recorder();
      const once = makeIdempotent(async (payload: { id: string }) => payload.id, {
        store: new InMemoryIdempotencyStore(),
        strategy,
        scope: "test",
        keyOf: (payload) => payload.id,
        metrics,
      });

      await once({ id: "a" });
      await once({ id: "a" });

      expect(outcomes).toEqual(["executed", "replayed"]);
    },
  );
});
