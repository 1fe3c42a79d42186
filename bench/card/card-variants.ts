import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { DynamoDbIdempotencyStore, idempotency } from "../../functions/idempotency";
import { DEFAULT_RETENTION_SECONDS } from "../../functions/idempotency/core/constants";
import { payOrderByCard } from "../../functions/orders/card-payments";
import type { LambdaHttpHandler } from "../../functions/shared/http/http-handler";
import { renderProblem } from "../../functions/shared/http/problem-details";
import { silentLogger } from "../../test/support/lambda-fixtures";
import { transactionCommit } from "../deposit/transaction-commit";
import { powertoolsIdempotency } from "../powertools/powertools-idempotency";
import {
  type CardPaymentOptions,
  cardPaymentHandler,
  type PayByCard,
  payOrderRoute,
} from "./card-payment-handler";
import { phasesWithoutRecord } from "./phases-without-record";
import { identityFor, type ProcessorKeySource } from "./processor-keys";

/** The measured columns, in order; the first is the baseline. */
export const cardVariants = ["none", "lease", "powertools"] as const;
export type CardVariant = (typeof cardVariants)[number];

export const cardVariantLabels: Record<CardVariant, string> = {
  none: "no idempotency",
  lease: "this project (lease, recovery points)",
  powertools: "Powertools",
};

/** This project as pay-order.handler.ts composes it: the lease strategy, its handle's phases. */
export function cardPaymentWithThisProject(options: CardPaymentOptions): LambdaHttpHandler {
  return cardPaymentHandler(
    options,
    {
      route: payOrderRoute,
      idempotency: idempotency<TransactWriteItem>({
        store: new DynamoDbIdempotencyStore({
          client: options.client,
          tableName: options.tables.idempotency,
        }),
        strategy: "lease",
        retentionSeconds: DEFAULT_RETENTION_SECONDS,
        logger: silentLogger,
        renderError: renderProblem,
      }),
    },
    payOrderByCard,
  );
}

/** The same reads, phase writes and processor call, no record: a retry starts again. */
export function cardPaymentWithoutIdempotency(options: CardPaymentOptions): LambdaHttpHandler {
  return cardPaymentHandler(
    options,
    {
      route: { ...payOrderRoute, idempotency: null },
      attemptOf: (_context, event) => ({
        commit: transactionCommit(options.client),
        phases: phasesWithoutRecord(options.client, identityFor("per-attempt", event)),
      }),
    },
    payOrderByCard,
  );
}

export interface PowertoolsCardOptions {
  /** What the processor key is derived from. */
  readonly processorKey: ProcessorKeySource;
  /** The project's phased `payOrderByCard`, or a `chargeThenRecord`. */
  readonly useCase: PayByCard;
}

/**
 * The same handler made idempotent by Powertools' Middy middleware over its
 * DynamoDB persistence layer, set up as for the deposit variants. Powertools
 * stores the answer; it gives the handler no identity to derive a processor
 * key from, so the key's source is the user's choice.
 */
export function cardPaymentWithPowertools(
  powertools: PowertoolsCardOptions,
): (options: CardPaymentOptions) => LambdaHttpHandler {
  return (options) =>
    cardPaymentHandler(
      options,
      {
        route: payOrderRoute,
        idempotency: powertoolsIdempotency(
          new DynamoDBPersistenceLayer({
            tableName: options.tables.powertools,
            awsSdkV3Client: options.client,
          }),
        ),
        attemptOf: (_context, event) => ({
          commit: transactionCommit(options.client),
          phases: phasesWithoutRecord(options.client, identityFor(powertools.processorKey, event)),
        }),
      },
      powertools.useCase,
    );
}

export const cardPaymentHandlers: Record<
  CardVariant,
  (options: CardPaymentOptions) => LambdaHttpHandler
> = {
  none: cardPaymentWithoutIdempotency,
  lease: cardPaymentWithThisProject,
  powertools: cardPaymentWithPowertools({
    processorKey: "per-attempt",
    useCase: payOrderByCard,
  }),
};
