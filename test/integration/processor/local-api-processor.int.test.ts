import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  loadProcessorConfig,
  loadWebhookSecret,
} from "../../../functions/processor/processor-config";
import { createStripePaymentProcessor } from "../../../functions/processor/stripe-payment-processor";
import { type LocalApi, startLocalApi } from "../../../lib/local/local-api";
import { silentLogger } from "../../support/lambda-fixtures";

// `npm start` wiring: an emulator of its own unless PAYMENT_PROCESSOR_URL is
// set, its address, key and secret handed to the handlers through
// process.env before they load, and closed with the API.

function start(environment: Record<string, string> = {}): Promise<LocalApi> {
  return startLocalApi(
    {
      ...process.env,
      PORT: "0",
      OUTBOX_SINK_FILE: join(mkdtempSync(join(tmpdir(), "processor-api-")), "outbox-events.jsonl"),
      ...environment,
    },
    { logger: silentLogger },
  );
}

const charge = (idempotencyKey: string) => ({
  idempotencyKey,
  amount: 1200,
  currency: "EUR",
  paymentMethod: "pm_card_visa",
  metadata: { orderId: "order-1", paymentId: "payment-1" },
  timeoutMs: 5_000,
});

describe("the local API's payment processor", () => {
  it("starts an emulator the handlers' configuration reaches, and stops it with the API", async () => {
    delete process.env.PAYMENT_PROCESSOR_URL;
    const api = await start();
    let closed = false;
    try {
      expect(api.ownsProcessorEmulator).toBe(true);
      expect(process.env.PAYMENT_PROCESSOR_URL).toBe(api.paymentProcessorUrl);
      expect(loadWebhookSecret(process.env)).toMatch(/^whsec_/);

      // What a handler does at cold start, then at a request.
      const processor = createStripePaymentProcessor({
        ...loadProcessorConfig(process.env),
        maxNetworkRetries: 0,
      });
      expect(await processor.charge(charge("local-api-1"))).toMatchObject({ status: "succeeded" });
      expect(api.processorEmulator?.chargesCreated("local-api-1")).toBe(1);

      await api.close();
      closed = true;
      expect(process.env.PAYMENT_PROCESSOR_URL).toBeUndefined();
      expect(await processor.charge(charge("local-api-2"))).toEqual({
        status: "unknown",
        reason: "connection",
      });
    } finally {
      if (!closed) await api.close();
    }
  });

  it("uses the processor PAYMENT_PROCESSOR_URL names instead of starting one", async () => {
    const api = await start({
      PAYMENT_PROCESSOR_URL: "http://127.0.0.1:9",
      PAYMENT_PROCESSOR_API_KEY: "sk_test_elsewhere",
    });
    try {
      expect(api.ownsProcessorEmulator).toBe(false);
      expect(api.processorEmulator).toBeUndefined();
      expect(loadProcessorConfig(process.env)).toEqual({
        url: "http://127.0.0.1:9",
        apiKey: "sk_test_elsewhere",
      });
    } finally {
      await api.close();
      delete process.env.PAYMENT_PROCESSOR_URL;
    }
  });

  it("refuses an invalid PAYMENT_PROCESSOR_URL at start, naming it", async () => {
    await expect(start({ PAYMENT_PROCESSOR_URL: "not a url" })).rejects.toThrow(
      /PAYMENT_PROCESSOR_URL/,
    );
  });
});
