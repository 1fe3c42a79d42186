import type { Context } from "aws-lambda";
import type { GatewayEvent } from "./api-gateway-event";

/** One route of the HTTP API and the Lambda handler behind it. */

export type GatewayHandler = (event: GatewayEvent, context: Context) => Promise<unknown>;

export interface GatewayRoute {
  /** The function's name (`context.functionName`) and the route id in logs. */
  readonly id: string;
  readonly method: string;
  /** API Gateway path template, such as `/accounts/{accountId}/deposits`. */
  readonly path: string;
  /** Behind the JWT authorizer. */
  readonly authenticated: boolean;
  readonly handler: GatewayHandler;
}
