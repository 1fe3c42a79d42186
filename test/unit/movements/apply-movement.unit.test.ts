import fc from "fast-check";
import { type Account, MAX_BALANCE } from "../../../functions/accounts/account";
import { applyMovement } from "../../../functions/movements/apply-movement";
import { type Movement, queueOf } from "../../../functions/movements/movement";

const AT = "2026-12-06T10:00:00.000Z";
const A = "01JAAAAAAAAAAAAAAAAAAAAAAA";
const B = "01JBBBBBBBBBBBBBBBBBBBBBBB";

const account = (id: string, balance: number, version = 1): Account => ({
  id,
  ownerId: "alice",
  name: null,
  currency: "EUR",
  balance,
  version,
  createdAt: AT,
});
const deposit = (amount: number, accountId = A): Movement => ({
  type: "deposit",
  depositId: "01JDEPOSITDEPOSITDEPOSIT00",
  accountId,
  amount,
  correlationId: "c",
});
const transfer = (amount: number, fromAccountId = A, toAccountId = B): Movement => ({
  type: "transfer",
  transfer: {
    id: "01JTRANSFERTRANSFERTRANS00",
    fromAccountId,
    toAccountId,
    amount,
    currency: "EUR",
    ownerId: "alice",
  },
  correlationId: "c",
});

describe("applyMovement: the one decision of a deposit or a transfer", () => {
  it("credits a deposit: one entry at the next version, the deposit with its balance after, its event", () => {
    const accounts = new Map([[A, account(A, 100, 4)]]);

    const applied = applyMovement(accounts, deposit(250), AT);

    expect(applied.status).toBe("moved");
    if (applied.status !== "moved") return;
    expect(accounts.get(A)).toMatchObject({ balance: 350, version: 5 });
    expect(applied.entries).toEqual([
      {
        version: 5,
        entry: expect.objectContaining({ type: "deposit", amount: 250, balanceAfter: 350 }),
      },
    ]);
    expect(applied.result).toMatchObject({
      accountId: A,
      amount: 250,
      balance: 350,
      createdAt: AT,
    });
    expect(applied.event).toMatchObject({ type: "account.deposited", subject: A });
  });

  it("moves a transfer: a debit and a credit, each at its account's next version; answers the owner's view", () => {
    const accounts = new Map([
      [A, account(A, 100, 2)],
      [B, account(B, 5, 9)],
    ]);

    const applied = applyMovement(accounts, transfer(60), AT);

    expect(applied.status).toBe("moved");
    if (applied.status !== "moved") return;
    expect(accounts.get(A)).toMatchObject({ balance: 40, version: 3 });
    expect(accounts.get(B)).toMatchObject({ balance: 65, version: 10 });
    expect(applied.entries.map(({ version, entry }) => [version, entry.amount])).toEqual([
      [3, -60],
      [10, 60],
    ]);
    expect(applied.result).not.toHaveProperty("ownerId");
    expect(applied.made.transfer).toMatchObject({ ownerId: "alice", createdAt: AT });
  });

  it("refuses a transfer the source cannot fund, and changes no balance", () => {
    const accounts = new Map([
      [A, account(A, 50)],
      [B, account(B, 0)],
    ]);

    const applied = applyMovement(accounts, transfer(60), AT);

    expect(applied).toEqual({
      status: "refused",
      refusal: { reason: "insufficient-funds", account: "source account", balance: 50, needed: 60 },
    });
    expect(accounts.get(A)?.balance).toBe(50);
    expect(accounts.get(B)?.balance).toBe(0);
  });

  it("refuses a credit past the balance limit, naming the account it is about", () => {
    const accounts = new Map([
      [A, account(A, 100)],
      [B, account(B, MAX_BALANCE)],
    ]);

    expect(applyMovement(accounts, transfer(1), AT)).toEqual({
      status: "refused",
      refusal: { reason: "balance-limit-exceeded", account: "destination account" },
    });
    expect(accounts.get(A)?.balance).toBe(100);
  });

  it("applied one after another on one map (a fold), keeps every entry's balanceAfter the running sum and refuses only what the balance at its turn cannot fund", () => {
    const amounts = fc.array(
      fc.integer({ min: -300, max: 300 }).filter((n) => n !== 0),
      {
        maxLength: 40,
      },
    );
    fc.assert(
      fc.property(amounts, (deltas) => {
        const accounts = new Map([
          [A, account(A, 100)],
          [B, account(B, 1_000_000)],
        ]);
        let running = 100;
        const versions: number[] = [];
        for (const delta of deltas) {
          // Positive: a deposit into A; negative: a transfer out of A.
          const applied = applyMovement(
            accounts,
            delta > 0 ? deposit(delta) : transfer(-delta),
            AT,
          );
          if (running + delta < 0) {
            expect(applied.status).toBe("refused");
            continue;
          }
          expect(applied.status).toBe("moved");
          if (applied.status !== "moved") return;
          running += delta;
          const onA = applied.entries.find(({ entry }) => entry.accountId === A);
          expect(onA?.entry.balanceAfter).toBe(running);
          versions.push(onA?.version ?? 0);
        }
        expect(accounts.get(A)?.balance).toBe(running);
        // Versions are consecutive: the entries' keys list them in the order they were applied.
        expect(versions).toEqual(versions.map((_, index) => 2 + index));
      }),
    );
  });
});

describe("queueOf: where a contended movement waits", () => {
  it("queues a deposit on its account, and a transfer on the lower of its two, whichever way it goes", () => {
    expect(queueOf(deposit(1, B))).toBe(B);
    expect(queueOf(transfer(1, A, B))).toBe(A);
    expect(queueOf(transfer(1, B, A))).toBe(A);
    expect(queueOf(transfer(1, B, A), new Set([A, B]))).toBe(A);
  });

  it("queues a transfer on its one hot account: payers into a hot merchant fold with its deposits", () => {
    expect(queueOf(transfer(1, A, B), new Set([B]))).toBe(B);
    expect(queueOf(transfer(1, B, A), new Set([B]))).toBe(B);
    expect(queueOf(deposit(1, B), new Set([A]))).toBe(B);
  });
});
