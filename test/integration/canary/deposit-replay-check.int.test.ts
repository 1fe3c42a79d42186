import { cardPaymentCheck } from "../../../lib/canary/card-payment-check";
import { CHECK_DEPOSIT_AMOUNT, depositReplayCheck } from "../../../lib/canary/deposit-replay-check";
import { startTestApi, type TestApi } from "../../support/http-api";

// The canary's check, the very function the CloudWatch Synthetics canary
// runs, against the local API (the local gateway, every handler, DynamoDB
// Local) with a local token.

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

describe("the deposit replay check", () => {
  it("passes against the API: one deposit, replayed, counted once", async () => {
    // Prepare
    const caller = api.caller("synthetic-check");
    const steps: string[] = [];

    // Act
    const result = await depositReplayCheck(
      { baseUrl: api.url, token: await caller.token() },
      {
        step: (name, run) => {
          steps.push(name);
          return run();
        },
      },
    );

    // Assess
    expect(result.balance).toBe(CHECK_DEPOSIT_AMOUNT);
    expect(await caller.balanceOf(result.accountId)).toBe(CHECK_DEPOSIT_AMOUNT);
    expect(steps).toEqual([
      "open an account",
      "deposit",
      "send the deposit again: replayed",
      "read the balance: one deposit",
    ]);
  });

  it("passes again on the next run, with keys of its own", async () => {
    // Prepare
    const target = { baseUrl: `${api.url}/`, token: await api.caller("synthetic-check").token() };

    // Act
    const [one, two] = [await depositReplayCheck(target), await depositReplayCheck(target)];

    // Assess
    expect(two.accountId).not.toBe(one.accountId);
  });

  it("fails, naming the step, when the second deposit is not a replay", async () => {
    // Prepare: a gateway that loses the replay header
    const target = { baseUrl: api.url, token: await api.caller("synthetic-check").token() };
    const forgetful: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const headers = new Headers(response.headers);
      headers.delete("idempotent-replayed");
      return new Response(await response.text(), { status: response.status, headers });
    };

    // Act & assess
    await expect(depositReplayCheck(target, { fetch: forgetful })).rejects.toThrow(
      /send the deposit again: expected Idempotent-Replayed: true/,
    );
  });

  it("fails without leaking the token when the caller is refused", async () => {
    // Act
    const failure = depositReplayCheck({ baseUrl: api.url, token: "not-a-token" }).catch(
      (error: unknown) => error,
    );

    // Assess
    const error = await failure;
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^open an account: expected 201, got 401/);
    expect((error as Error).message).not.toContain("not-a-token");
  });

  it("pays an order by card through the processor once, replayed, the order paid", async () => {
    const caller = api.caller("synthetic-check");
    const steps: string[] = [];

    const result = await cardPaymentCheck(
      { baseUrl: api.url, token: await caller.token() },
      {
        step: (name, run) => {
          steps.push(name);
          return run();
        },
      },
    );

    expect(result.processorPaymentId).toMatch(/^pi_/);
    expect((await caller.get(`/orders/${result.orderId}`)).body.status).toBe("paid");
    const charges = api.processor
      ?.paymentIntents()
      .filter((intent) => intent.metadata.orderId === result.orderId);
    expect(charges).toHaveLength(1);
    expect(steps).toEqual([
      "create an order",
      "pay by card",
      "send the payment again: replayed, not charged again",
      "read the order: paid",
    ]);
  });
});
