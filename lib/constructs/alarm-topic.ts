import { Validations } from "aws-cdk-lib";
import { Alarm } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { type ITopic, Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";

export interface AlarmTopicProps {
  /** Where alarms are mailed; the address confirms the subscription once. @default none */
  readonly email?: string;
}

/** The SNS topic every alarm notifies (going into alarm and back to OK). */
export class AlarmTopic extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps = {}) {
    super(scope, id);
    this.topic = new Topic(this, "Topic", {
      displayName: "Payments API alarms",
      enforceSSL: true,
    });
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));
    Validations.of(this.topic).acknowledge({
      id: "AwsSolutions::AwsSolutions-SNS2",
      reason:
        "Alarm notifications carry alarm names and states, nothing of any caller. CloudWatch cannot publish to a topic under the AWS-managed SNS key, and a key of our own costs $1 a month at rest.",
    });
  }
}

/**
 * Every alarm under `scope` notifies `topic`, going into alarm and back to
 * OK: wired once, after everything is built, so that no alarm can be missed.
 */
export function notifyOnEveryAlarm(scope: Construct, topic: ITopic): void {
  const action = new SnsAction(topic);
  for (const construct of scope.node.findAll()) {
    if (!(construct instanceof Alarm)) continue;
    construct.addAlarmAction(action);
    construct.addOkAction(action);
  }
}
