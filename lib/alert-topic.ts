/** The alert topic: SNS under its own rotating KMS key, which CloudWatch alarms may use; not through Kafka. */
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

export function newAlertTopic(scope: Construct): { topic: sns.ITopic; key: kms.IKey } {
  const key = new kms.Key(scope, 'AlertKey', {
    enableKeyRotation: true,
    description: `Stormguard (${scope.node.path}) alert topic: encrypts alerts at rest; CloudWatch alarms may publish`,
  });
  // CloudWatch alarms cannot publish to a topic under the AWS managed SNS key: they need scope.
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
    }),
  );
  return { topic: new sns.Topic(scope, 'Alerts', { displayName: 'Stormguard alerts', masterKey: key, enforceSSL: true }), key };
}
