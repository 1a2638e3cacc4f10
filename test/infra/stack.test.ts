/**
 * The template that deploys: built by the same function as bin/cdk.ts, with cdk.json's context
 * passed in (a bare `new App()` would not read it), then checked by focused assertions, exact
 * resource counts, and cdk-nag's validation report.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ackCommand } from '../../cli/ack.ts';
import { terminalIo } from '../../cli/io.ts';
import { stormguardApp } from '../../lib/app.ts';
import { context } from '../support/cdk-context.ts';

const configText = 'mode: enforce\nclusters: [events-msk, payments-msk]\n';

let template: Template;
let assemblyDirectory: string;
let report: { pluginReports: Array<{ violations: unknown[]; suppressedViolations: Array<{ ruleName: string; reason: string }> }> };
beforeAll(() => {
  const { app, stack } = stormguardApp({
    configText,
    configSource: 'test config',
    alertEmails: ['oncall@example.com'],
    appProps: { context },
  });
  const assembly = app.synth();
  assemblyDirectory = assembly.directory;
  template = Template.fromStack(stack);
  const reportPath = join(assembly.directory, 'validation-report.json');
  report = existsSync(reportPath) ? JSON.parse(readFileSync(reportPath, 'utf8')) : { pluginReports: [] };
}, 120_000);

describe('the Stormguard stack', () => {
  it('has exactly the resources of one guardrail', () => {
    const counts = {
      // The detector, the gate, the acknowledgement, the deploy-events endpoint.
      'AWS::Lambda::Function': 4,
      'AWS::Lambda::Url': 1,
      'AWS::Events::Rule': 1,
      'AWS::DynamoDB::GlobalTable': 1,
      'AWS::CloudWatch::Alarm': 8,
      'AWS::CloudWatch::Dashboard': 1,
      'AWS::SNS::Topic': 1,
      'AWS::SNS::Subscription': 1,
      'AWS::KMS::Key': 1,
      'AWS::IAM::Role': 4,
      'AWS::Logs::LogGroup': 4,
      'AWS::SecretsManager::Secret': 0,
      'AWS::S3::Bucket': 1,
      'AWS::Lambda::EventInvokeConfig': 1,
    };
    for (const [type, count] of Object.entries(counts)) template.resourceCountIs(type, count);
  });

  it('runs the detector on Node 24, ARM64, every minute, from its prebuilt bundle, with the configuration as written (JSON)', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 2,
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 50,
      Environment: {
        Variables: Match.objectLike({
          STORMGUARD_CONFIG: JSON.stringify({ mode: 'enforce', clusters: ['events-msk', 'payments-msk'] }),
          TABLE_NAME: Match.anyValue(),
          ALERT_TOPIC_ARN: Match.anyValue(),
        }),
      },
    });
    // No source maps in the asset, so none to enable (they slow every cold start).
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function')))
      expect(JSON.stringify(fn)).not.toContain('enable-source-maps');
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
  });

  it('lets no failed detector run be run again by Lambda, late, with its old minute: the next minute does its work', () => {
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
  });

  it('keeps state on demand, with point-in-time recovery and expiry', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    });
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain' });
  });

  it('alarms when the heartbeat stops, treating missing data as breaching, to the alert topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Stormguard',
      MetricName: 'Heartbeat',
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [Match.objectLike({ Ref: Match.stringLikeRegexp('Alerts') })],
    });
    for (const metric of ['Errors', 'Throttles', 'Duration'])
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Lambda', MetricName: metric });
    // Alerts that do not get out (PagerDuty refusing, Slack down) reach the topic, which does not go through them.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Stormguard',
      MetricName: 'NotifierErrors',
      Statistic: 'Sum',
      EvaluationPeriods: 3,
      AlarmActions: [Match.objectLike({ Ref: Match.stringLikeRegexp('Alerts') })],
    });
    // One alert refused or given up is one too many: at once.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'Stormguard', MetricName: 'AlertsLost', EvaluationPeriods: 1 });
    // A rollback LaunchDarkly would not take for two runs is said before it is paged as failed, 5 minutes on.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Stormguard',
      MetricName: 'DecisionsDeferred',
      EvaluationPeriods: 2,
    });
  });

  it('encrypts the alert topic with a rotating key that CloudWatch alarms may use, and requires TLS', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    const ownAlarms = Match.objectLike({
      StringEquals: { 'aws:SourceAccount': Match.anyValue() },
      ArnLike: { 'aws:SourceArn': Match.anyValue() },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Condition: ownAlarms })]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it("lets this account's CloudWatch alarms publish to the alert topic: its policy replaces SNS's default one", () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': Match.anyValue() } }),
          }),
        ]),
      },
    });
  });

  it('grants the detector no resource wildcard but GetMetricData, which has no resource-level permissions', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } } }).Properties
          .PolicyDocument.Statement,
    );
    const wildcards = statements.filter((s) => s.Resource === '*');
    expect(wildcards.map((s) => s.Action)).toEqual(['cloudwatch:GetMetricData']);
  });

  it("lets the acknowledge Lambda read and write the shards' heads alone: no decision, release or series item", () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Array<{
      Properties: { Roles: Array<{ Ref: string }>; PolicyDocument: { Statement: Array<{ Action: unknown; Condition?: unknown }> } };
    }>;
    const ack = policies.filter((p) => p.Properties.Roles.some((r) => r.Ref.includes('Ack')));
    const table = ack.flatMap((p) => p.Properties.PolicyDocument.Statement).filter((s) => JSON.stringify(s.Action).includes('dynamodb:'));
    expect(table).toEqual([
      expect.objectContaining({
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['guardrail'] } },
      }),
    ]);
  });

  it("lets the gate read the shards' heads, the releases and the state before shards, and nothing else: no Scan, no stream", () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Array<{
      Properties: { Roles: Array<{ Ref: string }>; PolicyDocument: { Statement: Array<{ Action: string | string[] }> } };
    }>;
    const gate = policies.filter((p) => p.Properties.Roles.some((r) => r.Ref.startsWith('GuardrailGateRole')));
    const actions = gate.flatMap((p) => p.Properties.PolicyDocument.Statement).flatMap((s) => [s.Action].flat());
    expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
    ]);
  });

  it('keeps incident reports private, encrypted, TLS-only and expiring, and bundles the page’s chart library with the detector', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 30, Status: 'Enabled' })] },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
    const assets = readdirSync(assemblyDirectory).filter((d) => d.startsWith('asset.'));
    expect(
      assets.some(
        (a) => existsSync(join(assemblyDirectory, a, 'uPlot.iife.min.js')) && existsSync(join(assemblyDirectory, a, 'index.mjs')),
      ),
    ).toBe(true);
    // The source maps stay out of the uploaded assets.
    expect(assets.some((a) => readdirSync(join(assemblyDirectory, a)).some((f) => f.endsWith('.map')))).toBe(false);
  });

  it("names in `stormguard ack --function`'s help an output of this stack that holds the acknowledge function", () => {
    const help = ackCommand(terminalIo).options.find((option) => option.long === '--function')?.description ?? '';
    const output = /the stack’s (\w+) output/.exec(help)?.[1] ?? '(none named)';
    expect(Object.keys(template.findOutputs('*'))).toContain(output);
    expect(template.findOutputs(output)[output]?.Description).toMatch(/^stormguard ack /);
  });

  it('draws each cluster on the dashboard', () => {
    const dashboard = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0] as { Properties: { DashboardBody: unknown } };
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const cluster of ['events-msk', 'payments-msk']) expect(body).toContain(cluster);
    expect(body).toContain('RolloutPercent');
    expect(body).toContain('Baseline');
  });

  it('passes cdk-nag AwsSolutions with no unacknowledged finding, each acknowledgement with its reason', () => {
    const [awsSolutions] = report.pluginReports;
    expect(awsSolutions, 'cdk-nag ran').toBeDefined();
    expect(awsSolutions!.violations).toEqual([]);
    expect(awsSolutions!.suppressedViolations.length).toBeGreaterThan(0);
    for (const acknowledged of awsSolutions!.suppressedViolations)
      expect(acknowledged.reason.length, acknowledged.ruleName).toBeGreaterThan(40);
  });
});
