import type { InMemoryWrite } from "../../../functions/idempotency";
import { inMemoryStoreHarness } from "../../support/store-contract";
import { describeStoreProperties } from "../../support/store-properties";

describeStoreProperties<InMemoryWrite>("InMemoryIdempotencyStore", inMemoryStoreHarness, {
  numRuns: 500,
});
