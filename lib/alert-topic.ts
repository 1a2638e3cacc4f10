/** The alert topic: SNS under its own rotating KMS key, to which this account's CloudWatch alarms may publish; not through Kafka. */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

export function newAlertTopic(scope: Construct): { topic: sns.ITopic; key: kms.IKey } {
  const { account, region, partition } = Stack.of(scope);
  // The alarms of this account only: CloudWatch acts for whoever owns the alarm (the confused deputy).
  const fromOwnAlarms = {
    StringEquals: { 'aws:SourceAccount': account },
    ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
  };
  const alarms = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
  const key = new kms.Key(scope, 'AlertKey', {
    enableKeyRotation: true,
    description: `Stormguard (${scope.node.path}) alert topic: encrypts alerts at rest; CloudWatch alarms may publish`,
  });
  // CloudWatch alarms cannot publish to a topic under the AWS managed SNS key: they need scope.
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [alarms],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: fromOwnAlarms,
    }),
  );
  const topic = new sns.Topic(scope, 'Alerts', { displayName: 'Stormguard alerts', masterKey: key, enforceSSL: true });
  // The topic policy enforceSSL writes replaces SNS's default one, which let the account's alarms
  // publish: without this, every self-alarm fails its action ("not authorized to perform: SNS:Publish").
  topic.addToResourcePolicy(
    new iam.PolicyStatement({ principals: [alarms], actions: ['sns:Publish'], resources: [topic.topicArn], conditions: fromOwnAlarms }),
  );
  return { topic, key };
}
