import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { SECRET_PLACEHOLDER } from '../../lambdas/names.ts';
import { stormguardApp } from '../../lib/app.ts';
import { context } from '../support/cdk-context.ts';

describe('the Stormguard stack with LaunchDarkly, PagerDuty and Slack', () => {
  let full: Template;
  beforeAll(() => {
    const configText =
      'mode: enforce\nclusters: [events-msk]\nlaunchDarkly: { projectKey: default }\nalerts: { pagerDuty: true, slack: true }\n';
    const { app, stack } = stormguardApp({ configText, configSource: 'test config', appProps: { context } });
    app.synth();
    full = Template.fromStack(stack);
  }, 120_000);

  it('adds the webhook (its own signature check: no IAM) and the audit-log backfill, and keeps each secret in Secrets Manager', () => {
    full.resourceCountIs('AWS::Lambda::Function', 6);
    full.resourceCountIs('AWS::SecretsManager::Secret', 4);
    full.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE' });
    full.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM' });
    full.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)' });
    full.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          LAUNCHDARKLY_TOKEN_SECRET_ARN: Match.anyValue(),
          PAGERDUTY_ROUTING_KEY_SECRET_ARN: Match.anyValue(),
          SLACK_WEBHOOK_SECRET_ARN: Match.anyValue(),
        }),
      },
    });
  });

  it('runs the backfill once per schedule: no Lambda retries of a failed run spending the token meanwhile', () => {
    full.resourceCountIs('AWS::Lambda::EventInvokeConfig', 2);
    full.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 300 });
  });

  it('creates each secret holding the placeholder, not a generated value, so "not set yet" is told apart from a value', () => {
    const secrets = Object.values(full.findResources('AWS::SecretsManager::Secret')) as Array<{ Properties: Record<string, unknown> }>;
    expect(secrets.map((s) => [s.Properties.SecretString, s.Properties.GenerateSecretString])).toEqual(
      Array(4).fill([SECRET_PLACEHOLDER, undefined]),
    );
  });

  it('lets each function read only its own secrets', () => {
    const policies = Object.values(full.findResources('AWS::IAM::Policy')) as Array<{
      Properties: { Roles: Array<{ Ref: string }>; PolicyDocument: { Statement: Array<{ Action: string | string[] }> } };
    }>;
    const readers = policies
      .filter((p) => p.Properties.PolicyDocument.Statement.some((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue')))
      .map((p) => p.Properties.Roles[0]!.Ref);
    expect(readers.map((r) => r.replace(/Role.*$/, '').replace(/^Guardrail/, '')).sort()).toEqual(['Backfill', 'Detector', 'Webhook']);
  });

  it('lets the deploy-events, webhook and backfill Lambdas write release items alone, and caps the public webhook', () => {
    const policies = Object.values(full.findResources('AWS::IAM::Policy')) as Array<{
      Properties: { Roles: Array<{ Ref: string }>; PolicyDocument: { Statement: Array<{ Action: unknown; Condition?: unknown }> } };
    }>;
    for (const name of ['Deploys', 'Webhook', 'Backfill']) {
      const own = policies.filter((p) => p.Properties.Roles.some((r) => r.Ref.startsWith(`Guardrail${name}Role`)));
      const table = own.flatMap((p) => p.Properties.PolicyDocument.Statement).filter((s) => JSON.stringify(s.Action).includes('dynamodb:'));
      expect(table, name).toEqual([
        expect.objectContaining({
          Action: 'dynamodb:BatchWriteItem',
          Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['release'] } },
        }),
      ]);
    }
    const functions = Object.entries(full.findResources('AWS::Lambda::Function')) as Array<
      [string, { Properties: Record<string, unknown> }]
    >;
    const webhook = functions.find(([id]) => /^GuardrailWebhook[0-9A-F]+$/.test(id));
    expect(webhook?.[1].Properties.ReservedConcurrentExecutions).toBe(5);
  });

  it('alarms, to the alert topic, when the webhook fails a delivery (5xx, not the 4xx any caller of a public URL can cause) and when a backfill run fails', () => {
    full.resourceCountIs('AWS::CloudWatch::Alarm', 8 + 2);
    const functionIds = Object.keys(full.findResources('AWS::Lambda::Function'));
    const ref = (name: string) => ({ Ref: functionIds.find((id) => new RegExp(`^Guardrail${name}[0-9A-F]+$`).test(id)) });
    const toTopic = { AlarmActions: [Match.objectLike({ Ref: Match.stringLikeRegexp('Alerts') })] };
    full.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Url5xxCount',
      Dimensions: [{ Name: 'FunctionName', Value: ref('Webhook') }],
      Threshold: 1,
      EvaluationPeriods: 1,
      ...toTopic,
    });
    // Any scanner's unsigned request to the public URL is a 4xx: never an alarm.
    expect(JSON.stringify(full.findResources('AWS::CloudWatch::Alarm'))).not.toContain('Url4xxCount');
    full.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: ref('Backfill') }],
      Period: 900,
      EvaluationPeriods: 1,
      ...toTopic,
    });
  });
});
