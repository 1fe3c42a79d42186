import { join } from "node:path";
import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import {
  CognitoUserPoolsAuthorizer,
  type IAuthorizer,
  TokenAuthorizer,
} from "aws-cdk-lib/aws-apigateway";
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
} from "aws-cdk-lib/aws-cognito";
import { Construct } from "constructs";
import { ApiFunction } from "./api-function";

/** An OpenID Connect issuer of the caller's own, instead of the stack's user pool. */
export interface ExternalIssuer {
  readonly issuer: string;
  readonly audience: readonly string[];
}

/** Multi-factor authentication of the stack's user pool. */
export type MfaSetting = "off" | "optional" | "required";

/**
 * Cognito threat protection (Plus feature plan, billed per active user):
 * `off`, `audit` (risks measured, no action) or `enforced` (risky sign-ins
 * challenged or blocked).
 */
export type ThreatProtectionSetting = "off" | "audit" | "enforced";

export interface ApiAuthProps {
  /** @default a Cognito user pool and app client created by the stack */
  readonly externalIssuer?: ExternalIssuer;
  /** @default "optional" (TOTP), so that the CLI password flow of docs/deploying.md works */
  readonly mfa?: MfaSetting;
  /** @default "off": the Plus plan costs money per active user */
  readonly threatProtection?: ThreatProtectionSetting;
}

/**
 * Scope every Cognito access token of a signed-in user carries. Naming it on
 * a method makes the REST API's Cognito authorizer accept access tokens (the
 * docs/deploying.md's, the canary's) and refuse ID tokens, as the HTTP API's JWT
 * authorizer did with the app client as audience.
 */
export const COGNITO_USER_SCOPE = "aws.cognito.signin.user.admin";

const MFA: Record<MfaSetting, Mfa> = {
  off: Mfa.OFF,
  optional: Mfa.OPTIONAL,
  required: Mfa.REQUIRED,
};

/**
 * Who may call the API: an authorizer of the REST API verifies every token
 * (signature, expiry, issuer, audience) before a function runs; handlers only
 * read the verified `sub` claim. The stack's own Cognito user pool by
 * default; for an external issuer, a Lambda TOKEN authorizer that checks
 * what API Gateway's JWT authorizer checks.
 */
export class ApiAuth extends Construct {
  readonly authorizer: IAuthorizer;
  /** Scopes the authenticated methods require (Cognito access tokens). */
  readonly authorizationScopes: readonly string[];
  readonly userPool?: UserPool;
  readonly userPoolClient?: UserPoolClient;
  /** The TOKEN authorizer's function, for an external issuer. */
  readonly authorizerFunction?: ApiFunction;

  constructor(scope: Construct, id: string, props: ApiAuthProps = {}) {
    super(scope, id);
    if (props.externalIssuer) {
      const fn = new ApiFunction(this, "JwtAuthorizerFunction", {
        entry: join(__dirname, "..", "..", "functions", "authorizer", "jwt-authorizer.handler.ts"),
        description: "Verifies bearer tokens of the external OpenID Connect issuer",
        environment: {
          JWT_ISSUER: props.externalIssuer.issuer,
          JWT_AUDIENCE: props.externalIssuer.audience.join(","),
        },
      });
      this.authorizerFunction = fn;
      this.authorizer = new TokenAuthorizer(this, "JwtAuthorizer", {
        handler: fn,
        // Not even invoked for a header that cannot hold a bearer token: 401.
        validationRegex: "^[Bb]earer [-0-9a-zA-Z._~+/]+=*$",
        // No cache: every request's token is checked against its exp and nbf now.
        resultsCacheTtl: Duration.seconds(0),
      });
      this.authorizationScopes = [];
      return;
    }
    const threatProtection = props.threatProtection ?? "off";
    const userPool = new UserPool(this, "UserPool", {
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      passwordPolicy: {
        minLength: 12,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
      },
      mfa: MFA[props.mfa ?? "optional"],
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: threatProtection === "off" ? FeaturePlan.ESSENTIALS : FeaturePlan.PLUS,
      ...(threatProtection === "off"
        ? {}
        : {
            standardThreatProtectionMode:
              threatProtection === "enforced"
                ? StandardThreatProtectionMode.FULL_FUNCTION
                : StandardThreatProtectionMode.AUDIT_ONLY,
          }),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const userPoolClient = userPool.addClient("ApiClient", {
      // The password flow gets a token with the AWS CLI alone (docs/deploying.md).
      authFlows: { userPassword: true, userSrp: true },
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      preventUserExistenceErrors: true,
    });
    if ((props.mfa ?? "optional") !== "required") {
      Validations.of(userPool).acknowledge({
        id: "AwsSolutions::AwsSolutions-COG2",
        reason:
          "MFA is configurable (mfa: off, optional, required); optional by default so that the documented CLI password flow and the canary's caller work. Set it to required for real users.",
      });
    }
    if (threatProtection === "off") {
      Validations.of(userPool).acknowledge({
        id: "AwsSolutions::AwsSolutions-COG8",
        reason:
          "Threat protection (the Plus feature plan) is billed per active user; a reference deployment must cost nothing at rest. Turn it on with threatProtection: audit or enforced.",
      });
    }
    this.userPool = userPool;
    this.userPoolClient = userPoolClient;
    this.authorizer = new CognitoUserPoolsAuthorizer(this, "CognitoAuthorizer", {
      cognitoUserPools: [userPool],
      resultsCacheTtl: Duration.seconds(0),
    });
    this.authorizationScopes = [COGNITO_USER_SCOPE];
  }
}
