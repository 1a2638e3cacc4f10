/**
 * The template that deploys: built by the same function as bin/cdk.ts, with cdk.json's context
 * passed in (a bare `new App()` would not read it), then checked by focused assertions, exact
 * resource counts, and cdk-nag's validation report.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { SECRET_PLACEHOLDER } from '../../lambdas/names.ts';
import { stormguardApp } from '../../lib/app.ts';
import { StormguardGuardrail } from '../../lib/index.ts';

const root = join(import.meta.dirname, '../..');
const context = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')).context as Record<string, unknown>;
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
      'AWS::CloudWatch::Alarm': 5,
      'AWS::CloudWatch::Dashboard': 1,
      'AWS::SNS::Topic': 1,
      'AWS::SNS::Subscription': 1,
      'AWS::KMS::Key': 1,
      'AWS::IAM::Role': 4,
      'AWS::Logs::LogGroup': 4,
      'AWS::SecretsManager::Secret': 0,
      'AWS::S3::Bucket': 1,
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
  });

  it('encrypts the alert topic with a rotating key that CloudWatch alarms may use, and requires TLS', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } })]) },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
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
});

describe('the construct as a CDK user meets it', () => {
  let two: Template;
  let guardrails: StormguardGuardrail[];
  let pipeline: iam.Role;
  beforeAll(() => {
    const app = new App({ context });
    const stack = new Stack(app, 'Platform');
    guardrails = [
      new StormguardGuardrail(stack, 'Events', {
        config: { clusters: ['events-msk'], launchDarkly: { projectKey: 'default' }, alerts: { pagerDuty: true } },
      }),
      new StormguardGuardrail(stack, 'Payments', { config: { clusters: ['payments-msk'], mode: 'observe' } }),
    ];
    pipeline = new iam.Role(stack, 'Pipeline', { assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com') });
    guardrails[0]!.grantInvokeGate(pipeline);
    guardrails[0]!.grantReadState(pipeline);
    guardrails[0]!.grantPostDeploys(pipeline);
    app.synth();
    two = Template.fromStack(stack);
  }, 120_000);

  it('puts two guardrails in one stack, each with its own dashboard name, derived from its id', () => {
    const names = Object.values(two.findResources('AWS::CloudWatch::Dashboard')).map(
      (d) => (d as { Properties: { DashboardName: string } }).Properties.DashboardName,
    );
    expect(names).toHaveLength(2);
    expect(new Set(names).size).toBe(2);
    expect(names[0]).toMatch(/Events/);
    expect(names[1]).toMatch(/Payments/);
    two.resourceCountIs('AWS::DynamoDB::GlobalTable', 2);
    // Payments: detector, gate, ack, deploys; Events adds the LaunchDarkly webhook and backfill.
    two.resourceCountIs('AWS::Lambda::Function', 4 + 6);
  });

  it('exposes every resource it creates, and the configuration after defaults', () => {
    const [events, payments] = guardrails as [StormguardGuardrail, StormguardGuardrail];
    for (const resource of [
      events.table,
      events.detector,
      events.gate,
      events.deploys,
      events.deploysUrl,
      events.webhook,
      events.webhookUrl,
      events.backfill,
      events.ack,
      events.alertTopic,
      events.alertKey,
      events.reports,
      ...events.detectorSchedules,
      events.dashboard,
    ]) {
      expect(resource).toBeDefined();
    }
    expect(Object.keys(events.secrets).sort()).toEqual(['launchDarklyToken', 'launchDarklyWebhookSecret', 'pagerDutyRoutingKey']);
    expect(events.alarms).toHaveLength(5);
    expect(payments.webhook).toBeUndefined();
    expect(payments.backfill).toBeUndefined();
    expect(payments.secrets).toEqual({});
    expect(payments.config.mode).toBe('observe');
    expect(payments.config.signals.map((s) => s.name)).toContain('ConnectionCreationRate');
  });

  it('grants a pipeline the gate, the state and the deploy endpoint, and no more', () => {
    const policy = Object.values(two.findResources('AWS::IAM::Policy')).find((p) => JSON.stringify(p).includes('"Pipeline')) as {
      Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[] }> } };
    };
    const actions = policy.Properties.PolicyDocument.Statement.flatMap((s) => [s.Action].flat()).sort();
    expect(actions).toContain('lambda:InvokeFunction');
    expect(actions).toContain('lambda:InvokeFunctionUrl');
    expect(actions).toContain('dynamodb:GetItem');
    expect(actions.filter((a) => /Put|Update|Delete|Write/.test(a))).toEqual([]);
  });
});

describe('the construct refuses what cannot work, at synth time', () => {
  it('a configuration that names no cluster', () => {
    expect(() => stormguardApp({ configText: 'mode: observe\n', configSource: 'x', appProps: { context } })).toThrow(
      'StormguardGuardrail: the configuration names no cluster to watch (set `clusters` to the MSK `Cluster Name` values)',
    );
  });

  it('a configuration object with an unknown key, by field', () => {
    const stack = new Stack(new App({ context }), 'Bad');
    expect(
      () => new StormguardGuardrail(stack, 'Guardrail', { config: { clusters: ['a'], rollback: { coolDownMinutes: 5 } } as never }),
    ).toThrow(/Bad\/Guardrail: config: field `rollback\.coolDownMinutes`: unknown key \(expected one of: to, cooldownMinutes\)/);
  });

  it('a configuration with an unknown key, by line', () => {
    expect(() =>
      stormguardApp({ configText: 'clusters: [a]\nclustres: [b]\n', configSource: 'stormguard.config.yaml', appProps: { context } }),
    ).toThrow(/stormguard\.config\.yaml, line 2: field `clustres`: unknown key/);
  });
});
