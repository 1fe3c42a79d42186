import { routeById } from "../routes";
import { createHttpHandler } from "../shared/http/http-handler";
import { writePortsOf } from "../shared/write-ports";
import { createTransferDependencies } from "./transfer-dependencies";
import { createTransferBodySchema } from "./transfer-schemas";
import { createTransfer } from "./transfer-use-cases";

const { accounts, transfers, idempotency, observability } =
  createTransferDependencies("createTransfer");

export const handler = createHttpHandler({
  route: routeById("createTransfer"),
  schemas: { body: createTransferBodySchema },
  idempotency,
  observability,
  handle: ({ caller, body, correlationId }, context) =>
    createTransfer(
      { caller, ...body },
      { accounts, transfers, ...writePortsOf(context, correlationId) },
    ),
});
