import type {
  ChargeOutcome,
  ChargeRequest,
  PaymentProcessor,
  RefundOutcome,
  RefundRequest,
} from "../../../functions/processor/payment-processor";
import {
  type CircuitBrokenProcessor,
  type CircuitState,
  withCircuitBreaker,
} from "../../../functions/processor/processor-circuit";

const chargeRequest: ChargeRequest = {
  idempotencyKey: "charge:k",
  amount: 100,
  currency: "EUR",
  paymentMethod: "pm_card_visa",
  metadata: {},
  timeoutMs: 1_000,
};
const refundRequest: RefundRequest = {
  idempotencyKey: "refund:k",
  processorPaymentId: "pi_1",
  amount: 100,
  metadata: {},
  timeoutMs: 1_000,
};

const succeeded: ChargeOutcome = { status: "succeeded", processorPaymentId: "pi_1" };
const timedOut: ChargeOutcome = { status: "unknown", reason: "timeout" };
const circuitOpen = { status: "unknown", reason: "circuit-open" };

/** A processor answering charges from a script (the last answer repeats), counting calls. */
class ScriptedProcessor implements PaymentProcessor {
  calls = 0;
  constructor(private readonly script: Array<ChargeOutcome | Error | Promise<ChargeOutcome>>) {}

  async charge(_request: ChargeRequest): Promise<ChargeOutcome> {
    this.calls += 1;
    const next = this.script.length > 1 ? this.script.shift() : this.script[0];
    if (next === undefined) throw new Error("empty script");
    if (next instanceof Error) throw next;
    return next;
  }

  async refund(_request: RefundRequest): Promise<RefundOutcome> {
    this.calls += 1;
    return { status: "succeeded", processorRefundId: "re_1" };
  }

  answer(...outcomes: Array<ChargeOutcome | Error | Promise<ChargeOutcome>>): void {
    this.script.splice(0, this.script.length, ...outcomes);
  }
}

let circuits: CircuitBrokenProcessor[] = [];
afterEach(() => {
  for (const circuit of circuits) circuit.shutdown();
  circuits = [];
});

function guard(processor: PaymentProcessor, failureThreshold = 3) {
  const states: CircuitState[] = [];
  let onHalfOpen: () => void = () => undefined;
  const circuit = withCircuitBreaker(processor, {
    failureThreshold,
    resetTimeoutMs: 30,
    onStateChange: (state) => {
      states.push(state);
      if (state === "half-open") onHalfOpen();
    },
  });
  circuits.push(circuit);
  const halfOpen = () =>
    new Promise<void>((resolve) => {
      onHalfOpen = resolve;
    });
  return { circuit, states, halfOpen };
}

async function chargeTimes(circuit: PaymentProcessor, times: number): Promise<ChargeOutcome[]> {
  const outcomes: ChargeOutcome[] = [];
  for (let i = 0; i < times; i++) outcomes.push(await circuit.charge(chargeRequest));
  return outcomes;
}

