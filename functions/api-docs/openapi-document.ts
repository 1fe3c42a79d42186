import * as z from "zod";
import { createDocument, type ZodOpenApiObject } from "zod-openapi";
import { accountSchema, depositSchema, ledgerPageSchema } from "../accounts/account";
import {
  accountParamsSchema,
  createAccountBodySchema,
  depositBodySchema,
  depositParamsSchema,
  entriesQuerySchema,
} from "../accounts/account-schemas";
import { healthSchema } from "../health/health";
import { issuedKeySchema } from "../key-issuer/issue-key";
import { type RouteId, routes } from "../routes";
import { transferSchema } from "../transfers/transfer";
import { createTransferBodySchema, transferParamsSchema } from "../transfers/transfer-schemas";
import { processorEventSchema, webhookReceiptSchema } from "../webhooks/webhook-schemas";
import { type OperationSpec, operationOf } from "./openapi-operation";
import { answer, jsonBody } from "./openapi-parts";
import { orderOperations } from "./order-operations";

/**
 * The routes the document describes: every route but the reference page's
 * own (the page that renders this document, its script and its
 * stylesheet), which a client never calls.
 */
const REFERENCE_PAGE_ROUTES = ["docs", "docsScript", "docsStyle"] as const;
type DocumentedRouteId = Exclude<RouteId, (typeof REFERENCE_PAGE_ROUTES)[number]>;
export const documentedRoutes = routes.filter(
  (route) => !(REFERENCE_PAGE_ROUTES as readonly string[]).includes(route.id),
);

const operations: Record<DocumentedRouteId, OperationSpec> = {
  createAccount: {
    summary: "Open an account (a wallet) in one currency",
    tags: ["accounts"],
    requestBody: jsonBody(createAccountBodySchema),
    success: { "201": answer("The account", accountSchema, { location: true, etag: true }) },
    problems: {},
  },
  getAccount: {
    summary: "Read an account and its balance",
    tags: ["accounts"],
    requestParams: { path: accountParamsSchema },
    success: { "200": answer("The account", accountSchema, { etag: true }) },
    problems: { 404: ["not-found"] },
  },
  listEntries: {
    summary: "List the ledger entries of an account, oldest first",
    description: "For every account, at every moment, the entries add up to the balance.",
    tags: ["accounts"],
    requestParams: { path: accountParamsSchema, query: entriesQuerySchema },
    success: { "200": answer("A page of entries", ledgerPageSchema) },
    problems: { 404: ["not-found"] },
  },
  createDeposit: {
    summary: "Deposit money into an account",
    tags: ["accounts"],
    requestParams: { path: accountParamsSchema },
    requestBody: jsonBody(depositBodySchema),
    success: { "201": answer("The deposit", depositSchema, { location: true }) },
    problems: {
      404: ["not-found"],
      409: ["balance-limit-exceeded"],
    },
  },
  getDeposit: {
    summary: "Read a deposit",
    tags: ["accounts"],
    requestParams: { path: depositParamsSchema },
    success: { "200": answer("The deposit", depositSchema) },
    problems: { 404: ["not-found"] },
  },
  createTransfer: {
    summary: "Move money from one of the caller's accounts to any account of the same currency",
    description:
      "The caller must own fromAccountId; toAccountId may be anyone's but must exist (404 otherwise).",
    tags: ["transfers"],
    requestBody: jsonBody(createTransferBodySchema),
    success: { "201": answer("The transfer", transferSchema, { location: true }) },
    problems: {
      404: ["not-found"],
      409: ["insufficient-funds", "currency-mismatch", "balance-limit-exceeded"],
    },
  },
  getTransfer: {
    summary: "Read a transfer (visible to the owner of the source account)",
    tags: ["transfers"],
    requestParams: { path: transferParamsSchema },
    success: { "200": answer("The transfer", transferSchema) },
    problems: { 404: ["not-found"] },
  },
  ...orderOperations,
  issueIdempotencyKey: {
    summary: "Mint a random Idempotency-Key for the caller",
    description: "Nothing is stored: the key behaves like any key the caller makes.",
    tags: ["idempotency"],
    success: { "201": answer("A key and when it stops protecting retries", issuedKeySchema) },
    problems: {},
  },
  processorWebhook: {
    summary: "The payment processor's events (Stripe webhooks)",
    description:
      "No bearer token: each event is verified by its Stripe-Signature (HMAC-SHA256 over the exact body, 5 minutes' tolerance) and applied at most once per event id, in any order, never moving a payment or refund backwards. Unknown event types are acknowledged and change nothing.",
    tags: ["webhooks"],
    requestParams: { header: z.object({ "stripe-signature": z.string() }) },
    requestBody: jsonBody(processorEventSchema),
    success: { "200": answer("Received", webhookReceiptSchema) },
    problems: { 400: ["webhook-signature-invalid"] },
  },
  health: {
    summary: "Readiness: 200 when the tables answer, 503 otherwise",
    tags: ["operations"],
    success: { "200": answer("Healthy", healthSchema) },
    problems: { 503: ["service-unavailable"] },
  },
  liveness: {
    summary: "Liveness: 200 whenever the API runs, touching no table",
    description:
      "For a probe that must not fail with a dependency; GET /health says whether requests can be served.",
    tags: ["operations"],
    success: { "200": answer("Alive", healthSchema) },
    problems: {},
  },
  openApi: {
    summary: "This document",
    tags: ["operations"],
    success: {
      "200": answer(
        "The OpenAPI 3.1 document of the API",
        z.object({ openapi: z.string() }).meta({ id: "OpenApiDocument" }),
      ),
    },
    problems: {},
  },
};

