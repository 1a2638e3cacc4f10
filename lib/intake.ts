/**
 * The release timeline from LaunchDarkly, where `launchDarkly` is configured: the signed webhook
 * (a public Function URL) and the audit-log backfill every 15 minutes, and their alarms. Both only
 * store releases; a failing backfill blinds the gate to the timeline (it denies after 35 minutes),
 * and each failure reaches the alert topic. A webhook's 4xx does not: its URL is public, and any
 * scanner's unsigned request is one; a wrong signing secret shows in its log, and the backfill reads
 * the steps it refused.
 */
import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { TIMELINE_READ_EVERY_MS } from '../lambdas/core/freshness.ts';
import { newFunction } from './function.ts';
import { newSecret } from './secrets.ts';
import { alarmAtLeast } from './self-alarms.ts';

/** The webhook's concurrent runs at most: LaunchDarkly sends a delivery per change, seconds apart. */
const WEBHOOK_CONCURRENCY = 5;
/** How often the backfill reads the audit log back: the gate counts on it (freshness.ts `timelineIsStale`). */
const BACKFILL_SCHEDULE = Duration.millis(TIMELINE_READ_EVERY_MS);
/** The webhook's refusals are counted over this: one refused delivery is one too many. */
const WEBHOOK_ALARM_PERIOD = Duration.minutes(5);

export interface LaunchDarklyIntake {
  readonly webhook: lambda.Function;
  readonly webhookUrl: lambda.FunctionUrl;
  readonly backfill: lambda.Function;
  readonly webhookSecret: secretsmanager.ISecret;
}

/** Lets a function that only stores releases (adapters/dynamodb/releases.ts) write their items, and no other: not the heads, freezes or decisions. */
export function grantReleaseWrites(fn: lambda.IFunction, table: dynamodb.ITableV2): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:BatchWriteItem'],
      resources: [table.tableArn],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['release'] } },
    }),
  );
}

export function newLaunchDarklyIntake(
  scope: Construct,
  {
    token,
    table,
    retention,
    common,
  }: { token: secretsmanager.ISecret; table: dynamodb.ITableV2; retention: logs.RetentionDays; common: Record<string, string> },
): LaunchDarklyIntake {
  const webhookSecret = newSecret(scope, 'LaunchDarklyWebhookSecret', "the LaunchDarkly webhook's signing secret");
  const webhook = newFunction(scope, 'Webhook', 'webhook', retention, {
    timeout: Duration.seconds(10),
    // Its URL is public (signatures are checked inside): a flood is throttled here, not in the account's other functions (the gate, ack).
    reservedConcurrentExecutions: WEBHOOK_CONCURRENCY,
    environment: { ...common, WEBHOOK_SECRET_ARN: webhookSecret.secretArn },
  });
  webhookSecret.grantRead(webhook);
  grantReleaseWrites(webhook, table);
  // LaunchDarkly cannot sign AWS requests: the function checks X-LD-Signature before anything else.
  const webhookUrl = webhook.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
  const backfill = newFunction(scope, 'Backfill', 'backfill', retention, {
    timeout: Duration.seconds(60),
    // The next run, 15 minutes on, reads the same two hours: no retries spending the token's rate limit meanwhile.
    retryAttempts: 0,
    maxEventAge: Duration.minutes(5),
    environment: { ...common, LAUNCHDARKLY_TOKEN_SECRET_ARN: token.secretArn },
  });
  token.grantRead(backfill);
  grantReleaseWrites(backfill, table);
  new events.Rule(scope, 'BackfillSchedule', {
    schedule: events.Schedule.rate(BACKFILL_SCHEDULE),
    targets: [new targets.LambdaFunction(backfill, { retryAttempts: 2, maxEventAge: Duration.minutes(5) })],
  });
  return { webhook, webhookUrl, backfill, webhookSecret };
}

/**
 * The intake's alarms. The webhook's failed deliveries (5xx: the function failed, as with the
 * secret still the placeholder) are what Lambda counts of its URL's answers, per function; its
 * 4xx are not counted, as any caller of the public URL can cause one. The backfill fails as a
 * whole run: one is worth knowing.
 */
export function intakeAlarms(
  scope: Construct,
  { webhook, backfill }: Pick<LaunchDarklyIntake, 'webhook' | 'backfill'>,
): cloudwatch.Alarm[] {
  return [
    alarmAtLeast(scope, 'WebhookFailed', {
      description:
        'Stormguard: the LaunchDarkly webhook failed a delivery (5xx: its signing secret not set yet, or a fault; the webhook log says why): rollout steps reach the guardrail only through the backfill, up to 15 minutes late',
      metric: webhook.metric('Url5xxCount', { statistic: 'Sum', period: WEBHOOK_ALARM_PERIOD }),
    }),
    alarmAtLeast(scope, 'BackfillErrors', {
      description:
        'Stormguard: the LaunchDarkly audit-log backfill failed (its token not set, refused or rate-limited; the backfill log says why): rollout steps the webhook missed are not read back',
      metric: backfill.metricErrors({ period: BACKFILL_SCHEDULE }),
    }),
  ];
}
