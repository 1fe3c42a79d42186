import { ulid } from "ulid";

// ULIDs: time-ordered to the millisecond (sortable in keys and pages) and
// unguessable: 80 random bits drawn afresh for every id. Not the monotonic
// factory, whose ids of one millisecond are consecutive (+1, +2) and so let
// a caller guess another's ids. Nothing relies on order within a
// millisecond: the ledger sorts entries by account version.
export const newId = (): string => ulid();
