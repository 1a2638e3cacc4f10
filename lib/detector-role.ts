/**
 * What the detector's role may do, each wildcard acknowledged to cdk-nag with its reason: read
 * metrics (and Prometheus), the table; put and read its reports; publish alerts.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { StormguardGuardrailProps } from './props.ts';

export function allowDetector(
  role: iam.IRole,
  props: StormguardGuardrailProps,
  { table, reports, alertTopic }: { table: dynamodb.ITableV2; reports: s3.IBucket; alertTopic: sns.ITopic },
): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
  Validations.of(role).acknowledge({
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    reason:
      'cloudwatch:GetMetricData supports no resource-level permissions or conditions (IAM service authorization reference); it is read-only',
  });
  if (props.prometheus?.vpc) {
    // A function in a VPC attaches network interfaces; these EC2 actions take no resource scoping.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        resources: ['*'],
      }),
    );
  }
  if (props.prometheus?.ampWorkspaceArn)
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['aps:QueryMetrics'], resources: [props.prometheus.ampWorkspaceArn] }));
  table.grantReadWriteData(role);
  // Put the reports; read them, because a presigned link carries the signer's permission.
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject'], resources: [reports.arnForObjects('reports/*')] }),
  );
  Validations.of(role).acknowledge({
    id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(reports).getLogicalId(reports.node.defaultChild as s3.CfnBucket)}.Arn>/reports/*]`,
    reason:
      'One report object per episode, named when the episode opens: the statement is scoped to the reports/ prefix of this bucket, and to put and get only',
  });
  alertTopic.grantPublish(role);
  Validations.of(role).acknowledge({
    id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
    reason:
      'Publishing to the KMS-encrypted alert topic needs GenerateDataKey on its key; the statement is scoped to that one key (Topic.grantPublish)',
  });
}
