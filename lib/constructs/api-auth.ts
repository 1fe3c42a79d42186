import { Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import { HttpJwtAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { AccountRecovery, Mfa, UserPool, type UserPoolClient } from "aws-cdk-lib/aws-cognito";
import { Construct } from "constructs";

/** An OpenID Connect issuer of the caller's own, instead of the stack's user pool. */
export interface ExternalIssuer {
  readonly issuer: string;
  readonly audience: readonly string[];
}

export interface ApiAuthProps {
  /** @default a Cognito user pool and app client created by the stack */
  readonly externalIssuer?: ExternalIssuer;
}

/**
 * Who may call the API: API Gateway's JWT authorizer verifies every token
 * (signature, expiry, issuer, audience) before a function runs; handlers only
 * read the verified `sub` claim.
 */
export class ApiAuth extends Construct {
  readonly authorizer: HttpJwtAuthorizer;
  readonly userPool?: UserPool;
  readonly userPoolClient?: UserPoolClient;

  constructor(scope: Construct, id: string, props: ApiAuthProps = {}) {
    super(scope, id);
    if (props.externalIssuer) {
      this.authorizer = new HttpJwtAuthorizer("JwtAuthorizer", props.externalIssuer.issuer, {
        jwtAudience: [...props.externalIssuer.audience],
      });
      return;
    }
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
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const userPoolClient = userPool.addClient("ApiClient", {
      // The password flow lets the README get a token with the AWS CLI alone.
      authFlows: { userPassword: true, userSrp: true },
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      preventUserExistenceErrors: true,
    });
    Validations.of(userPool).acknowledge(
      {
        id: "AwsSolutions::AwsSolutions-COG2",
        reason:
          "MFA (TOTP) is optional so that the README's CLI password flow works; set Mfa.REQUIRED for real users.",
      },
      {
        id: "AwsSolutions::AwsSolutions-COG8",
        reason:
          "The Plus feature plan (threat protection) is billed per active user; a reference deployment must cost nothing at rest. Enable it for production pools.",
      },
    );
    this.userPool = userPool;
    this.userPoolClient = userPoolClient;
    const issuer = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${userPool.userPoolId}`;
    this.authorizer = new HttpJwtAuthorizer("JwtAuthorizer", issuer, {
      // Cognito access tokens carry the app client id as client_id, which the
      // HTTP API authorizer checks against this audience.
      jwtAudience: [userPoolClient.userPoolClientId],
    });
  }
}
