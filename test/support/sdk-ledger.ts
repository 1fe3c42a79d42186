import type { LedgerEntry, PaymentsClient } from "../../sdk";

/** Every ledger entry of an account through the SDK, following the cursor to the end. */
export async function entriesThroughSdk(
  client: PaymentsClient,
  accountId: string,
): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  let cursor: string | null = null;
  do {
    const page = await client.listEntries(accountId, { limit: 100, ...(cursor ? { cursor } : {}) });
    entries.push(...page.data.items);
    cursor = page.data.nextCursor;
  } while (cursor);
  return entries;
}

export const sumOf = (amounts: readonly number[]) => amounts.reduce((sum, n) => sum + n, 0);
