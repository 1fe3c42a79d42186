import * as z from "zod";
import { createDocument, type ZodOpenApiObject, type ZodOpenApiOperationObject } from "zod-openapi";
import { accountSchema, depositSchema, ledgerEntrySchema } from "../accounts/account";
import {
  accountParamsSchema,
  createAccountBodySchema,
  depositBodySchema,
  depositParamsSchema,
  entriesQuerySchema,
} from "../accounts/account-schemas";
import { issuedKeySchema } from "../idempotency-keys/issue-key";
import { isIdempotent, type RouteDefinition, type RouteId, routes } from "../routes";
import { transferSchema } from "../transfers/transfer";
import { createTransferBodySchema, transferParamsSchema } from "../transfers/transfer-schemas";
import { jsonAnswer, jsonBody, type OperationSpec, problems } from "./openapi-parts";
import { orderOperations } from "./order-operations";

const operations: Record<RouteId, OperationSpec> = {
  createAccount: {
    summary: "Open an account (a wallet) in one currency",
    tags: ["accounts"],
    requestBody: jsonBody(createAccountBodySchema),
    success: { "201": jsonAnswer("The account", accountSchema, { location: true, etag: true }) },
    errors: [],
  },
  getAccount: {
    summary: "Read an account and its balance",
    tags: ["accounts"],
    requestParams: { path: accountParamsSchema },
    success: { "200": jsonAnswer("The account", accountSchema, { etag: true }) },
    errors: [404],
  },
  listEntries: {
    summary: "List the ledger entries of an account, oldest first",
    tags: ["accounts"],
    requestParams: { path: accountParamsSchema, query: entriesQuerySchema },
    success: {
      "200": jsonAnswer(
        "A page of entries",
        z.object({ items: z.array(ledgerEntrySchema), nextCursor: z.string().nullable() }),
      ),
    },
    errors: [400, 404],
  },
  createDeposit: {
    summary: "Deposit money into an account",
    tags: ["accounts"],
    requestParams: { path: accountParamsSchema },
    requestBody: jsonBody(depositBodySchema),
    success: { "201": jsonAnswer("The deposit", depositSchema, { location: true }) },
    errors: [404],
  },
  getDeposit: {
    summary: "Read a deposit",
    tags: ["accounts"],
    requestParams: { path: depositParamsSchema },
    success: { "200": jsonAnswer("The deposit", depositSchema) },
    errors: [404],
  },
  createTransfer: {
    summary: "Move money from one of the caller's accounts to any account of the same currency",
    tags: ["transfers"],
    requestBody: jsonBody(createTransferBodySchema),
    success: { "201": jsonAnswer("The transfer", transferSchema, { location: true }) },
    errors: [404],
  },
  getTransfer: {
    summary: "Read a transfer (visible to the owner of the source account)",
    tags: ["transfers"],
    requestParams: { path: transferParamsSchema },
    success: { "200": jsonAnswer("The transfer", transferSchema) },
    errors: [404],
  },
  ...orderOperations,
  issueIdempotencyKey: {
    summary: "Mint a random Idempotency-Key for the caller",
    tags: ["idempotency"],
    success: { "201": jsonAnswer("A key and when it stops protecting retries", issuedKeySchema) },
    errors: [],
  },
  health: {
    summary: "200 when the tables answer, 503 otherwise",
    tags: ["operations"],
    success: { "200": jsonAnswer("Healthy", z.object({ status: z.literal("ok") })) },
    errors: [503],
  },
  openApi: {
    summary: "This document",
    tags: ["operations"],
    success: { "200": { description: "OpenAPI 3.1", content: { "application/json": {} } } },
    errors: [],
  },
  docs: {
    summary: "The API reference: an HTML page rendering this document",
    tags: ["operations"],
    success: { "200": { description: "HTML", content: { "text/html": {} } } },
    errors: [],
  },
  docsScript: {
    summary: "The API reference's renderer (Scalar), served by the API itself",
    tags: ["operations"],
    success: { "200": { description: "JavaScript", content: { "text/javascript": {} } } },
    errors: [],
  },
};

const idempotencyKeyHeader = z.string().min(1).max(255).meta({
  description:
    "1–255 visible ASCII characters, bare or as a structured-field string. Retrying with the same key and request replays the first answer.",
  example: "9f1c2b7e-4d5a-4c1e-9e0b-3b7d2f6a8c10",
});

function operationOf(route: RouteDefinition): ZodOpenApiOperationObject {
  const { success, errors, requestParams, ...spec } = operations[route.id as RouteId];
  const statuses = new Set<number>(errors);
  if (route.authenticated) statuses.add(401);
  if (route.method !== "GET") for (const status of [400, 413, 415]) statuses.add(status);
  if (isIdempotent(route)) for (const status of [409, 422, 503]) statuses.add(status);
  const headerParams = isIdempotent(route)
    ? requestParams?.header
      ? (requestParams.header as z.ZodObject).extend({ "idempotency-key": idempotencyKeyHeader })
      : z.object({ "idempotency-key": idempotencyKeyHeader })
    : requestParams?.header;
  return {
    operationId: route.id,
    ...spec,
    ...(requestParams || headerParams
      ? { requestParams: { ...requestParams, ...(headerParams ? { header: headerParams } : {}) } }
      : {}),
    ...(route.authenticated ? {} : { security: [] }),
    responses: { ...success, ...problems([...statuses].sort()) },
  };
}

/** The OpenAPI 3.1 document of the route table, from the zod schemas that validate requests. */
export function createOpenApiDocument(): ReturnType<typeof createDocument> {
  const paths: NonNullable<ZodOpenApiObject["paths"]> = {};
  for (const route of routes) {
    paths[route.path] = {
      ...paths[route.path],
      [route.method.toLowerCase()]: operationOf(route),
    };
  }
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "Idempotent payments API",
      version: "1.0.0",
      description:
        "Every POST and PATCH needs an Idempotency-Key: a retry with the same key and request replays the first answer (Idempotent-Replayed: true), so money moves exactly once. Errors are RFC 9457 problem+json.",
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
    },
    security: [{ bearer: [] }],
    paths,
  });
}
