import { created, ok } from "../shared/http/responses";
import type { Transfer } from "./transfer";

/** The HTTP answers of the transfer routes: status, `Location`, body. */
export const transferAnswers = {
  createTransfer: (transfer: Transfer) => created(`/transfers/${transfer.id}`, transfer),
  getTransfer: (transfer: Transfer) => ok(transfer),
};
