import { InMemoryIdempotencyStore, type InMemoryWrite } from "../../../functions/idempotency";
import { describeStoreProperties } from "../../support/store-properties";

describeStoreProperties<InMemoryWrite>(
  "InMemoryIdempotencyStore",
  () => {
    const store = new InMemoryIdempotencyStore();
    const written = new Set<string>();
    return {
      store,
      write: (marker, options) => ({
        condition: () => !options?.rejected,
        apply: () => written.add(marker),
      }),
      wasWritten: async (marker) => written.has(marker),
      read: async (pk) => store.get(pk),
      seed: async (record) => store.put(record),
    };
  },
  { numRuns: 500 },
);
