/** The dashboard: per cluster and signal the brokers and their median baseline, rollout percentages, decisions, health. */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import type { GuardrailConfig } from '../lambdas/core/config-schema.ts';
import { dynamicLabel, searchExpression } from '../lambdas/formats/cloudwatch-search.ts';
import { DETECTOR_SERVICE, METRICS_NAMESPACE } from '../lambdas/names.ts';

export function newDashboard(
  scope: Construct,
  config: GuardrailConfig,
  alarms: readonly cloudwatch.IAlarm[],
  dashboardName: string,
): cloudwatch.Dashboard {
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', { dashboardName });
  for (const cluster of config.clusters) dashboard.addWidgets(...clusterWidgets(config, cluster));
  dashboard.addWidgets(...guardrailWidgets(config, alarms));
  return dashboard;
}

/** A cluster's row: per signal, its brokers (the SEARCH the detector reads) and their median baseline. */
function clusterWidgets(config: GuardrailConfig, cluster: string): cloudwatch.IWidget[] {
  const period = Duration.seconds(config.metricPeriodSeconds);
  return [
    new cloudwatch.TextWidget({ markdown: `## ${cluster}`, width: 24, height: 1 }),
    ...config.signals.map(
      (signal) =>
        new cloudwatch.GraphWidget({
          title: `${signal.name}: brokers and baseline`,
          width: 12,
          left: [
            new cloudwatch.MathExpression({
              expression: searchExpression(signal, cluster, config.metricPeriodSeconds),
              label: dynamicLabel(signal),
              usingMetrics: {},
              period,
            }),
            new cloudwatch.Metric({
              namespace: METRICS_NAMESPACE,
              metricName: 'Baseline',
              dimensionsMap: { service: DETECTOR_SERVICE, Cluster: cluster, Signal: signal.name },
              statistic: 'Average',
              period,
              label: 'baseline (median of brokers)',
            }),
          ],
        }),
    ),
  ];
}

/** The last rows: rollout percentages, decisions, the guardrail's own health, its alarms. */
function guardrailWidgets(config: GuardrailConfig, alarms: readonly cloudwatch.IAlarm[]): cloudwatch.IWidget[] {
  const period = Duration.seconds(config.metricPeriodSeconds);
  const stormguard = (metricName: string, statistic = 'Sum') =>
    new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: DETECTOR_SERVICE }, statistic, period });
  const search = (title: string, expression: string) =>
    new cloudwatch.GraphWidget({
      title,
      width: 12,
      left: [new cloudwatch.MathExpression({ expression, label: '', usingMetrics: {}, period })],
    });
  return [
    search(
      'Rollout percentages',
      `SEARCH('{${METRICS_NAMESPACE},Flag,service} MetricName="RolloutPercent"', 'Maximum', ${config.metricPeriodSeconds})`,
    ),
    search(
      'Decisions',
      `SEARCH('{${METRICS_NAMESPACE},Action,Mode,service} MetricName="DecisionsByAction"', 'Sum', ${config.metricPeriodSeconds})`,
    ),
    new cloudwatch.GraphWidget({
      title: 'The guardrail itself',
      width: 24,
      left: [
        stormguard('Heartbeat', 'SampleCount'),
        stormguard('SeriesEvaluated', 'Maximum'),
        stormguard('Anomalies'),
        stormguard('Errors'),
      ],
      right: [stormguard('DataAge', 'Maximum'), stormguard('BlindSeries', 'Maximum')],
    }),
    new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 24, alarms: [...alarms] }),
  ];
}
