import type { InMemoryWrite } from "../../../functions/idempotency";
import { describeStoreContract, inMemoryStoreHarness } from "../../support/store-contract";

describeStoreContract<InMemoryWrite>("InMemoryIdempotencyStore", inMemoryStoreHarness, {
  noConflicts:
    "each of its writes is one JavaScript turn, so none is ever in flight beside another",
});
