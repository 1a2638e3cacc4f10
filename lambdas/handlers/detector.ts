/**
 * The detector Lambda, run every minute by EventBridge (one schedule per shard, each naming its
 * shard): wires CloudWatch, DynamoDB and SNS to the core's scheduled run, and reports on itself in
 * embedded metric format (a heartbeat whose absence alarms, series evaluated, decisions, errors,
 * data freshness, baselines, rollout percentages). Most runs only look at the release timeline:
 * the signals are read every minute while a release is watched, every `cadence.idleMinutes`
 * otherwise (app/run-once.ts). SDK clients are created once per container, and each shard's state
 * is kept in it between runs (adapters/dynamodb/store.ts). Each run's outside calls fit in its
 * time budget (shared/budget.ts): what does not fit is left for the next run.
 */

import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { CloudWatchMetricSource } from '../adapters/cloudwatch/metric-source.ts';
import { DynamoStore } from '../adapters/dynamodb/store.ts';
import { LaunchDarklyFlagController } from '../adapters/launchdarkly/flag-controller.ts';
import { NoFlagController } from '../adapters/none/flag-controller.ts';
import { PagerDutyNotifier } from '../adapters/pagerduty/notifier.ts';
import { prometheusSourceFromSecret } from '../adapters/prometheus/from-secret.ts';
import { renderReportPage } from '../adapters/report/incident-page.ts';
import { S3Reports } from '../adapters/s3/incident-pages.ts';
import { SlackNotifier } from '../adapters/slack/notifier.ts';
import { SnsNotifier } from '../adapters/sns/notifier.ts';
import { alertsLost } from '../app/alert-delivery.ts';
import { keepIncidentPages } from '../app/incident-pages.ts';
import { type ReadResult, type RunPorts, runOnce, type SkippedRun } from '../app/run-once.ts';
import type { GuardrailConfig } from '../core/config-schema.ts';
import { StateConflictError } from '../core/errors.ts';
import { planShards } from '../core/shards.ts';
import { controlVariations } from '../formats/launchdarkly.ts';
import { DETECTOR_SERVICE, METRICS_NAMESPACE } from '../names.ts';
import type { FlagController, MetricSource, Notifier, ReleaseLog, ReportStore, StateStore } from '../ports.ts';
import { clientOptions, metricClientOptions } from './shared/aws-clients.ts';
import { RunBudget } from './shared/budget.ts';
import { configFromEnvironment } from './shared/config.ts';
import { requiredEnvironment } from './shared/environment.ts';
import { type LogEntry, logLine } from './shared/log.ts';
import { secretFrom, secretsManager } from './shared/secrets.ts';

export interface DetectorWiring {
  readonly config: GuardrailConfig;
  readonly cloudwatch: Pick<CloudWatchClient, 'send'>;
  readonly dynamo: Pick<DynamoDBDocumentClient, 'send'>;
  readonly sns: Pick<SNSClient, 'send'>;
  readonly tableName: string;
  readonly topicArn: string;
  readonly flags: FlagController;
  /** Notifiers beside the SNS topic (PagerDuty, Slack), where configured. */
  readonly notifiers?: readonly Notifier[];
  /** Where incident reports are kept and linked from alerts, where configured. */
  readonly reports?: ReportStore;
  /** Where signals come from instead of CloudWatch (Prometheus, where its secret is configured). */
  readonly metricSource?: MetricSource;
  readonly metrics: Metrics;
  readonly log: (entry: LogEntry) => void;
  /** The run's time budget, started by each invocation; the adapters given to this wiring read it. */
  readonly budget?: RunBudget;
  /**
   * The deployment's shards: id → the clusters it watches. Each shard has its own schedule, which
   * names it in the event, and its own state partition.
   * @default as the construct splits them: core/shards.ts, from the configuration
   */
  readonly shards?: Readonly<Record<string, readonly string[]>>;
  /** A shard's state store and release log instead of DynamoStore (benchmarks: another layout). */
  readonly storeFor?: (shard: string) => StateStore & ReleaseLog;
}

export type DetectorOutcome =
  | { readonly status: 'evaluated'; readonly result: ReadResult }
  | { readonly status: 'skipped'; readonly result: SkippedRun }
  | { readonly status: 'superseded' };

/** The scheduled event, with the shard it is for (each shard's schedule says; none: shard '0'). */
export type DetectorEvent = Pick<ScheduledEvent, 'time'> & { readonly shard?: string };

