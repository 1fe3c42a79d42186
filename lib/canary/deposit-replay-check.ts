/**
 * The synthetic check of the API's promise, end to end: open an account,
 * deposit, send the very same deposit again under the same key, and see the
 * stored answer replayed (`Idempotent-Replayed: true`, the same bytes) and
 * the money counted once. The same function runs in the CloudWatch
 * Synthetics canary on AWS and in a jest test against `npm start`'s API.
 * It needs nothing but `fetch`.
 */

import { CheckFailedError, type CheckOptions, type CheckTarget, checkClient } from "./check-client";

export interface CheckResult {
  readonly accountId: string;
  readonly depositId: string;
  readonly balance: number;
}

/** Minor units deposited: 1.00. */
export const CHECK_DEPOSIT_AMOUNT = 100;

export async function depositReplayCheck(
  target: CheckTarget,
  options: CheckOptions = {},
): Promise<CheckResult> {
  const { call, expectStatus, expectReplay, step, runId } = checkClient(target, options);

  const accountId = await step("open an account", async () => {
    const answer = await call("POST", "accounts", `canary-${runId}-account`, {
      currency: "EUR",
      name: "synthetic check",
    });
    return String(expectStatus("open an account", answer, 201).id);
  });

  const depositPath = `accounts/${encodeURIComponent(accountId)}/deposits`;
  const depositKey = `canary-${runId}-deposit`;
  const deposit = { amount: CHECK_DEPOSIT_AMOUNT };
  const first = await step("deposit", async () => {
    const answer = await call("POST", depositPath, depositKey, deposit);
    expectStatus("deposit", answer, 201);
    return answer;
  });

  await step("send the deposit again: replayed", async () => {
    const again = await call("POST", depositPath, depositKey, deposit);
    expectReplay("send the deposit again", again, first);
  });

  const balance = await step("read the balance: one deposit", async () => {
    const name = "read the balance";
    const answer = await call("GET", `accounts/${encodeURIComponent(accountId)}`);
    const account = expectStatus(name, answer, 200);
    if (account.balance !== CHECK_DEPOSIT_AMOUNT) {
      throw new CheckFailedError(
        name,
        `balance ${CHECK_DEPOSIT_AMOUNT}`,
        answer.status,
        answer.text,
      );
    }
    return account.balance;
  });

  return { accountId, depositId: String(JSON.parse(first.text).id), balance };
}
