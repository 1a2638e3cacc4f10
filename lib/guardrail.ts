/**
 * StormguardGuardrail: the whole guardrail as one construct. A table for its state, the detector
 * Lambda on a one-minute schedule per shard of the clusters (core/shards.ts), an alert topic whose path does not involve Kafka, alarms on
 * the guardrail itself (errors, throttles, duration near the timeout, a missing heartbeat, stale
 * data), and a dashboard; with LaunchDarkly configured, the webhook and the audit-log backfill.
 *
 * The Lambda code is prebuilt (dist/lambda/<name>, by `npm run build`): a synth needs neither
 * esbuild nor Docker, and deploys the bundles that were tested.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Names, RemovalPolicy, SecretValue, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { type GuardrailConfig, resolveConfig, type StormguardConfig } from '../lambdas/core/config-schema.ts';
import { planShards } from '../lambdas/core/shards.ts';
import { dynamicLabel, searchExpression } from '../lambdas/formats/cloudwatch-search.ts';
import { SECRET_PLACEHOLDER } from '../lambdas/names.ts';
import { DETECTOR_SERVICE, METRICS_NAMESPACE } from '../lambdas/names.ts';

export interface StormguardGuardrailProps {
  /**
   * The configuration, as a `stormguard.config.yaml` file holds it (docs/configuration.md): the one
   * source the construct and its Lambdas read. It must name the `clusters` to watch. Checked at
   * synth time (an unknown key or a wrong type throws, naming the field); `readConfigFile` reads
   * and checks a YAML file, with its line numbers in errors. Everything it leaves out takes the
   * documented default; `alerts.pagerDuty` and `alerts.slack` create their secrets here, and
   * `launchDarkly` the flag controller, the webhook and the backfill.
   */
  readonly config: StormguardConfig;
  /**
   * How often the detector runs.
   * @default one minute
   */
  readonly schedule?: Duration;
  /**
   * E-mail addresses subscribed to the alert topic.
   * @default none: subscribe your paging and chat integrations to `alertTopic`
   */
  readonly alertEmails?: readonly string[];
  /**
   * An existing topic for alerts and alarms, instead of a new one. It must accept publishing from
   * CloudWatch alarms (a customer managed key if encrypted).
   * @default a new topic, encrypted with a new customer managed key
   */
  readonly alertTopic?: sns.ITopic;
  /**
   * How long the detector's logs are kept.
   * @default one month
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the state table when the stack is deleted.
   * @default RETAIN: decisions are an audit trail
   */
  readonly tableRemovalPolicy?: RemovalPolicy;
  /**
   * How long incident reports are kept.
   * @default 30 days
   */
  readonly reportRetention?: Duration;
  /**
   * The dashboard's name.
   * @default derived from the construct's path, so two guardrails in one stack do not collide
   */
  readonly dashboardName?: string;
  /**
   * Read the signals from Prometheus or Amazon Managed Service for Prometheus instead of
   * CloudWatch: a secret is created for its URL and credentials (put its JSON in, see
   * docs/configuration.md), and the detector runs in `vpc`, where given, to reach a private server
   * (the subnets need a route to Secrets Manager, DynamoDB, SNS, S3 and the logs: NAT or endpoints).
   * @default CloudWatch GetMetricData
   */
  readonly prometheus?: {
    /** @default not in a VPC: the server must be reachable from the internet */
    readonly vpc?: ec2.IVpc;
    /** @default the VPC's private subnets */
    readonly vpcSubnets?: ec2.SubnetSelection;
    /** @default a new security group that allows all outbound traffic */
    readonly securityGroups?: ec2.ISecurityGroup[];
    /**
     * An AMP workspace the detector may query with its role (SigV4, aps:QueryMetrics).
     * @default none
     */
    readonly ampWorkspaceArn?: string;
  };
}

