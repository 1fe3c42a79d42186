import {
  ContentHandling,
  type IResource,
  type Method,
  MockIntegration,
} from "aws-cdk-lib/aws-apigateway";
import { renderProblem } from "../../functions/shared/http/problem-details";
import { gatewayProblems } from "../../functions/shared/http/problem-types";
import { declaredHeaders, staticHeaderMappings } from "./header-mappings";

const PREFIX = "method.response.header.";

/**
 * 405 method-not-allowed with `Allow` for any method a resource has no route
 * for, as the local gateway answers: an `ANY` method (API Gateway prefers the
 * resource's own methods) with a mock integration, so no function runs and
 * no token is needed to learn which methods exist. Without it a REST API
 * answers such a request like an unknown path.
 */
export function addMethodNotAllowed(
  resource: IResource,
  methods: readonly string[],
  extraHeaders: Readonly<Record<string, string>>,
): Method {
  const allowed = [...methods, "OPTIONS"];
  // The method is filled in by API Gateway (the template is VTL).
  const problem = renderProblem(gatewayProblems.methodNotAllowed("$context.httpMethod", allowed));
  const responseParameters = staticHeaderMappings(
    {
      ...problem.headers,
      ...extraHeaders,
      "x-content-type-options": "nosniff",
      "cache-control": "no-store",
    },
    PREFIX,
  );
  return resource.addMethod(
    "ANY",
    new MockIntegration({
      contentHandling: ContentHandling.CONVERT_TO_TEXT,
      requestTemplates: { "application/json": '{"statusCode": 405}' },
      integrationResponses: [
        {
          statusCode: "405",
          contentHandling: ContentHandling.CONVERT_TO_TEXT,
          responseParameters,
          responseTemplates: { "application/json": problem.body },
        },
      ],
    }),
    {
      methodResponses: [
        { statusCode: "405", responseParameters: declaredHeaders(responseParameters) },
      ],
    },
  );
}
