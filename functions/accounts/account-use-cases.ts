import { newId } from "../domain/primitives";
import { refuse } from "../domain/refusals";
import { retryOnConflict } from "../shared/optimistic-retry";
import { outboxEvent } from "../shared/outbox";
import type { WritePorts } from "../shared/write-ports";
import { type Account, type Deposit, postOrRefuse } from "./account";
import { type AccountRepository, type EntriesPage, ownAccount } from "./account-repository";

/** Ports of an account use case: storage, the exactly-once commit of its result, a clock. */
export interface AccountPorts<TWrite, TResult> extends WritePorts<TWrite, TResult> {
  readonly accounts: AccountRepository<TWrite>;
}

export interface AccountReadPorts<TWrite> {
  readonly accounts: AccountRepository<TWrite>;
}

export async function createAccount<TWrite>(
  input: { caller: string; currency: string; name?: string | undefined },
  ports: AccountPorts<TWrite, Account>,
): Promise<Account> {
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
  return ports.commit([ports.accounts.create(account), ports.accounts.recordEvent(event)], account);
}

export async function getAccount<TWrite>(
  input: { caller: string; accountId: string },
  ports: AccountReadPorts<TWrite>,
): Promise<Account> {
  return ownAccount(ports.accounts, input.caller, input.accountId);
}

export async function listEntries<TWrite>(
  input: { caller: string; accountId: string; limit: number; cursor?: string | undefined },
  ports: AccountReadPorts<TWrite>,
): Promise<EntriesPage> {
  if (input.cursor !== undefined && !ports.accounts.isCursor(input.cursor)) {
    return refuse({ reason: "invalid-cursor" });
  }
  await ownAccount(ports.accounts, input.caller, input.accountId);
  return ports.accounts.listEntries(input.accountId, {
    limit: input.limit,
    ...(input.cursor ? { after: input.cursor } : {}),
  });
}

export async function createDeposit<TWrite>(
  input: { caller: string; accountId: string; amount: number },
  ports: AccountPorts<TWrite, Deposit>,
): Promise<Deposit> {
  const depositId = newId();
  return retryOnConflict(async () => {
    const account = await ownAccount(ports.accounts, input.caller, input.accountId);
    const at = ports.now().toISOString();
    const posting = postOrRefuse(account, "account", {
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
      deposit,
    );
  }, ports.remainingTimeMs);
}

export async function getDeposit<TWrite>(
  input: { caller: string; accountId: string; depositId: string },
  ports: AccountReadPorts<TWrite>,
): Promise<Deposit> {
  await ownAccount(ports.accounts, input.caller, input.accountId);
  const deposit = await ports.accounts.findDeposit(input.accountId, input.depositId);
  return deposit ?? refuse({ reason: "not-found", resource: "deposit" });
}
