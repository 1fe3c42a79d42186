import { type Duration, Stack } from "aws-cdk-lib";
import type { Stage } from "aws-cdk-lib/aws-apigateway";
import { Metric } from "aws-cdk-lib/aws-cloudwatch";
import { CfnWebACL, CfnWebACLAssociation } from "aws-cdk-lib/aws-wafv2";
import { Construct } from "constructs";
import type { CorsPolicy } from "../../functions/shared/http/cors-policy";
import { gatewayProblems } from "../../functions/shared/http/problem-types";
import { renderEdgeProblem } from "../api/edge-problems";
import { canonicalHeaderName } from "./header-mappings";

/** The evaluation windows WAF's rate-based rules allow, in seconds. */
export const RATE_LIMIT_WINDOWS_SECONDS = [60, 120, 300, 600] as const;
export type RateLimitWindowSeconds = (typeof RATE_LIMIT_WINDOWS_SECONDS)[number];
/** WAF's smallest limit of a rate-based rule, per window. */
export const MIN_CALLER_RATE_LIMIT = 10;

/** The key of the 429 body in the web ACL's custom response bodies. */
export const RATE_LIMITED_BODY_KEY = "rate-limited";

export interface CallerRateLimitProps {
  /** The stage the web ACL protects. */
  readonly stage: Stage;
  /** Requests per window per bearer token, and per IP address for requests without one (at least 10). */
  readonly limit: number;
  /**
   * Requests per window per IP address, whatever they carry: bounds a client
   * that makes up a new token for each request (each would get a budget of
   * its own). Above `limit`, since one address may carry several callers.
   * @default 2 × limit
   */
  readonly addressLimit?: number;
  /**
   * Paths (as callers send them, stage included) of requests that carry no
   * token but a signature their function verifies: the processor's webhook.
   * The per-IP-without-token budget does not count them (the processor
   * delivers from a few addresses, for every customer at once); the per-IP
   * budget still does, so one address cannot flood them. @default none
   */
  readonly signedPaths?: readonly string[];
  /** The window the requests are counted over. @default 60 */
  readonly windowSeconds?: RateLimitWindowSeconds;
  /** The CORS policy whose static headers the 429 carries, as the gateway responses do. */
  readonly cors: CorsPolicy;
}

const noTransformation = [{ priority: 0, type: "NONE" }];

/**
 * A per-caller request budget at the edge: a WAF web ACL on the stage with
 * a rate-based rule keyed on the `Authorization` header (each bearer token
 * its own budget) and one keyed on the IP address for requests without that
 * header (WAF does not count a request that lacks a rule's key), and a
 * larger budget per IP address for everything, so that made-up tokens do
 * not each buy a budget. Over
 * budget, WAF answers 429 `rate-limited` itself, rendered as the gateway's
 * own problems are; the stage-wide throttle still caps everyone together.
 */
export class CallerRateLimit extends Construct {
  readonly webAcl: CfnWebACL;
  private readonly webAclName: string;

