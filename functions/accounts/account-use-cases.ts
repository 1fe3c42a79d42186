import type { HttpResult } from "../idempotency";
import { problems } from "../shared/http/http-problems";
import { created, ok } from "../shared/http/responses";
import { newId } from "../shared/ids";
import { retryOnConflict } from "../shared/optimistic-retry";
import { outboxEvent } from "../shared/outbox";
import type { WritePorts } from "../shared/write-ports";
import { type Account, type Deposit, type Posting, post } from "./account";
import type { AccountRepository } from "./account-repository";

/** Ports of the account use cases: storage, the exactly-once commit, a clock. */
export interface AccountPorts<TWrite> extends WritePorts<TWrite> {
  readonly accounts: AccountRepository<TWrite>;
}

export type ReadPorts<TWrite> = Pick<AccountPorts<TWrite>, "accounts">;

/** The caller's own account, or 404: others' accounts look exactly like missing ones. */
export async function ownAccount<TWrite>(
  accounts: AccountRepository<TWrite>,
  caller: string,
  accountId: string,
): Promise<Account> {
  const account = await accounts.find(accountId);
  if (!account || account.ownerId !== caller) throw problems.notFound("The account");
  return account;
}

/**
 * The account after a posting and its entry, or the 409 that says why the
 * posting is refused (`what` names the account in the message).
 */
export function postOrRefuse(account: Account, what: string, posting: Posting) {
  const result = post(account, posting);
  if (result.ok) return result;
  if (result.reason === "insufficient-funds") {
    throw problems.insufficientFunds(what, account.balance, -posting.delta);
  }
  throw problems.balanceLimitExceeded(what);
}

export async function createAccount<TWrite>(
  input: { caller: string; currency: string; name?: string | undefined },
  ports: AccountPorts<TWrite>,
): Promise<HttpResult> {
  const account: Account = {
    id: newId(),
    ownerId: input.caller,
    name: input.name ?? null,
    currency: input.currency,
    balance: 0,
    version: 1,
    createdAt: ports.now().toISOString(),
  };
  const event = outboxEvent(
    "account.opened",
    account.id,
    { account },
    account.createdAt,
    ports.correlationId,
  );
  return ports.commit(
    [ports.accounts.create(account), ports.accounts.recordEvent(event)],
    created(`/accounts/${account.id}`, account, account.version),
  );
}

export async function getAccount<TWrite>(
  input: { caller: string; accountId: string },
  ports: ReadPorts<TWrite>,
): Promise<HttpResult> {
  const account = await ownAccount(ports.accounts, input.caller, input.accountId);
  return ok(account, account.version);
}

export async function listEntries<TWrite>(
  input: { caller: string; accountId: string; limit: number; cursor?: string | undefined },
  ports: ReadPorts<TWrite>,
): Promise<HttpResult> {
  if (input.cursor !== undefined && !ports.accounts.isCursor(input.cursor)) {
    throw problems.validation([{ path: "cursor", message: "not a cursor this API handed out" }]);
  }
  await ownAccount(ports.accounts, input.caller, input.accountId);
  const page = await ports.accounts.listEntries(input.accountId, {
    limit: input.limit,
    ...(input.cursor ? { after: input.cursor } : {}),
  });
  return ok({ items: page.items, nextCursor: page.next });
}

export async function createDeposit<TWrite>(
  input: { caller: string; accountId: string; amount: number },
  ports: AccountPorts<TWrite>,
): Promise<HttpResult> {
  const depositId = newId();
  return retryOnConflict(async () => {
    const account = await ownAccount(ports.accounts, input.caller, input.accountId);
    const at = ports.now().toISOString();
    const posting = postOrRefuse(account, "the account", {
      entryId: newId(),
      type: "deposit",
      delta: input.amount,
      referenceId: depositId,
      at,
    });
    const deposit: Deposit = {
      id: depositId,
      accountId: account.id,
      amount: input.amount,
      balance: posting.account.balance,
      createdAt: at,
    };
    const event = outboxEvent(
      "account.deposited",
      account.id,
      { deposit },
      at,
      ports.correlationId,
    );
    return ports.commit(
      [
        ...ports.accounts.saveBalance(account, posting.account, posting.entry),
        ports.accounts.createDeposit(deposit),
        ports.accounts.recordEvent(event),
      ],
      created(`/accounts/${account.id}/deposits/${deposit.id}`, deposit),
    );
  }, ports.remainingTimeMs);
}

export async function getDeposit<TWrite>(
  input: { caller: string; accountId: string; depositId: string },
  ports: ReadPorts<TWrite>,
): Promise<HttpResult> {
  await ownAccount(ports.accounts, input.caller, input.accountId);
  const deposit = await ports.accounts.findDeposit(input.accountId, input.depositId);
  if (!deposit) throw problems.notFound("The deposit");
  return ok(deposit);
}
