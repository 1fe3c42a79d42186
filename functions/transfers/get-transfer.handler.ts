import { routeById } from "../routes";
import { createHttpHandler } from "../shared/http/http-handler";
import { createTransferDependencies } from "./transfer-dependencies";
import { transferParamsSchema } from "./transfer-schemas";
import { getTransfer } from "./transfer-use-cases";

const { transfers, observability } = createTransferDependencies("getTransfer");

export const handler = createHttpHandler({
  route: routeById("getTransfer"),
  schemas: { params: transferParamsSchema },
  resourceName: "The transfer",
  observability,
  handle: ({ caller, params }) =>
    getTransfer({ caller, transferId: params.transferId }, { transfers }),
});
