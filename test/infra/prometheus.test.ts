/**
 * The guardrail reading Prometheus: a secret for the URL and credentials, the detector in the
 * given VPC, AMP queries allowed on one workspace; still no unacknowledged cdk-nag finding.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { StormguardGuardrail } from '../../lib/guardrail.ts';

const root = join(import.meta.dirname, '../..');
const context = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')).context as Record<string, unknown>;
const workspace = 'arn:aws:aps:eu-west-1:123456789012:workspace/ws-0123abcd';

let template: Template;
let violations: unknown[];
beforeAll(() => {
  const app = new App({ context });
  const stack = new Stack(app, 'WithPrometheus', { env: { account: '123456789012', region: 'eu-west-1' } });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0123456789abcdef0',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
    privateSubnetRouteTableIds: ['rtb-0123456789abcdef0', 'rtb-0123456789abcdef1'],
  });
  new StormguardGuardrail(stack, 'Guardrail', {
    config: { clusters: ['events'], publishDelaySeconds: 30 },
    prometheus: { vpc, ampWorkspaceArn: workspace },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const assembly = app.synth();
  template = Template.fromStack(stack);
  const report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8')) as {
    pluginReports: Array<{ violations: unknown[] }>;
  };
  violations = report.pluginReports[0]?.violations ?? [];
}, 120_000);

describe('the guardrail with a Prometheus source', () => {
  it('keeps the URL and credentials in a secret the detector reads, and runs the detector in the VPC', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 50,
      Environment: { Variables: Match.objectLike({ PROMETHEUS_SECRET_ARN: Match.anyValue() }) },
      VpcConfig: { SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'], SecurityGroupIds: Match.anyValue() },
    });
  });

  it('may query the one AMP workspace, and attach its network interfaces', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: Match.arrayWith(['ec2:CreateNetworkInterface']) }),
          Match.objectLike({ Action: 'aps:QueryMetrics', Resource: workspace }),
        ]),
      },
    });
  });

  it('passes cdk-nag AwsSolutions with no unacknowledged finding', () => {
    expect(violations).toEqual([]);
  });
});
