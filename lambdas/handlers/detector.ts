/**
 * The detector Lambda, run every minute by EventBridge: wires CloudWatch, DynamoDB and SNS to the
 * core's scheduled run, and reports on itself in embedded metric format (a heartbeat whose absence
 * alarms, series evaluated, decisions, errors, data freshness, baselines, rollout percentages).
 * SDK clients are created once per container. Each run's outside calls fit in its time budget
 * (shared/budget.ts): what does not fit is left for the next run.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { CloudWatchMetricSource } from '../adapters/cloudwatch/metric-source.ts';
import { DynamoStore } from '../adapters/dynamodb/store.ts';
import { LaunchDarklyFlagController } from '../adapters/launchdarkly/flag-controller.ts';
import { NoFlagController } from '../adapters/none/flag-controller.ts';
import { PagerDutyNotifier } from '../adapters/pagerduty/notifier.ts';
import { prometheusSourceFromSecret } from '../adapters/prometheus/from-secret.ts';
import { SlackNotifier } from '../adapters/slack/notifier.ts';
import { renderReportPage } from '../adapters/report/incident-page.ts';
import { S3Reports } from '../adapters/s3/incident-pages.ts';
import { SnsNotifier } from '../adapters/sns/notifier.ts';
import { keepIncidentPages } from '../app/incident-pages.ts';
import type { GuardrailConfig } from '../core/config-schema.ts';
import { StateConflictError } from '../core/errors.ts';
import { type RunResult, runOnce } from '../app/run-once.ts';
import type { FlagController, MetricSource, Notifier, ReportStore } from '../ports.ts';
import { RunBudget } from './shared/budget.ts';
import { configFromEnvironment } from './shared/config.ts';
import { requiredEnvironment } from './shared/environment.ts';
import { secretFrom } from './shared/secrets.ts';
import { DETECTOR_SERVICE, METRICS_NAMESPACE } from '../names.ts';

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
  readonly log: (entry: Record<string, unknown>) => void;
  /** The run's time budget, started by each invocation; the adapters given to this wiring read it. */
  readonly budget?: RunBudget;
}

export type DetectorOutcome = { readonly status: 'evaluated'; readonly result: RunResult } | { readonly status: 'superseded' };

export function createDetectorHandler(wiring: DetectorWiring): (event: Pick<ScheduledEvent, 'time'>, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<DetectorOutcome> {
  const store = new DynamoStore(wiring.dynamo, wiring.tableName);
  const ports = {
    metrics: wiring.metricSource ?? new CloudWatchMetricSource(wiring.cloudwatch, wiring.config),
    timeline: store,
    store,
    flags: wiring.flags,
    notifiers: [new SnsNotifier(wiring.sns, wiring.topicArn, wiring.budget ? { deadline: wiring.budget.alerts } : {}), ...(wiring.notifiers ?? [])],
    ...(wiring.reports ? { links: wiring.reports.links } : {}),
  };
  return async (event, context) => {
    const { metrics } = wiring;
    if (context) wiring.budget?.start(context.getRemainingTimeInMillis());
    metrics.addMetric('Heartbeat', MetricUnit.Count, 1);
    try {
      const result = await runOnce(wiring.config, ports, Date.parse(event.time));
      report(result, wiring);
      if (wiring.reports) {
        const failures = await keepIncidentPages(result, wiring.reports, renderReportPage, wiring.config);
        if (failures.length > 0) metrics.addMetric('ReportErrors', MetricUnit.Count, failures.length);
        for (const message of failures) wiring.log({ level: 'error', message });
      }
      return { status: 'evaluated', result };
    } catch (error) {
      if (error instanceof StateConflictError) {
        // EventBridge delivered twice, or a run overlapped: the other run's evaluation stands.
        metrics.addMetric('Superseded', MetricUnit.Count, 1);
        wiring.log({ level: 'info', message: 'another run saved first; its evaluation stands', time: event.time });
        return { status: 'superseded' };
      }
      metrics.addMetric('Errors', MetricUnit.Count, 1);
      throw error;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

function report(result: RunResult, { metrics, log }: DetectorWiring): void {
  metrics.addMetric('SeriesEvaluated', MetricUnit.Count, result.seriesEvaluated);
  metrics.addMetric('BlindSeries', MetricUnit.Count, result.blindSeries);
  metrics.addMetric('Anomalies', MetricUnit.Count, result.anomalies.length);
  metrics.addMetric('Decisions', MetricUnit.Count, result.acted.length);
  metrics.addMetric('DecisionsDeferred', MetricUnit.Count, result.deferred.length);
  metrics.addMetric('NotifierErrors', MetricUnit.Count, result.notifierErrors.length);
  if (result.dataAgeSeconds !== undefined) metrics.addMetric('DataAge', MetricUnit.Seconds, result.dataAgeSeconds);
  for (const { cluster, signal, baseline } of result.baselines) {
    metrics.singleMetric().addDimensions({ Cluster: cluster, Signal: signal }).addMetric('Baseline', MetricUnit.NoUnit, baseline);
  }
  for (const { flag, percent } of result.rollouts) metrics.singleMetric().addDimensions({ Flag: flag }).addMetric('RolloutPercent', MetricUnit.Percent, percent);
  for (const decision of result.acted) {
    metrics.singleMetric().addDimensions({ Action: decision.action, Mode: decision.mode }).addMetric('DecisionsByAction', MetricUnit.Count, 1);
    log({ level: 'warn', message: decision.reason, decision: decision.id, action: decision.action, flag: decision.flag, from: decision.fromPercent, to: decision.toPercent, outcome: result.outcomes.get(decision.id) });
  }
  for (const { decision, reason } of result.deferred) {
    log({ level: 'warn', message: `left for the next run, out of time: ${reason}`, decision: decision.id, action: decision.action, flag: decision.flag });
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
      ? new LaunchDarklyFlagController({ ...config.launchDarkly, token, deadline: budget.flags })
      : new NoFlagController('no LaunchDarkly controller is configured for this guardrail (configuration `launchDarkly` and its token secret)');
  const notifiers: Notifier[] = [
    ...(routingKey ? [new PagerDutyNotifier({ routingKey, deadline: budget.alerts })] : []),
    ...(slackUrl ? [new SlackNotifier({ webhookUrl: slackUrl, deadline: budget.alerts })] : []),
  ];
  return { flags, notifiers, budget };
}

// Created once per container; the configuration and names are read on the first invocation.
const cloudwatch = new CloudWatchClient({});
const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const sns = new SNSClient({});
const secrets = new SecretsManagerClient({});
const s3 = new S3Client({});
let wired: ReturnType<typeof createDetectorHandler> | undefined;

export const handler = (event: ScheduledEvent, context: Context): Promise<DetectorOutcome> => {
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
      ...(process.env.PROMETHEUS_SECRET_ARN ? { metricSource: prometheusSourceFromSecret(secretFrom(secrets, process.env.PROMETHEUS_SECRET_ARN), config) } : {}),
      ...(process.env.REPORTS_BUCKET ? { reports: new S3Reports(s3, process.env.REPORTS_BUCKET) } : {}),
      metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: DETECTOR_SERVICE }),
      log: (entry) => console.log(JSON.stringify(entry)),
    });
  }
  return wired(event, context);
};
