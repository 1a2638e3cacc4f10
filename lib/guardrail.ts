/**
 * StormguardGuardrail: the whole guardrail as one construct. A table for its state, the detector
 * Lambda on a one-minute schedule per shard of the clusters (core/shards.ts), an alert topic whose path does not involve Kafka, alarms on
 * the guardrail itself (errors, throttles, duration near the timeout, a missing heartbeat, stale
 * data), and a dashboard; with LaunchDarkly configured, the webhook and the audit-log backfill
 * (intake.ts), and alarms on their failures.
 *
 * The Lambda code is prebuilt (dist/lambda/<name>, by `npm run build`): a synth needs neither
 * esbuild nor Docker, and deploys the bundles that were tested.
 */
import { Duration, Names, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { type GuardrailConfig, resolveConfig } from '../lambdas/core/config-schema.ts';
import { InputError } from '../lambdas/core/errors.ts';
import { planShards } from '../lambdas/core/shards.ts';
import { newAlertTopic } from './alert-topic.ts';
import { newDashboard } from './dashboard.ts';
import { allowDetector } from './detector-role.ts';
import { newFunction } from './function.ts';
import { grantReleaseWrites, intakeAlarms, newLaunchDarklyIntake } from './intake.ts';
import type { StormguardGuardrailProps, StormguardSecrets } from './props.ts';
import { detectorSchedule } from './schedule.ts';
import { type DetectorSecrets, newSecrets } from './secrets.ts';
import { DETECTOR_TIMEOUT, selfAlarms } from './self-alarms.ts';

/** The configuration's share of the 4 KB the environment variables of a Lambda may hold. */
const MAX_CONFIG_BYTES = 3000;

/** The configuration as the Lambdas read it (JSON), refused at synth (an input error: one line, exit 2) when the guardrail could not run with it. */
function checkedConfigJson(props: StormguardGuardrailProps, config: GuardrailConfig, path: string): string {
  if (config.clusters.length === 0) {
    throw new InputError(
      { file: `${path}: config`, field: 'clusters' },
      'names no cluster to watch (set it to the MSK `Cluster Name` values)',
    );
  }
  // The Lambdas read the configuration as written (JSON) and apply the same defaults.
  const configJson = JSON.stringify(props.config);
  if (Buffer.byteLength(configJson) > MAX_CONFIG_BYTES) {
    throw new InputError(
      { file: `${path}: config` },
      `${Buffer.byteLength(configJson)} bytes as JSON; Lambda environment variables hold 4 KB in all, so keep it under ${MAX_CONFIG_BYTES} (leave defaults out)`,
    );
  }
  return configJson;
}

export type { StormguardGuardrailProps, StormguardSecrets } from './props.ts';

export class StormguardGuardrail extends Construct {
  /** The configuration after defaults, as the Lambdas run it. */
  readonly config: GuardrailConfig;
  /** State, decisions and releases. */
  readonly table: dynamodb.ITableV2;
  /** The detector, run on `schedule`. */
  readonly detector: lambda.IFunction;
  /** The CD gate: invoked with IAM by pipelines (`stormguard gate --function`); see `grantInvokeGate`. */
  readonly gate: lambda.IFunction;
  /** Lifts a freeze, saying who and why: invoked with IAM by on-call (`stormguard ack --function`); see `grantInvokeAck`. */
  readonly ack: lambda.IFunction;
  /** Stores deploy events from CD pipelines, behind `deploysUrl`; see `grantPostDeploys`. */
  readonly deploys: lambda.IFunction;
  /** Deploy events from CD pipelines, over an IAM-authenticated Function URL. */
  readonly deploysUrl: lambda.IFunctionUrl;
  /** Stores LaunchDarkly's webhook deliveries, where `launchDarkly` is configured. */
  readonly webhook?: lambda.IFunction;
  /** LaunchDarkly's webhook endpoint, where `launchDarkly` is configured (signatures checked by the function). */
  readonly webhookUrl?: lambda.IFunctionUrl;
  /** Reads LaunchDarkly's audit log back every 15 minutes, where `launchDarkly` is configured. */
  readonly backfill?: lambda.IFunction;
  /** Alerts and the alarms' notifications. */
  readonly alertTopic: sns.ITopic;
  /** The alert topic's key, where the construct created the topic. */
  readonly alertKey?: kms.IKey;
  /** Incident reports: private, encrypted, expiring; read through presigned links in alerts. */
  readonly reports: s3.IBucket;
  /** The secrets created for the configured integrations. */
  readonly secrets: StormguardSecrets;
  /** The rules that run the detector: one per shard (configuration `shards`). */
  readonly detectorSchedules: readonly events.IRule[];
  /** Alarms on the guardrail itself, to the alert topic. */
  readonly alarms: readonly cloudwatch.IAlarm[];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: StormguardGuardrailProps) {
    super(scope, id);
    const config = resolveConfig(props.config, `${this.node.path}: config`);
    this.config = config;
    const configJson = checkedConfigJson(props, config, this.node.path);
    const schedule = detectorSchedule(props.schedule, config, this.node.path);
    this.table = new dynamodb.TableV2(this, 'State', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: props.tableRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    if (props.alertTopic) {
      this.alertTopic = props.alertTopic;
    } else {
      const { topic, key } = newAlertTopic(this);
      this.alertTopic = topic;
      this.alertKey = key;
    }
    for (const email of props.alertEmails ?? []) this.alertTopic.addSubscription(new subscriptions.EmailSubscription(email));

    const retention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const common = { STORMGUARD_CONFIG: configJson, TABLE_NAME: this.table.tableName };
    const secrets = newSecrets(this, config, props);
    this.reports = this.newReportsBucket(props);
    const detector = this.newDetector(props, secrets, retention, common);
    this.detector = detector;
    this.detectorSchedules = planShards(config).map((shard) => this.newSchedule(detector, shard.id, schedule));

    this.gate = this.newGate(retention, common);
    this.ack = this.newAck(retention, common);
    this.deploys = newFunction(this, 'Deploys', 'deploys', retention, { timeout: Duration.seconds(10), environment: common });
    grantReleaseWrites(this.deploys, this.table);
    this.deploysUrl = this.deploys.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
    const token = secrets.launchDarklyToken;
    const launchDarkly = token ? newLaunchDarklyIntake(this, { token, table: this.table, retention, common }) : undefined;
    if (launchDarkly) {
      this.webhook = launchDarkly.webhook;
      this.webhookUrl = launchDarkly.webhookUrl;
      this.backfill = launchDarkly.backfill;
    }
    this.secrets = { ...secrets, ...(launchDarkly ? { launchDarklyWebhookSecret: launchDarkly.webhookSecret } : {}) };

    const alarms = [...selfAlarms(this, detector, schedule, config), ...(launchDarkly ? intakeAlarms(this, launchDarkly) : [])];
    const action = new SnsAction(this.alertTopic);
    for (const alarm of alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    this.alarms = alarms;
    this.dashboard = newDashboard(
      this,
      config,
      alarms,
      props.dashboardName ?? Names.uniqueResourceName(this, { separator: '-', maxLength: 255 }),
    );
  }

  /**
   * The gate: it reads the shards' heads and the releases (Query), and the state of the layout
   * before shards (GetItem, BatchGetItem for its series); no Scan, no stream.
   */
  private newGate(retention: logs.RetentionDays, common: Record<string, string>): lambda.Function {
    const gate = newFunction(this, 'Gate', 'gate', retention, { timeout: Duration.seconds(10), environment: common });
    gate.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:BatchGetItem'],
        resources: [this.table.tableArn],
      }),
    );
    return gate;
  }

  /** The acknowledge function: it lists, reads and writes the shards' heads only (adapters/dynamodb/head-store.ts), never a decision, release or series item. */
  private newAck(retention: logs.RetentionDays, common: Record<string, string>): lambda.Function {
    const ack = newFunction(this, 'Ack', 'ack', retention, { timeout: Duration.seconds(10), environment: common });
    ack.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
        resources: [this.table.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['guardrail'] } },
      }),
    );
    return ack;
  }

  private newReportsBucket(props: StormguardGuardrailProps): s3.Bucket {
    const reports = new s3.Bucket(this, 'Reports', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ expiration: props.reportRetention ?? Duration.days(30) }],
    });
    Validations.of(reports).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason:
        'Incident reports are derived pages that expire, read only through presigned links the detector issues; audit reads with CloudTrail S3 data events if needed',
    });
    return reports;
  }

  /** The detector and what its role may do: read metrics, the table, its secrets; write reports; publish alerts. */
  private newDetector(
    props: StormguardGuardrailProps,
    secrets: DetectorSecrets,
    retention: logs.RetentionDays,
    common: Record<string, string>,
  ): lambda.Function {
    const shards = planShards(this.config);
    const { launchDarklyToken, pagerDutyRoutingKey, slackWebhookUrl, prometheus } = secrets;
    const detector = newFunction(this, 'Detector', 'detector', retention, {
      timeout: DETECTOR_TIMEOUT,
      // One run at a time per shard is enough; an overlapping one is refused by the state's revision anyway.
      reservedConcurrentExecutions: shards.length + 1,
      // Lambda's own retries of an async run (twice, up to 6 h late, with the old event time) would
      // run a stale minute over a newer one: the next minute's run does the work instead.
      retryAttempts: 0,
      maxEventAge: Duration.minutes(1),
      environment: {
        ...common,
        ALERT_TOPIC_ARN: this.alertTopic.topicArn,
        REPORTS_BUCKET: this.reports.bucketName,
        ...(launchDarklyToken ? { LAUNCHDARKLY_TOKEN_SECRET_ARN: launchDarklyToken.secretArn } : {}),
        ...(pagerDutyRoutingKey ? { PAGERDUTY_ROUTING_KEY_SECRET_ARN: pagerDutyRoutingKey.secretArn } : {}),
        ...(slackWebhookUrl ? { SLACK_WEBHOOK_SECRET_ARN: slackWebhookUrl.secretArn } : {}),
        ...(prometheus ? { PROMETHEUS_SECRET_ARN: prometheus.secretArn } : {}),
      },
      ...(props.prometheus?.vpc
        ? { vpc: props.prometheus.vpc, vpcSubnets: props.prometheus.vpcSubnets, securityGroups: props.prometheus.securityGroups }
        : {}),
    });
    const role = detector.role!;
    for (const s of [launchDarklyToken, pagerDutyRoutingKey, slackWebhookUrl, prometheus]) s?.grantRead(role);
    allowDetector(role, props, { table: this.table, reports: this.reports, alertTopic: this.alertTopic });
    return detector;
  }

  /** Every `schedule` (a minute) per shard, naming it; most runs only look at the release timeline (configuration `cadence`). */
  private newSchedule(detector: lambda.IFunction, shard: string, schedule: Duration): events.Rule {
    return new events.Rule(this, shard === '0' ? 'Schedule' : `Schedule${shard}`, {
      schedule: events.Schedule.rate(schedule),
      targets: [
        new targets.LambdaFunction(detector, {
          event: events.RuleTargetInput.fromObject({ shard, time: events.EventField.time }),
          retryAttempts: 0,
          maxEventAge: Duration.minutes(1),
        }),
      ],
    });
  }

  /** Lets `grantee` read the guardrail's state, decisions and releases (the table). */
  grantReadState(grantee: iam.IGrantable): iam.Grant {
    return this.table.grantReadData(grantee);
  }

  /** Lets `grantee` ask the gate (a CD pipeline's role: `stormguard gate --function`). */
  grantInvokeGate(grantee: iam.IGrantable): iam.Grant {
    return this.gate.grantInvoke(grantee);
  }

  /** Lets on-call lift freezes (`stormguard ack --function`): only the principals that may undo a rollback's hold. */
  grantInvokeAck(grantee: iam.IGrantable): iam.Grant {
    return this.ack.grantInvoke(grantee);
  }

  /** Lets `grantee` post deploy events to `deploysUrl` (SigV4-signed). */
  grantPostDeploys(grantee: iam.IGrantable): iam.Grant {
    return this.deploys.grantInvokeUrl(grantee);
  }
}
