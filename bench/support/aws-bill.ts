import { readFileSync } from "node:fs";
import { join } from "node:path";

/** A price of the bill: `dollars` per `per` of `unit`. */
export interface ListPrice {
  readonly dollars: number;
  readonly per: number;
  readonly unit: string;
  readonly note?: string;
  readonly source: string;
}

/**
 * AWS list prices in us-east-1, first tiers, free tier ignored: every price
 * of the bill, here alone. Checked 2026-12-06. AWS's pricing pages render
 * their rate tables in the browser, so the stored copies searched hold the
 * units but not the figures; these were confirmed in third-party
 * transcriptions of those pages, and the DynamoDB ones are the on-demand
 * prices since the price cut of 1 November 2024 (half the earlier ones).
 */
export const listPrices = {
  apiGatewayRequest: {
    dollars: 3.5,
    per: 1e6,
    unit: "REST API requests",
    note: "the first 333 million a month",
    source: "https://aws.amazon.com/api-gateway/pricing/",
  },
  lambdaRequest: {
    dollars: 0.2,
    per: 1e6,
    unit: "Lambda requests",
    source: "https://aws.amazon.com/lambda/pricing/",
  },
  lambdaArmGbSecond: {
    dollars: 0.0000133334,
    per: 1,
    unit: "GB-second of Lambda on arm64",
    note: "the first 7.5 billion GB-s a month (arm64); duration billed per 1 ms, rounded up",
    source: "https://aws.amazon.com/lambda/pricing/",
  },
  dynamoDbWriteUnit: {
    dollars: 0.625,
    per: 1e6,
    unit: "DynamoDB on-demand write request units",
    source: "https://aws.amazon.com/dynamodb/pricing/on-demand/",
  },
  dynamoDbReadUnit: {
    dollars: 0.125,
    per: 1e6,
    unit: "DynamoDB on-demand read request units",
    source: "https://aws.amazon.com/dynamodb/pricing/on-demand/",
  },
} as const satisfies Record<string, ListPrice>;

const each = (price: ListPrice) => price.dollars / price.per;

/** `$3.50 per million REST API requests`. */
export function describePrice(price: ListPrice): string {
  const decimals = (String(price.dollars).split(".")[1] ?? "").length;
  const per = price.per === 1 ? "" : price.per === 1e6 ? "million " : `${price.per} `;
  return `$${price.dollars.toFixed(Math.max(2, decimals))} per ${per}${price.unit}`;
}

/** The route functions' configuration, which Lambda's duration price depends on. */
export interface RouteFunctionConfiguration {
  readonly memoryMb: number;
  readonly architecture: "arm64";
  /** Where it was read. */
  readonly file: string;
}

/**
 * Read from the construct every route function is made by, so that the bill
 * follows it; a construct that no longer states both fails the bench rather
 * than bill at another price. (Instantiating the construct would bundle
 * every route with esbuild.)
 */
export function routeFunctionConfiguration(): RouteFunctionConfiguration {
  const file = "lib/constructs/api-function.ts";
  const source = readFileSync(join(__dirname, "..", "..", file), "utf8");
  const memory = /\bmemorySize:\s*(\d+)\b/.exec(source)?.[1];
  if (memory === undefined || !/\barchitecture:\s*Architecture\.ARM_64\b/.test(source)) {
    throw new Error(`${file}: no memorySize, or not arm64; the bill's Lambda price assumes both`);
  }
  return { memoryMb: Number(memory), architecture: "arm64", file };
}

/** What one HTTP request uses of each priced service. */
export interface RequestUsage {
  readonly readUnits: number;
  readonly writeUnits: number;
  /**
   * The invocation's billed duration: Lambda bills each invocation rounded
   * up to the next ms, so a million of them cost the mean of those.
   */
  readonly lambdaMs: number;
}

/** Dollars per million requests, by service. */
export interface Bill {
  readonly apiGateway: number;
  readonly lambda: number;
  readonly dynamoDb: number;
  readonly total: number;
}

export function billPerMillion(usage: RequestUsage, memoryMb: number): Bill {
  const gbSeconds = (memoryMb / 1024) * (usage.lambdaMs / 1000);
  const apiGateway = each(listPrices.apiGatewayRequest);
  const lambda = each(listPrices.lambdaRequest) + gbSeconds * each(listPrices.lambdaArmGbSecond);
  const dynamoDb =
    usage.readUnits * each(listPrices.dynamoDbReadUnit) +
    usage.writeUnits * each(listPrices.dynamoDbWriteUnit);
  const million = (dollars: number) => dollars * 1e6;
  return {
    apiGateway: million(apiGateway),
    lambda: million(lambda),
    dynamoDb: million(dynamoDb),
    total: million(apiGateway + lambda + dynamoDb),
  };
}
