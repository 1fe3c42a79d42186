import { Validations } from "aws-cdk-lib";
import type { Function as LambdaFunction } from "aws-cdk-lib/aws-lambda";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { PROCESSOR_SECRET_ARN_ENV } from "../../functions/processor/processor-config";

/**
 * The payment processor's API key and webhook signing secret, in one
 * Secrets Manager secret. The stack creates it with a generated placeholder,
 * so a deployment needs no key: the operator puts
 * `{"apiKey":"sk_test_…","webhookSecret":"whsec_…"}` in it afterwards (until
 * then card payments and webhooks fail with a message saying so; wallet
 * payments work). CloudFormation never writes it again: a redeployment keeps
 * the operator's value.
 */
export class ProcessorSecret extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.secret = new Secret(this, "Secret", {
      description:
        'The payment processor (Stripe): replace the generated placeholder with {"apiKey":"sk_test_…","webhookSecret":"whsec_…"} (the API key, and the signing secret of the endpoint /webhooks/processor).',
      // Changing these later makes CloudFormation generate a new value over the operator's.
      generateSecretString: { excludePunctuation: true, passwordLength: 32 },
    });
    Validations.of(this.secret).acknowledge({
      id: "AwsSolutions::AwsSolutions-SMG4",
      reason:
        "Stripe issues and rolls its keys and signing secrets in its own dashboard, not through a rotation Lambda; the operator puts the new ones in this secret, which the functions reread within 5 minutes (a new API key at their next cold start).",
    });
  }

  /** Lets `fn` read the secret (nothing else of Secrets Manager) and tells it the secret's ARN. */
  grantTo(fn: LambdaFunction): void {
    this.secret.grantRead(fn);
    fn.addEnvironment(PROCESSOR_SECRET_ARN_ENV, this.secret.secretArn);
  }
}
