import type { components, operations } from "./schema";

/** The API's resources and requests, as the OpenAPI document names them. */
type Schemas = components["schemas"];

export type Account = Schemas["Account"];
export type LedgerEntry = Schemas["LedgerEntry"];
export type LedgerPage = Schemas["LedgerPage"];
export type Deposit = Schemas["Deposit"];
export type Transfer = Schemas["Transfer"];
export type Order = Schemas["Order"];
export type OrderItem = Schemas["OrderItem"];
export type Payment = Schemas["Payment"];
export type Refund = Schemas["Refund"];
export type IssuedKey = Schemas["IssuedKey"];
export type Health = Schemas["Health"];
export type OpenApiDocument = Schemas["OpenApiDocument"];

export type CreateAccountRequest = Schemas["CreateAccountRequest"];
export type CreateDepositRequest = Schemas["CreateDepositRequest"];
export type CreateTransferRequest = Schemas["CreateTransferRequest"];
export type CreateOrderRequest = Schemas["CreateOrderRequest"];
export type UpdateOrderRequest = Schemas["UpdateOrderRequest"];
export type PayOrderRequest = Schemas["PayOrderRequest"];
export type RefundOrderRequest = Schemas["RefundOrderRequest"];

export type EntriesQuery = NonNullable<operations["listEntries"]["parameters"]["query"]>;
