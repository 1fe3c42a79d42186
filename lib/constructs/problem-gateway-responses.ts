import { ResponseType, type RestApi } from "aws-cdk-lib/aws-apigateway";
import type { CorsPolicy } from "../../functions/shared/http/cors-policy";
import { gatewayResponseDefinitions } from "../api/edge-problems";
import { staticHeaderMappings } from "./header-mappings";

/**
 * The REST API's own answers (401, 404, 429, 5xx...) as the contract's
 * problem+json: what an HTTP API cannot customise and a REST API can.
 */
export function addProblemGatewayResponses(api: RestApi, policy: CorsPolicy): void {
  for (const definition of gatewayResponseDefinitions(policy)) {
    api.addGatewayResponse(`${definition.type}Response`, {
      type: ResponseType.of(definition.type),
      statusCode: String(definition.statusCode),
      responseHeaders: staticHeaderMappings(definition.headers),
      // The template's key is only the content type API Gateway picks the
      // template by; the Content-Type header above is what the client gets.
      templates: { "application/json": definition.body },
    });
  }
}
