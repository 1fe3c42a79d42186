import { lazyPaymentProcessor } from "../../../functions/orders/card-processor";
import { createMetrics } from "../../../functions/shared/observability/metrics";
import { silentLogger } from "../../support/lambda-fixtures";

/**
 * The processor of a route function is built on first use, its key loaded
 * then: `ready` lets a card route find out before it commits anything, and a
 * failed load is tried again on the next call rather than kept.
 */
describe("lazyPaymentProcessor", () => {
  const observability = { logger: silentLogger, metrics: createMetrics("test") };

  it("loads nothing until asked, then throws why it cannot be built, and tries again next time", async () => {
    let loads = 0;
    const processor = lazyPaymentProcessor(observability, async () => {
      loads += 1;
      if (loads === 1) throw new Error("the secret holds no apiKey yet");
      return { url: "http://127.0.0.1:1", apiKey: "sk_test_local" };
    });

    expect(loads).toBe(0);
    await expect(processor.ready()).rejects.toThrow("the secret holds no apiKey yet");
    await expect(processor.ready()).resolves.toBeUndefined();
    await expect(processor.ready()).resolves.toBeUndefined();
    expect(loads).toBe(2);
  });
});
