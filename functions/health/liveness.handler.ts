import { createPublicHandler } from "../shared/http/public-handler";
import { ok } from "../shared/http/responses";
import { createObservability } from "../shared/observability/create-observability";
import { healthSchema } from "./health";

// Liveness proves only that the function runs: it calls nothing, so a table
// outage (which readiness, GET /health, reports) never makes it fail.
const body = ok(healthSchema.parse({ status: "ok" }));

export const handler = createPublicHandler(createObservability("liveness"), async () => body);