describe("withCircuitBreaker", () => {
  it("passes outcomes through while closed", async () => {
    const processor = new ScriptedProcessor([succeeded]);
    const { circuit, states } = guard(processor);

    expect(await circuit.charge(chargeRequest)).toEqual(succeeded);
    expect(await circuit.refund(refundRequest)).toEqual({
      status: "succeeded",
      processorRefundId: "re_1",
    });
    expect(circuit.state).toBe("closed");
    expect(states).toEqual([]);
  });

  it("opens after failureThreshold unknown outcomes in a row, then refuses without calling", async () => {
    const processor = new ScriptedProcessor([timedOut]);
    const { circuit, states } = guard(processor, 3);

    expect(await chargeTimes(circuit, 3)).toEqual([timedOut, timedOut, timedOut]);
    expect(circuit.state).toBe("open");
    expect(states).toEqual(["open"]);

    expect(await circuit.charge(chargeRequest)).toEqual(circuitOpen);
    expect(await circuit.refund(refundRequest)).toEqual(circuitOpen);
    expect(processor.calls).toBe(3);
  });

  it("counts failures in a row only: a success in between starts the count again", async () => {
    const processor = new ScriptedProcessor([
      timedOut,
      timedOut,
      succeeded,
      timedOut,
      timedOut,
      succeeded,
    ]);
    const { circuit } = guard(processor, 3);

    await chargeTimes(circuit, 6);

    expect(circuit.state).toBe("closed");
    expect(processor.calls).toBe(6);
  });

  it("does not count declines, or errors the processor answered (rethrown), as failures", async () => {
    const declined: ChargeOutcome = { status: "declined", declineCode: "generic_decline" };
    const bug = new Error("idempotency_error");
    const processor = new ScriptedProcessor([
      timedOut,
      timedOut,
      declined,
      timedOut,
      timedOut,
      bug,
      timedOut,
      timedOut,
      declined,
    ]);
    const { circuit } = guard(processor, 3);

    await chargeTimes(circuit, 5);
    await expect(circuit.charge(chargeRequest)).rejects.toBe(bug);
    await chargeTimes(circuit, 3);

    expect(circuit.state).toBe("closed");
    expect(processor.calls).toBe(9);
  });

  it.each(["server-error", "connection", "in-progress"] as const)(
    "counts unknown (%s) as a failure",
    async (reason) => {
      const processor = new ScriptedProcessor([{ status: "unknown", reason }]);
      const { circuit } = guard(processor, 2);

      await chargeTimes(circuit, 2);

      expect(circuit.state).toBe("open");
    },
  );

  it("lets one probe through after the cool-down; its success closes the circuit", async () => {
    const processor = new ScriptedProcessor([timedOut]);
    const { circuit, states, halfOpen } = guard(processor, 2);
    const probing = halfOpen();
    await chargeTimes(circuit, 2);
    expect(await circuit.charge(chargeRequest)).toEqual(circuitOpen);

    await probing;
    expect(circuit.state).toBe("half-open");
    processor.answer(succeeded);
    expect(await circuit.charge(chargeRequest)).toEqual(succeeded);

    expect(circuit.state).toBe("closed");
    expect(states).toEqual(["open", "half-open", "closed"]);
    expect(await chargeTimes(circuit, 2)).toEqual([succeeded, succeeded]);
    expect(processor.calls).toBe(5);
  });

  it("reopens when the probe fails, and refuses again without calling", async () => {
    const processor = new ScriptedProcessor([timedOut]);
    const { circuit, states, halfOpen } = guard(processor, 2);
    const probing = halfOpen();
    await chargeTimes(circuit, 2);

    await probing;
    expect(await circuit.charge(chargeRequest)).toEqual(timedOut);

    expect(circuit.state).toBe("open");
    expect(states).toEqual(["open", "half-open", "open"]);
    expect(await circuit.charge(chargeRequest)).toEqual(circuitOpen);
    expect(processor.calls).toBe(3);
  });

  it("lets only one probe through while half-open", async () => {
    const processor = new ScriptedProcessor([timedOut]);
    const { circuit, halfOpen } = guard(processor, 2);
    const probing = halfOpen();
    await chargeTimes(circuit, 2);
    await probing;

    let answerProbe: (outcome: ChargeOutcome) => void = () => undefined;
    processor.answer(
      new Promise<ChargeOutcome>((resolve) => {
        answerProbe = resolve;
      }),
    );
    const probe = circuit.charge(chargeRequest);
    const meanwhile = await circuit.charge(chargeRequest);
    answerProbe(succeeded);

    expect(meanwhile).toEqual(circuitOpen);
    expect(await probe).toEqual(succeeded);
    expect(processor.calls).toBe(3);
  });

  it("does not count an inner circuit-open as a failure", async () => {
    const processor = new ScriptedProcessor([{ status: "unknown", reason: "circuit-open" }]);
    const { circuit } = guard(processor, 2);

    await chargeTimes(circuit, 4);

    expect(circuit.state).toBe("closed");
    expect(processor.calls).toBe(4);
  });
});
