import { Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { PaymentsTables } from "./constructs/tables";

/** The payments API on AWS. */
export class PaymentsStack extends Stack {
  readonly tables: PaymentsTables;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.tables = new PaymentsTables(this, "Tables");
  }
}