/** The secrets the guardrail creates, each where its feature is configured (put their values in). */
export interface StormguardSecrets {
  /** The LaunchDarkly API access token (`launchDarkly` configured). */
  readonly launchDarklyToken?: secretsmanager.ISecret;
  /** The LaunchDarkly webhook's signing secret (`launchDarkly` configured). */
  readonly launchDarklyWebhookSecret?: secretsmanager.ISecret;
  /** The PagerDuty Events API v2 routing key (`alerts.pagerDuty`). */
  readonly pagerDutyRoutingKey?: secretsmanager.ISecret;
  /** The Slack incoming webhook URL (`alerts.slack`). */
  readonly slackWebhookUrl?: secretsmanager.ISecret;
  /** The Prometheus URL and credentials, JSON (`prometheus`). */
  readonly prometheus?: secretsmanager.ISecret;
}

/** The detector's timeout: the run must end before the next one starts. */
const DETECTOR_TIMEOUT = Duration.seconds(50);
/** Duration alarm: the run takes most of its timeout. */
const DURATION_ALARM_FRACTION = 0.8;
/** Data older than this at evaluation means CloudWatch is not delivering. */
const STALE_DATA_SECONDS = 600;
/** The configuration's share of the 4 KB the environment variables of a Lambda may hold. */
const MAX_CONFIG_BYTES = 3000;

/**
 * The prebuilt bundle of a handler: dist/lambda/<name>, beside dist/lib/ in the package, or under
 * the repository's dist/ when this file runs from source (the tests and the repository's CDK app;
 * `npm run build` makes it, and the test setup rebuilds it).
 */
