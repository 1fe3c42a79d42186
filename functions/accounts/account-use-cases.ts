import { newId } from "../domain/primitives";
import { refuse } from "../domain/refusals";
import { type MovementPorts, moveMoney } from "../movements/move-money";
import { outboxEvent } from "../shared/outbox";
import type { WritePorts } from "../shared/write-ports";
import { type Account, type Deposit, depositSchema } from "./account";
import {
  type AccountRepository,
  type EntriesPage,
  ownAccount,
  ownAccountForMovement,
} from "./account-repository";

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

/**
 * Credits the caller's account exactly once: see `moveMoney` for the two
 * paths a movement takes, direct or folded from the account's queue.
 */
export async function createDeposit<TWrite>(
  input: { caller: string; accountId: string; amount: number },
  ports: MovementPorts<TWrite, Deposit>,
): Promise<Deposit> {
  const depositId = newId();
  return moveMoney(
    async () => {
      const read = await ownAccountForMovement(ports.accounts, input.caller, input.accountId);
      return {
        movement: {
          type: "deposit",
          depositId,
          accountId: read.account.id,
          amount: input.amount,
          correlationId: ports.correlationId,
        },
        accounts: [read],
      };
    },
    (result) => depositSchema.parse(result),
    ports,
  );
}

export async function getDeposit<TWrite>(
  input: { caller: string; accountId: string; depositId: string },
  ports: AccountReadPorts<TWrite>,
): Promise<Deposit> {
  await ownAccount(ports.accounts, input.caller, input.accountId);
  const deposit = await ports.accounts.findDeposit(input.accountId, input.depositId);
  return deposit ?? refuse({ reason: "not-found", resource: "deposit" });
}
