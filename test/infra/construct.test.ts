import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../lambdas/core/errors.ts';
import { stormguardApp } from '../../lib/app.ts';
import { StormguardGuardrail } from '../../lib/index.ts';
import { context } from '../support/cdk-context.ts';

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
    // The detector's seven, and the webhook's and the backfill's.
    expect(events.alarms).toHaveLength(10);
    expect(payments.alarms).toHaveLength(8);
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
  it('a configuration that names no cluster: an input error naming the field (the CDK app prints one line and exits 2)', () => {
    const synth = () => stormguardApp({ configText: 'mode: observe\n', configSource: 'x', appProps: { context } });
    expect(synth).toThrow(InputError);
    expect(synth).toThrow(
      'Stormguard/Guardrail: config: field `clusters`: names no cluster to watch (set it to the MSK `Cluster Name` values)',
    );
  });

  it('the CDK app (cdk.json) on a configuration with no cluster: one line naming the field, exit 2, no stack trace', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'stormguard-cdk-'));
    await writeFile(join(folder, 'stormguard.config.yaml'), 'mode: observe\n');
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bin/cdk.ts'], {
      env: { ...process.env, STORMGUARD_CONFIG_FILE: join(folder, 'stormguard.config.yaml') },
      encoding: 'utf8',
    });
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe(
      'stormguard: Stormguard/Guardrail: config: field `clusters`: names no cluster to watch (set it to the MSK `Cluster Name` values)',
    );
  }, 60_000);

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