export function lambdaBundle(name: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const root = basename(dirname(here)) === 'dist' ? dirname(dirname(here)) : dirname(here);
  const folder = join(root, 'dist', 'lambda', name);
  if (!existsSync(join(folder, 'index.mjs'))) throw new Error(`StormguardGuardrail: no Lambda bundle at ${folder} (run \`npm run build\`)`);
  return folder;
}

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
    if (config.clusters.length === 0) {
      throw new Error('StormguardGuardrail: the configuration names no cluster to watch (set `clusters` to the MSK `Cluster Name` values)');
    }
    if ((props.schedule?.toSeconds() ?? 60) < config.metricPeriodSeconds) {
      throw new Error(`StormguardGuardrail: the schedule must not be shorter than the metric period (${config.metricPeriodSeconds} s)`);
    }
    // The Lambdas read the configuration as written (JSON) and apply the same defaults.
    const configJson = JSON.stringify(props.config);
    if (Buffer.byteLength(configJson) > MAX_CONFIG_BYTES) {
      throw new Error(`StormguardGuardrail: the configuration is ${Buffer.byteLength(configJson)} bytes as JSON; Lambda environment variables hold 4 KB in all, so keep it under ${MAX_CONFIG_BYTES} (leave defaults out)`);
    }

    const table = new dynamodb.TableV2(this, 'State', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: props.tableRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.table = table;

    if (props.alertTopic) {
      this.alertTopic = props.alertTopic;
    } else {
      const { topic, key } = this.newAlertTopic();
      this.alertTopic = topic;
      this.alertKey = key;
    }
    for (const email of props.alertEmails ?? []) this.alertTopic.addSubscription(new subscriptions.EmailSubscription(email));

    const retention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const common = { STORMGUARD_CONFIG: configJson, TABLE_NAME: table.tableName };
    const secret = (id: string, what: string) => {
      // Created holding a placeholder, not a generated value: the functions tell "not set yet" from a value.
      const created = new secretsmanager.Secret(this, id, {
        description: `Stormguard: ${what} (set it with aws secretsmanager put-secret-value)`,
        secretStringValue: SecretValue.unsafePlainText(SECRET_PLACEHOLDER),
      });
      Validations.of(created).acknowledge({
        id: 'AwsSolutions::AwsSolutions-SMG4',
        reason: `${what} is issued by a third party; it is rotated there and put here, so Secrets Manager cannot rotate it`,
      });
      return created;
    };
    const launchDarklyToken = config.launchDarkly ? secret('LaunchDarklyToken', 'the LaunchDarkly API access token (writer role on the guarded flags)') : undefined;
    const pagerDutyKey = config.alerts.pagerDuty ? secret('PagerDutyRoutingKey', 'the PagerDuty Events API v2 routing key') : undefined;
    const slackUrl = config.alerts.slack ? secret('SlackWebhookUrl', 'the Slack incoming webhook URL') : undefined;
    const prometheus = props.prometheus ? secret('PrometheusConnection', 'the Prometheus URL and credentials (JSON: url, auth)') : undefined;

    const reports = new s3.Bucket(this, 'Reports', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ expiration: props.reportRetention ?? Duration.days(30) }],
    });
    this.reports = reports;
    Validations.of(reports).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason: 'Incident reports are derived pages that expire, read only through presigned links the detector issues; audit reads with CloudTrail S3 data events if needed',
    });

    // Big fleets are split into shards (core/shards.ts): one schedule and state partition each.
    const shards = planShards(this.config);
    const detector = this.newFunction('Detector', 'detector', retention, {
      timeout: DETECTOR_TIMEOUT,
      // One run at a time per shard is enough; an overlapping one is refused by the state's revision anyway.
      reservedConcurrentExecutions: shards.length + 1,
      environment: {
        ...common,
        ALERT_TOPIC_ARN: this.alertTopic.topicArn,
        REPORTS_BUCKET: reports.bucketName,
        ...(launchDarklyToken ? { LAUNCHDARKLY_TOKEN_SECRET_ARN: launchDarklyToken.secretArn } : {}),
        ...(pagerDutyKey ? { PAGERDUTY_ROUTING_KEY_SECRET_ARN: pagerDutyKey.secretArn } : {}),
        ...(slackUrl ? { SLACK_WEBHOOK_SECRET_ARN: slackUrl.secretArn } : {}),
        ...(prometheus ? { PROMETHEUS_SECRET_ARN: prometheus.secretArn } : {}),
      },
      ...(props.prometheus?.vpc ? { vpc: props.prometheus.vpc, vpcSubnets: props.prometheus.vpcSubnets, securityGroups: props.prometheus.securityGroups } : {}),
    });
    this.detector = detector;
    const role = detector.role!;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'cloudwatch:GetMetricData supports no resource-level permissions or conditions (IAM service authorization reference); it is read-only',
    });
    for (const s of [launchDarklyToken, pagerDutyKey, slackUrl, prometheus]) s?.grantRead(role);
    if (props.prometheus?.vpc) {
      // A function in a VPC attaches network interfaces; these EC2 actions take no resource scoping.
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'], resources: ['*'] }));
    }
    if (props.prometheus?.ampWorkspaceArn) role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['aps:QueryMetrics'], resources: [props.prometheus.ampWorkspaceArn] }));
    table.grantReadWriteData(role);
    // Put the reports; read them, because a presigned link carries the signer's permission.
    const reportObjects = reports.arnForObjects('reports/*');
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject'], resources: [reportObjects] }));
    Validations.of(role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(reports.node.defaultChild as s3.CfnBucket)}.Arn>/reports/*]`,
      reason: 'One report object per episode, named when the episode opens: the statement is scoped to the reports/ prefix of this bucket, and to put and get only',
    });
    this.alertTopic.grantPublish(role);

    this.gate = this.newFunction('Gate', 'gate', retention, { timeout: Duration.seconds(10), environment: common });
    table.grantReadData(this.gate);
    this.ack = this.newFunction('Ack', 'ack', retention, { timeout: Duration.seconds(10), environment: common });
    table.grantReadWriteData(this.ack);
    this.deploys = this.newFunction('Deploys', 'deploys', retention, { timeout: Duration.seconds(10), environment: common });
    table.grantWriteData(this.deploys);
    this.deploysUrl = this.deploys.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
    let webhookSecret: secretsmanager.ISecret | undefined;
    if (launchDarklyToken) {
      webhookSecret = secret('LaunchDarklyWebhookSecret', "the LaunchDarkly webhook's signing secret");
      const webhook = this.newFunction('Webhook', 'webhook', retention, { timeout: Duration.seconds(10), environment: { ...common, WEBHOOK_SECRET_ARN: webhookSecret.secretArn } });
      webhookSecret.grantRead(webhook);
      table.grantWriteData(webhook);
      // LaunchDarkly cannot sign AWS requests: the function checks X-LD-Signature before anything else.
      this.webhookUrl = webhook.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
      this.webhook = webhook;
      const backfill = this.newFunction('Backfill', 'backfill', retention, { timeout: Duration.seconds(60), environment: { ...common, LAUNCHDARKLY_TOKEN_SECRET_ARN: launchDarklyToken.secretArn } });
      launchDarklyToken.grantRead(backfill);
      table.grantWriteData(backfill);
      new events.Rule(this, 'BackfillSchedule', { schedule: events.Schedule.rate(Duration.minutes(15)), targets: [new targets.LambdaFunction(backfill, { retryAttempts: 2 })] });
      this.backfill = backfill;
    }
    this.secrets = {
      ...(launchDarklyToken ? { launchDarklyToken } : {}),
      ...(webhookSecret ? { launchDarklyWebhookSecret: webhookSecret } : {}),
      ...(pagerDutyKey ? { pagerDutyRoutingKey: pagerDutyKey } : {}),
      ...(slackUrl ? { slackWebhookUrl: slackUrl } : {}),
      ...(prometheus ? { prometheus } : {}),
    };
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason: 'Publishing to the KMS-encrypted alert topic needs GenerateDataKey on its key; the statement is scoped to that one key (Topic.grantPublish)',
    });

    // Every minute per shard, naming it; most runs only look at the release timeline (configuration `cadence`).
    this.detectorSchedules = shards.map(
      (shard) =>
        new events.Rule(this, shard.id === '0' ? 'Schedule' : `Schedule${shard.id}`, {
          schedule: events.Schedule.rate(props.schedule ?? Duration.minutes(1)),
          targets: [
            new targets.LambdaFunction(detector, {
              event: events.RuleTargetInput.fromObject({ shard: shard.id, time: events.EventField.time }),
              retryAttempts: 0,
              maxEventAge: Duration.minutes(1),
            }),
          ],
        }),
    );

    const alarms = this.selfAlarms(detector);
    const action = new SnsAction(this.alertTopic);
    for (const alarm of alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    this.alarms = alarms;
    this.dashboard = this.newDashboard(config, alarms, props.dashboardName ?? Names.uniqueResourceName(this, { separator: '-', maxLength: 255 }));
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

  private newAlertTopic(): { topic: sns.ITopic; key: kms.IKey } {
    const key = new kms.Key(this, 'AlertKey', {
      enableKeyRotation: true,
      description: `Stormguard (${this.node.path}) alert topic: encrypts alerts at rest; CloudWatch alarms may publish`,
    });
    // CloudWatch alarms cannot publish to a topic under the AWS managed SNS key: they need this.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    return { topic: new sns.Topic(this, 'Alerts', { displayName: 'Stormguard alerts', masterKey: key, enforceSSL: true }), key };
  }

  /** A Lambda from its prebuilt bundle, with its own log group and its own role, which may write only to that log group; grants are added by the caller. */
  private newFunction(
    id: string,
    handler: string,
    retention: logs.RetentionDays,
    options: { timeout: Duration; environment: Record<string, string>; reservedConcurrentExecutions?: number } & Pick<lambda.FunctionOptions, 'vpc' | 'vpcSubnets' | 'securityGroups'>,
  ): lambda.Function {
    const logGroup = new logs.LogGroup(this, `${id}Logs`, { retention });
    const role = new iam.Role(this, `${id}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: `Stormguard ${id.toLowerCase()} (${this.node.path})` });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    return new lambda.Function(this, id, {
      code: lambda.Code.fromAsset(lambdaBundle(handler)),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      role,
      logGroup,
      ...options,
    });
  }

  private selfAlarms(fn: lambda.IFunction): cloudwatch.Alarm[] {
    const heartbeat = new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: 'Heartbeat',
      dimensionsMap: { service: DETECTOR_SERVICE },
      statistic: 'SampleCount',
      period: Duration.minutes(1),
    });
    const dataAge = new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: 'DataAge', dimensionsMap: { service: DETECTOR_SERVICE }, statistic: 'Maximum', period: Duration.minutes(1) });
    return [
      new cloudwatch.Alarm(this, 'DetectorErrors', {
        alarmDescription: 'Stormguard: the detector failed in 2 of the last 3 minutes',
        metric: fn.metricErrors({ period: Duration.minutes(1) }),
        threshold: 1,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'DetectorThrottles', {
        alarmDescription: 'Stormguard: the detector was throttled',
        metric: fn.metricThrottles({ period: Duration.minutes(1) }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'DetectorDuration', {
        alarmDescription: `Stormguard: runs take over ${DURATION_ALARM_FRACTION * 100}% of the detector's timeout`,
        metric: fn.metricDuration({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: DETECTOR_TIMEOUT.toMilliseconds() * DURATION_ALARM_FRACTION,
        evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'HeartbeatMissing', {
        alarmDescription: 'Stormguard: no detector heartbeat for 3 minutes: the guardrail is not watching',
        metric: heartbeat,
        threshold: 1,
        evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        // No heartbeat at all is the failure this alarm exists for.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }),
      new cloudwatch.Alarm(this, 'StaleData', {
        alarmDescription: `Stormguard: the newest datapoint is over ${STALE_DATA_SECONDS / 60} minutes old: the guardrail is blind`,
        metric: dataAge,
        threshold: STALE_DATA_SECONDS,
        evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ];
  }

  private newDashboard(config: GuardrailConfig, alarms: readonly cloudwatch.IAlarm[], dashboardName: string): cloudwatch.Dashboard {
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName });
    const period = Duration.seconds(config.metricPeriodSeconds);
    for (const cluster of config.clusters) {
      dashboard.addWidgets(
        new cloudwatch.TextWidget({ markdown: `## ${cluster}`, width: 24, height: 1 }),
        ...config.signals.map(
          (signal) =>
            new cloudwatch.GraphWidget({
              title: `${signal.name}: brokers and baseline`,
              width: 12,
              left: [
                new cloudwatch.MathExpression({ expression: searchExpression(signal, cluster, config.metricPeriodSeconds), label: dynamicLabel(signal), usingMetrics: {}, period }),
                new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: 'Baseline', dimensionsMap: { service: DETECTOR_SERVICE, Cluster: cluster, Signal: signal.name }, statistic: 'Average', period, label: 'baseline (median of brokers)' }),
              ],
            }),
        ),
      );
    }
    const stormguard = (metricName: string, statistic = 'Sum') => new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: DETECTOR_SERVICE }, statistic, period });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Rollout percentages',
        width: 12,
        left: [new cloudwatch.MathExpression({ expression: `SEARCH('{${METRICS_NAMESPACE},Flag,service} MetricName="RolloutPercent"', 'Maximum', ${config.metricPeriodSeconds})`, label: '', usingMetrics: {}, period })],
      }),
      new cloudwatch.GraphWidget({
        title: 'Decisions',
        width: 12,
        left: [new cloudwatch.MathExpression({ expression: `SEARCH('{${METRICS_NAMESPACE},Action,Mode,service} MetricName="DecisionsByAction"', 'Sum', ${config.metricPeriodSeconds})`, label: '', usingMetrics: {}, period })],
      }),
      new cloudwatch.GraphWidget({
        title: 'The guardrail itself',
        width: 24,
        left: [stormguard('Heartbeat', 'SampleCount'), stormguard('SeriesEvaluated', 'Maximum'), stormguard('Anomalies'), stormguard('Errors')],
        right: [stormguard('DataAge', 'Maximum'), stormguard('BlindSeries', 'Maximum')],
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 24, alarms: [...alarms] }),
    );
    return dashboard;
  }
}
