/** The stack that deploys one guardrail. */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { StormguardGuardrail, type StormguardGuardrailProps } from './guardrail.ts';

export interface StormguardStackProps extends StackProps {
  readonly guardrail: StormguardGuardrailProps;
}

export class StormguardStack extends Stack {
  readonly guardrail: StormguardGuardrail;

  constructor(scope: Construct, id: string, props: StormguardStackProps) {
    super(scope, id, props);
    this.guardrail = new StormguardGuardrail(this, 'Guardrail', props.guardrail);
    new CfnOutput(this, 'AlertTopicArn', {
      value: this.guardrail.alertTopic.topicArn,
      description: 'Subscribe paging and chat integrations here',
    });
    new CfnOutput(this, 'StateTable', { value: this.guardrail.table.tableName });
    new CfnOutput(this, 'Dashboard', { value: this.guardrail.dashboard.dashboardName });
    new CfnOutput(this, 'GateFunction', { value: this.guardrail.gate.functionName, description: 'stormguard gate --function <this>' });
    new CfnOutput(this, 'AckFunction', {
      value: this.guardrail.ack.functionName,
      description: 'stormguard ack --flag KEY --env ENV --reason WHY --function <this>',
    });
    new CfnOutput(this, 'DeploysUrl', {
      value: this.guardrail.deploysUrl.url,
      description: 'POST deploy events here, signed with SigV4 (IAM)',
    });
    if (this.guardrail.webhookUrl)
      new CfnOutput(this, 'LaunchDarklyWebhookUrl', {
        value: this.guardrail.webhookUrl.url,
        description: "LaunchDarkly webhook URL (sign with the secret's value)",
      });
  }
}
