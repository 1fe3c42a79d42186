import type { InMemoryWrite } from "../../../functions/idempotency";
import { describeStoreContract, inMemoryStoreHarness } from "../../support/store-contract";

describeStoreContract<InMemoryWrite>("InMemoryIdempotencyStore", inMemoryStoreHarness);
