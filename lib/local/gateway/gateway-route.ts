import type { Context } from "aws-lambda";
import type { HttpEvent } from "../../../functions/shared/http/http-handler";

/** One route of the REST API and the Lambda handler behind its proxy integration. */

/** The gateway sends REST API events; a handler of the API takes any event it understands. */
export type GatewayHandler = (event: HttpEvent, context: Context) => Promise<unknown>;

export interface GatewayRoute {
  /** The function's name (`context.functionName`) and the route id in logs. */
  readonly id: string;
  readonly method: string;
  /** API Gateway path template, such as `/accounts/{accountId}/deposits`. */
  readonly path: string;
  /** Behind the authorizer. */
  readonly authenticated: boolean;
  readonly handler: GatewayHandler;
}
