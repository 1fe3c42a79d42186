import {
  ContentHandling,
  type IResource,
  type Method,
  MockIntegration,
} from "aws-cdk-lib/aws-apigateway";
import {
  allowsAnyOrigin,
  type CorsPolicy,
  corsPreflightHeaders,
} from "../../functions/shared/http/cors-policy";
import { declaredHeaders, staticHeaderMappings } from "./header-mappings";

const PREFIX = "method.response.header.";

/**
 * The REST API's answer to a CORS preflight (OPTIONS) on one resource: a mock
 * integration, no function, no authorizer, with the headers the local
 * gateway sends for the same policy. Written by hand rather than with
 * `addCorsPreflight` for two reasons: the API hands every body to its
 * functions as bytes (binary media type `*∕*`), which breaks a mock unless it
 * converts to text; and several origins need the request's Origin echoed.
 */
export function addCorsPreflight(
  resource: IResource,
  policy: CorsPolicy,
  methods: readonly string[],
): Method {
  // The same for every request; with several origins the origin is echoed per request.
  const headers = {
    ...corsPreflightHeaders(policy, allowsAnyOrigin(policy) ? "*" : undefined, methods),
    "x-content-type-options": "nosniff",
  };
  const responseParameters = staticHeaderMappings(headers, PREFIX);
  return resource.addMethod(
    "OPTIONS",
    new MockIntegration({
      contentHandling: ContentHandling.CONVERT_TO_TEXT,
      requestTemplates: { "application/json": '{"statusCode": 204}' },
      integrationResponses: [
        {
          statusCode: "204",
          contentHandling: ContentHandling.CONVERT_TO_TEXT,
          responseParameters,
          ...(allowsAnyOrigin(policy)
            ? {}
            : { responseTemplates: { "application/json": echoAllowedOrigin(policy) } }),
        },
      ],
    }),
    {
      methodResponses: [
        {
          statusCode: "204",
          responseParameters: {
            ...declaredHeaders(responseParameters),
            [`${PREFIX}Access-Control-Allow-Origin`]: true,
          },
        },
      ],
    },
  );
}

/** VTL: Access-Control-Allow-Origin is the request's Origin when it is one of the policy's. */
function echoAllowedOrigin(policy: CorsPolicy): string {
  const condition = policy.allowOrigins
    .map((origin) => `$origin == "${origin.replaceAll('"', "")}"`)
    .join(" || ");
  return [
    '#set($origin = $input.params().header.get("Origin"))',
    '#if("$!origin" == "")#set($origin = $input.params().header.get("origin"))#end',
    `#if(${condition})`,
    "#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)",
    "#end",
  ].join("\n");
}