const description = `Every POST and PATCH needs an \`Idempotency-Key\`: a retry with the same key and request replays the first answer (\`Idempotent-Replayed: true\`), so money moves exactly once.

Errors are RFC 9457 problem details (\`application/problem+json\`); the last segment of \`type\` is the problem's slug. Answers and problems may gain members: ignore the ones you do not know. Request bodies are strict: unknown fields are 400 \`validation-error\`.

Every answer carries \`X-Content-Type-Options: nosniff\`. Besides the operations below, the gateway answers a path it does not know with 404 \`not-found\` and a method a known path does not take with 405 \`method-not-allowed\` (with \`Allow\`).`;

/** The OpenAPI 3.1 document of the route table, from the zod schemas that validate requests. */
export function createOpenApiDocument(): ReturnType<typeof createDocument> {
  const paths: NonNullable<ZodOpenApiObject["paths"]> = {};
  for (const route of documentedRoutes) {
    paths[route.path] = {
      ...paths[route.path],
      [route.method.toLowerCase()]: operationOf(route, operations[route.id as DocumentedRouteId]),
    };
  }
  return createDocument(
    {
      openapi: "3.1.0",
      info: {
        title: "Idempotent payments API",
        version: "1.0.0",
        description,
        license: { name: "MIT", identifier: "MIT" },
      },
      servers: [
        { url: "http://127.0.0.1:3000", description: "Local: npm start" },
        {
          url: "https://{apiId}.execute-api.{region}.amazonaws.com",
          description: "A deployed stack (its ApiUrl output)",
          variables: {
            apiId: { default: "abcdef1234", description: "The HTTP API's id" },
            region: { default: "us-east-1", description: "The AWS region of the stack" },
          },
        },
      ],
      tags: [
        { name: "accounts", description: "Wallets, their deposits and their ledger" },
        { name: "transfers", description: "Money between two accounts, in one transaction" },
        { name: "orders", description: "Orders, their one payment and their refunds" },
        { name: "idempotency", description: "Server-issued Idempotency-Keys" },
        { name: "operations", description: "Health and this document" },
      ],
      components: {
        securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
      },
      security: [{ bearer: [] }],
      paths,
    },
    {
      // Answers are open (a client must not break when a member is added);
      // request bodies keep `additionalProperties: false`: they are strict.
      override: ({ jsonSchema, io }) => {
        if (io === "output" && jsonSchema.type === "object") delete jsonSchema.additionalProperties;
        // `format: date-time` says it; zod's long regex for it only adds noise.
        if (jsonSchema.format === "date-time") delete jsonSchema.pattern;
      },
    },
  );
}
