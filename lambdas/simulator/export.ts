/**
 * A simulation written in the formats a user exports from real systems:
 * - GetMetricData output as `aws cloudwatch get-metric-data` prints it, in two pages: the first
 *   with `NextToken` and `PartialData`, values newest first (the API's default `TimestampDescending`);
 * - LaunchDarkly audit-log entries (the shape of `GET /api/v2/auditlog/{id}` and of webhook
 *   payloads), with the flag's `previousVersion` and `currentVersion`;
 * - deploy events as CD pipelines send them.
 */
import type { MetricReadout } from '../core/metric-series.ts';
import { readGetMetricData, type SignalName } from '../formats/get-metric-data.ts';
import { readTimeline, type TimelineReadout, type TimelineScope } from '../formats/timeline.ts';
import { auditLog, hexId } from './audit-log.ts';
import type { Scenario } from './scenario.ts';
import type { SimulationResult } from './simulate.ts';

export interface ScenarioExport {
  /** File name → JSON document. */
  readonly files: Record<string, unknown>;
}

export function exportScenario(scenario: Scenario, result: SimulationResult): ScenarioExport {
  const files: Record<string, unknown> = { ...metricPages(scenario, result) };
  if (scenario.flags.length > 0) files['launchdarkly-audit-log.json'] = auditLog(scenario);
  if (scenario.deploys.length > 0) files['deploys.json'] = deployEvents(scenario);
  return { files };
}

type Documents = ReadonlyArray<{ source: string; document: unknown }>;

/** Metric and timeline documents through their readers: the one door for exports and simulations alike. */
export function readDocuments(
  metrics: Documents,
  timeline: Documents,
  signalNames: readonly SignalName[],
  scope: TimelineScope = {},
): { metrics: MetricReadout; timeline: TimelineReadout } {
  return { metrics: readGetMetricData(metrics, signalNames), timeline: readTimeline(timeline, scope) };
}

/** A simulation's export read back through the same readers as a user's files. */
export function readExport(
  files: ScenarioExport['files'],
  signalNames: readonly SignalName[],
  scope: TimelineScope = {},
): { metrics: MetricReadout; timeline: TimelineReadout } {
  const documents = Object.entries(files).map(([source, document]) => ({ source, document }));
  const isMetrics = (d: { source: string }) => d.source.startsWith('metrics-');
  return readDocuments(
    documents.filter(isMetrics),
    documents.filter((d) => !isMetrics(d)),
    signalNames,
    scope,
  );
}

/** The dynamic label a user gives each query: `${PROP('MetricName')} Cluster Name=…, Broker ID=…`. */
export function metricLabel(signal: string, cluster: string, broker: number): string {
  return `${signal} Cluster Name=${cluster}, Broker ID=${broker}`;
}

function metricPages(scenario: Scenario, result: SimulationResult): Record<string, unknown> {
  const split = Date.parse(scenario.start) + (Date.parse(scenario.end) - Date.parse(scenario.start)) / 2;
  const page = (newer: boolean) =>
    result.series.map((s, index) => {
      const points = s.times
        .map((t, i) => ({ t, v: s.values[i]! }))
        .filter((p) => p.t >= split === newer)
        .reverse();
      return {
        Id: `m${index}`,
        Label: metricLabel(s.signal, scenario.cluster, s.broker),
        Timestamps: points.map((p) => awsTimestamp(p.t)),
        Values: points.map((p) => round(p.v)),
        StatusCode: newer ? 'PartialData' : 'Complete',
      };
    });
  return {
    'metrics-page-1.json': { MetricDataResults: page(true), NextToken: `token-${scenario.seed}-2`, Messages: [] },
    'metrics-page-2.json': { MetricDataResults: page(false), Messages: [] },
  };
}

function deployEvents(scenario: Scenario): unknown[] {
  return scenario.deploys.map((deploy) => ({
    id: `deploy-${hexId(`${deploy.service}/${deploy.version}`).slice(0, 12)}`,
    time: new Date(Date.parse(deploy.at)).toISOString(),
    service: deploy.service,
    version: deploy.version,
    environment: scenario.environment,
    by: deploy.by,
  }));
}

/** As the AWS CLI prints CloudWatch timestamps. */
function awsTimestamp(time: number): string {
  return new Date(time).toISOString().replace('.000Z', '+00:00');
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
