import { created, ok } from "../shared/http/responses";
import type { Account, Deposit } from "./account";
import type { EntriesPage } from "./account-repository";

/** The HTTP answers of the account routes: status, `Location`, `ETag`, body. */
export const accountAnswers = {
  createAccount: (account: Account) => created(`/accounts/${account.id}`, account, account.version),
  getAccount: (account: Account) => ok(account, account.version),
  listEntries: (page: EntriesPage) => ok({ items: page.items, nextCursor: page.next }),
  createDeposit: (deposit: Deposit) =>
    created(`/accounts/${deposit.accountId}/deposits/${deposit.id}`, deposit),
  getDeposit: (deposit: Deposit) => ok(deposit),
};
