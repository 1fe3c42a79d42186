import type { APIGatewayProxyEventV2WithJWTAuthorizer } from "aws-lambda";
import type { LambdaHttpHandler } from "../../functions/shared/http/http-handler";
import { type RunningGateway, startGateway } from "../../lib/local/gateway/gateway";
import type { GatewayHandler } from "../../lib/local/gateway/gateway-route";
import { signLocalToken } from "../../lib/local/jwt";
import { silentLogger } from "../../test/support/lambda-fixtures";
import { depositRoute } from "../deposit/deposit-handler";
import { variantLabels, variants } from "../deposit/variants";
import { benchDepositHandler, type DepositTarget, openAccounts } from "../support/deposit-requests";
import { goalTable } from "../support/goals";
import { firstExecutionGoals } from "../support/latency-goals";
import { runLatencyMatrix, type VariantUnderLoad } from "../support/latency-matrix";
import { latencyTables } from "../support/latency-report";
import type { BenchSection } from "./section";

const CONCURRENCY = 16;
const JWT_SECRET = "bench-only-secret-of-at-least-32-characters";

/**
 * Section 4: the same load over HTTP, through the local gateway (JWT check,
 * API Gateway event, Lambda context), from Node's built-in fetch (undici)
 * over keep-alive connections.
 */
export const httpLatency: BenchSection = {
  title: "Latency and throughput over HTTP, through the local gateway",
  async run(database) {
    const gateways: RunningGateway[] = [];
    try {
      const underLoad: VariantUnderLoad[] = [];
      for (const variant of variants) {
        const client = database.client().dynamoDb;
        const gateway = await startGateway({
          routes: [
            {
              id: depositRoute.id,
              method: depositRoute.method,
              path: depositRoute.path,
              authenticated: true,
              handler: asGatewayHandler(benchDepositHandler(variant, client)),
            },
          ],
          jwtSecret: JWT_SECRET,
          functionTimeoutMs: 10_000,
          logger: silentLogger,
        });
        gateways.push(gateway);
        const targets = await openAccounts(client, CONCURRENCY);
        const token = await signLocalToken((targets[0] as DepositTarget).caller, JWT_SECRET);
        underLoad.push({
          variant,
          label: variantLabels[variant],
          targets,
          send: async (target, key, amount) => {
            const response = await fetch(`${gateway.url}/accounts/${target.accountId}/deposits`, {
              method: "POST",
              headers: {
                authorization: `Bearer ${token}`,
                "content-type": "application/json",
                "idempotency-key": key,
              },
              body: JSON.stringify({ amount }),
            });
            await response.arrayBuffer();
            return response.status;
          },
        });
      }
      const results = await runLatencyMatrix(
        {
          name: "http",
          sequentialRequests: 80,
          concurrency: CONCURRENCY,
          concurrentRequests: 112,
          rounds: 4,
          warmupRequests: 30,
        },
        underLoad,
      );
      return [
        latencyTables(results),
        "",
        "Goals, over HTTP, sequential:",
        "",
        goalTable(firstExecutionGoals(results, "sequential")),
        "",
        "One gateway per variant on loopback, each serving the deposit route alone; the client runs",
        "in the same process. Latency is from sending the request to reading the whole answer.",
      ].join("\n");
    } finally {
      await Promise.all(gateways.map((gateway) => gateway.close()));
    }
  },
};

/** The route is authenticated: the gateway puts the JWT authorizer's claims in every event. */
function asGatewayHandler(handler: LambdaHttpHandler): GatewayHandler {
  return (event, context) => handler(event as APIGatewayProxyEventV2WithJWTAuthorizer, context);
}
