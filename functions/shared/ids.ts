import { monotonicFactory } from "ulid";

// ULIDs: time-ordered (sortable in keys and pages) and unguessable (80
// random bits). Monotonic within one process, so ids of one millisecond
// still sort in creation order.
const nextUlid = monotonicFactory();

export const newId = (): string => nextUlid();