/**
 * The data age a read that found no datapoint at all reports: older than any alarm allows. Left
 * unreported, a guardrail that CloudWatch gives nothing (a renamed cluster, a monitoring level
 * switched off) would never raise StaleData, which reads the age of the runs that read.
 */
export const NO_DATA_AGE_SECONDS = 86_400;

/** The shard of a deployment with one: every configured cluster. */
export const ONLY_SHARD = '0';

export function createDetectorHandler(
  wiring: DetectorWiring,
): (event: DetectorEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<DetectorOutcome> {
  const shards = wiring.shards ?? Object.fromEntries(planShards(wiring.config).map((s) => [s.id, s.clusters]));
  const notifiers = [
    new SnsNotifier(wiring.sns, wiring.topicArn, wiring.budget ? { deadline: wiring.budget.alerts } : {}),
    ...(wiring.notifiers ?? []),
  ];
  const portsOf = shardPorts(wiring, shards, notifiers);
  return async (event, context) => {
    const { metrics } = wiring;
    if (context) wiring.budget?.start(context.getRemainingTimeInMillis());
    try {
      const ports = portsOf(event.shard ?? (Object.keys(shards).length === 1 ? Object.keys(shards)[0]! : ONLY_SHARD));
      const result = await runOnce(ports.config, ports, Date.parse(event.time));
      if (result.read) {
        report(result, wiring);
        if (wiring.reports) {
          const failures = await keepIncidentPages(result, wiring.reports, renderReportPage, wiring.config);
          if (failures.length > 0) metrics.addMetric('ReportErrors', MetricUnit.Count, failures.length);
          for (const message of failures) wiring.log({ level: 'error', message });
        }
      }
      // Alive is a run that did its work (evaluated, or skipped by the cadence): a run that throws
      // every time must leave the heartbeat missing, not keep its alarm quiet.
      metrics.addMetric('Heartbeat', MetricUnit.Count, 1);
      return result.read ? { status: 'evaluated', result } : { status: 'skipped', result };
    } catch (error) {
      if (error instanceof StateConflictError) {
        // EventBridge delivered twice, a run overlapped, or an acknowledgement lifted a freeze: what
        // the other saved stands, and the next scheduled run evaluates on it.
        metrics.addMetric('Superseded', MetricUnit.Count, 1);
        wiring.log({
          level: 'info',
          message: 'another run or an acknowledgement saved first; what it saved stands, the next run evaluates on it',
          time: event.time,
        });
        return { status: 'superseded' };
      }
      metrics.addMetric('Errors', MetricUnit.Count, 1);
      throw error;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

/** One shard's ports, made once per container: its clusters' signals, its state partition (and the cache of its state). */
function shardPorts(
  wiring: DetectorWiring,
  shards: Readonly<Record<string, readonly string[]>>,
  notifiers: readonly Notifier[],
): (shard: string) => RunPorts & { config: GuardrailConfig } {
  const wired = new Map<string, RunPorts & { config: GuardrailConfig }>();
  return (shard) => {
    let ports = wired.get(shard);
    if (ports) return ports;
    const clusters = shards[shard];
    if (!clusters)
      throw new Error(
        `the detector was run for shard ${JSON.stringify(shard)}, which the deployment does not have (it has ${Object.keys(shards).join(', ')})`,
      );
    const config = { ...wiring.config, clusters: [...clusters] };
    const store = wiring.storeFor?.(shard) ?? new DynamoStore(wiring.dynamo, wiring.tableName, { shard, config });
    ports = {
      config,
      metrics: wiring.metricSource ?? new CloudWatchMetricSource(wiring.cloudwatch, config),
      timeline: store,
      store,
      flags: wiring.flags,
      notifiers,
      ...(wiring.reports ? { links: wiring.reports.links } : {}),
    };
    wired.set(shard, ports);
    return ports;
  };
}

function report(result: ReadResult, { metrics, log }: DetectorWiring): void {
  metrics.addMetric('SeriesEvaluated', MetricUnit.Count, result.seriesEvaluated);
  metrics.addMetric('BlindSeries', MetricUnit.Count, result.blindSeries);
  metrics.addMetric('Anomalies', MetricUnit.Count, result.anomalies.length);
  metrics.addMetric('Decisions', MetricUnit.Count, result.acted.length);
  metrics.addMetric('DecisionsDeferred', MetricUnit.Count, result.deferred.length);
  metrics.addMetric('NotifierErrors', MetricUnit.Count, result.notifierErrors.length);
  metrics.addMetric('AlertsLost', MetricUnit.Count, alertsLost(result.notifierErrors));
  metrics.addMetric('DataAge', MetricUnit.Seconds, result.dataAgeSeconds ?? NO_DATA_AGE_SECONDS);
  for (const { cluster, signal, baseline } of result.baselines) {
    metrics.singleMetric().addDimensions({ Cluster: cluster, Signal: signal }).addMetric('Baseline', MetricUnit.NoUnit, baseline);
  }
  for (const { flag, percent } of result.rollouts)
    metrics.singleMetric().addDimensions({ Flag: flag }).addMetric('RolloutPercent', MetricUnit.Percent, percent);
  for (const decision of result.acted) {
    metrics
      .singleMetric()
      .addDimensions({ Action: decision.action, Mode: decision.mode })
      .addMetric('DecisionsByAction', MetricUnit.Count, 1);
    log({
      level: 'warn',
      message: decision.reason,
      decision: decision.id,
      action: decision.action,
      flag: decision.flag,
      from: decision.fromPercent,
      to: decision.toPercent,
      outcome: result.outcomes.get(decision.id),
    });
  }
  for (const { decision, reason } of result.deferred) {
    log({
      level: 'warn',
      message: `left for the next run, out of time: ${reason}`,
      decision: decision.id,
      action: decision.action,
      flag: decision.flag,
    });
  }
  for (const warning of [...result.warnings, ...result.notifierErrors]) log({ level: 'warn', message: warning });
}

/** The flag controller and notifiers the configuration and the secrets switch on, within the run's budget. */
function fromEnvironment(config: GuardrailConfig, budget: RunBudget): Pick<DetectorWiring, 'flags' | 'notifiers' | 'budget'> {
  const secret = (name: string) => (process.env[name] ? secretFrom(secrets, process.env[name]!) : undefined);
  const token = secret('LAUNCHDARKLY_TOKEN_SECRET_ARN');
  const routingKey = secret('PAGERDUTY_ROUTING_KEY_SECRET_ARN');
  const slackUrl = secret('SLACK_WEBHOOK_SECRET_ARN');
  const flags =
    config.launchDarkly && token
      ? new LaunchDarklyFlagController({ ...config.launchDarkly, token, deadline: budget.flags, controls: controlVariations(config) })
      : new NoFlagController(
          'no LaunchDarkly controller is configured for this guardrail (configuration `launchDarkly` and its token secret)',
        );
  const notifiers: Notifier[] = [
    ...(routingKey ? [new PagerDutyNotifier({ routingKey, deadline: budget.alerts })] : []),
    ...(slackUrl ? [new SlackNotifier({ webhookUrl: slackUrl, deadline: budget.alerts })] : []),
  ];
  return { flags, notifiers, budget };
}

// Created once per container; the configuration and names are read on the first invocation.
const cloudwatch = new CloudWatchClient(metricClientOptions());
const dynamoClient = new DynamoDBClient(clientOptions());
const dynamo = DynamoDBDocumentClient.from(dynamoClient);
const sns = new SNSClient(clientOptions());
// Secrets read with the DynamoDB client's credentials and region (shared/secrets.ts says why).
const secrets = secretsManager({ credentials: dynamoClient.config.credentials, region: dynamoClient.config.region });
const s3 = new S3Client(clientOptions());
let wired: ReturnType<typeof createDetectorHandler> | undefined;

export const handler = (event: DetectorEvent, context: Context): Promise<DetectorOutcome> => {
  if (!wired) {
    const config = configFromEnvironment();
    wired = createDetectorHandler({
      config,
      cloudwatch,
      dynamo,
      sns,
      tableName: requiredEnvironment('TABLE_NAME'),
      topicArn: requiredEnvironment('ALERT_TOPIC_ARN'),
      ...fromEnvironment(config, new RunBudget()),
      ...(process.env.PROMETHEUS_SECRET_ARN
        ? { metricSource: prometheusSourceFromSecret(secretFrom(secrets, process.env.PROMETHEUS_SECRET_ARN), config) }
        : {}),
      ...(process.env.REPORTS_BUCKET ? { reports: new S3Reports(s3, process.env.REPORTS_BUCKET) } : {}),
      metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: DETECTOR_SERVICE }),
      log: logLine,
    });
  }
  return wired(event, context);
};