  constructor(scope: Construct, id: string, props: CallerRateLimitProps) {
    super(scope, id);
    const windowSeconds = props.windowSeconds ?? 60;
    if (!Number.isInteger(props.limit) || props.limit < MIN_CALLER_RATE_LIMIT) {
      throw new Error(
        `CallerRateLimit: limit must be an integer of at least ${MIN_CALLER_RATE_LIMIT}`,
      );
    }
    // The best a static answer can say: a caller's window ends at most this far ahead.
    const answer = renderEdgeProblem(gatewayProblems.rateLimited(windowSeconds), props.cors);
    const blockOverBudget: CfnWebACL.RuleActionProperty = {
      block: {
        customResponse: {
          responseCode: answer.statusCode,
          customResponseBodyKey: RATE_LIMITED_BODY_KEY,
          // WAF sets Content-Type from the body's content type and refuses it as a header.
          responseHeaders: Object.entries(answer.headers)
            .filter(([name]) => name !== "content-type")
            .map(([name, value]) => ({ name: canonicalHeaderName(name), value })),
        },
      },
    };
    const addressLimit = props.addressLimit ?? 2 * props.limit;
    if (!Number.isInteger(addressLimit) || addressLimit < props.limit) {
      throw new Error("CallerRateLimit: addressLimit must be an integer of at least limit");
    }
    const rateBased = (
      statement: Omit<CfnWebACL.RateBasedStatementProperty, "limit" | "evaluationWindowSec">,
      limit = props.limit,
    ): CfnWebACL.StatementProperty => ({
      rateBasedStatement: { limit, evaluationWindowSec: windowSeconds, ...statement },
    });

    this.webAclName = `${Stack.of(this).stackName}-callers`;
    this.webAcl = new CfnWebACL(this, "WebAcl", {
      name: this.webAclName,
      description: `At most ${props.limit} requests per ${windowSeconds} s per bearer token, or per IP address without one, and ${addressLimit} per IP address`,
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      visibilityConfig: visibility(this.webAclName),
      customResponseBodies: {
        [RATE_LIMITED_BODY_KEY]: { contentType: "APPLICATION_JSON", content: answer.body },
      },
      rules: [
        {
          name: "PerToken",
          priority: 0,
          statement: rateBased({
            aggregateKeyType: "CUSTOM_KEYS",
            customKeys: [
              { header: { name: "authorization", textTransformations: noTransformation } },
            ],
          }),
          action: blockOverBudget,
          visibilityConfig: visibility("PerToken"),
        },
        {
          name: "PerIpWithoutToken",
          priority: 1,
          statement: rateBased({
            aggregateKeyType: "IP",
            scopeDownStatement: withoutToken(props.signedPaths ?? []),
          }),
          action: blockOverBudget,
          visibilityConfig: visibility("PerIpWithoutToken"),
        },
        {
          name: "PerIp",
          priority: 2,
          statement: rateBased({ aggregateKeyType: "IP" }, addressLimit),
          action: blockOverBudget,
          visibilityConfig: visibility("PerIp"),
        },
      ],
    });
    new CfnWebACLAssociation(this, "StageAssociation", {
      resourceArn: props.stage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }

  /** Requests the web ACL blocked (both rules: every one answered 429). */
  metricBlockedRequests(options: { readonly period: Duration }): Metric {
    return new Metric({
      namespace: "AWS/WAFV2",
      metricName: "BlockedRequests",
      dimensionsMap: {
        WebACL: this.webAclName,
        Region: Stack.of(this).region,
        Rule: "ALL",
      },
      statistic: "Sum",
      period: options.period,
    });
  }
}

/** Requests without a (non-empty) Authorization header, to none of `signedPaths`. */
function withoutToken(signedPaths: readonly string[]): CfnWebACL.StatementProperty {
  const noToken: CfnWebACL.StatementProperty = {
    notStatement: {
      statement: {
        sizeConstraintStatement: {
          fieldToMatch: { singleHeader: { Name: "authorization" } },
          comparisonOperator: "GT",
          size: 0,
          textTransformations: noTransformation,
        },
      },
    },
  };
  const toPath = (path: string): CfnWebACL.StatementProperty => ({
    byteMatchStatement: {
      fieldToMatch: { uriPath: {} },
      positionalConstraint: "EXACTLY",
      searchString: path,
      textTransformations: noTransformation,
    },
  });
  const [first, ...others] = signedPaths;
  if (first === undefined) return noToken;
  const toSignedPath =
    others.length === 0 ? toPath(first) : { orStatement: { statements: signedPaths.map(toPath) } };
  return { andStatement: { statements: [noToken, { notStatement: { statement: toSignedPath } }] } };
}

function visibility(metricName: string): CfnWebACL.VisibilityConfigProperty {
  return { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName };
}
