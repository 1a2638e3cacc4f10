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
import { TOTAL_WEIGHT } from '../formats/rollout-weights.ts';
import { readTimeline, type TimelineReadout } from '../formats/timeline.ts';
import type { Scenario } from './scenario.ts';
import type { SimulationResult } from './simulate.ts';

export interface ScenarioExport {
  /** File name → JSON document. */
  readonly files: Record<string, unknown>;
}

const ACCOUNT_ID = '5f2b6c0e9d1a4b0012345678';
const PROJECT = 'default';

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
): { metrics: MetricReadout; timeline: TimelineReadout } {
  return { metrics: readGetMetricData(metrics, signalNames), timeline: readTimeline(timeline) };
}

/** A simulation's export read back through the same readers as a user's files. */
export function readExport(
  files: ScenarioExport['files'],
  signalNames: readonly SignalName[],
): { metrics: MetricReadout; timeline: TimelineReadout } {
  const documents = Object.entries(files).map(([source, document]) => ({ source, document }));
  const isMetrics = (d: { source: string }) => d.source.startsWith('metrics-');
  return readDocuments(
    documents.filter(isMetrics),
    documents.filter((d) => !isMetrics(d)),
    signalNames,
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

function auditLog(scenario: Scenario): unknown[] {
  const entries: Array<{ date: number; entry: unknown }> = [];
  for (const flag of scenario.flags) {
    let previous = 0;
    flag.steps.forEach((step, index) => {
      if (step.source === 'guardrail') return;
      const date = Date.parse(step.at);
      const id = hexId(`${scenario.seed}/${flag.key}/${index}`);
      const [firstName, lastName] = nameOf(step.by);
      const resource = `proj/${PROJECT}:env/${scenario.environment}:flag/${flag.key}`;
      entries.push({
        date,
        entry: {
          _links: {
            canonical: { href: `/api/v2/auditlog/${id}`, type: 'application/json' },
            parent: { href: '/api/v2/auditlog', type: 'application/json' },
            self: { href: `/api/v2/auditlog/${id}`, type: 'application/json' },
          },
          _id: id,
          _accountId: ACCOUNT_ID,
          date,
          accesses: [{ action: 'updateFallthrough', resource }],
          kind: 'flag',
          name: flag.name,
          description: `- Changed the default rule to serve a percentage rollout: ${step.percent}% \`true\`, ${100 - step.percent}% \`false\``,
          shortDescription: '',
          ...(step.comment ? { comment: step.comment } : {}),
          member: { _links: {}, _id: hexId(step.by), email: step.by, firstName, lastName },
          titleVerb: 'updated the flag',
          title: `${firstName} ${lastName} updated the flag [${flag.name}](https://app.launchdarkly.com/${PROJECT}/${scenario.environment}/features/${flag.key}) in \`${scenario.environment}\``,
          target: { _links: {}, name: flag.name, resources: [resource] },
          previousVersion: flagVersion(scenario, flag, previous, date - 1, index),
          currentVersion: flagVersion(scenario, flag, step.percent, date, index + 1),
        },
      });
      previous = step.percent;
    });
  }
  return entries.sort((a, b) => a.date - b.date).map((e) => e.entry);
}

/** A flag as LaunchDarkly's REST API represents it, filtered to one environment. */
function flagVersion(scenario: Scenario, flag: Scenario['flags'][number], percent: number, date: number, version: number): unknown {
  const treatment = Math.round(percent * 1000);
  return {
    key: flag.key,
    name: flag.name,
    kind: 'boolean',
    _version: version,
    creationDate: Date.parse(scenario.start) - 7 * 86_400_000,
    variations: [
      { _id: hexId(`${flag.key}/true`), value: true, name: 'Enabled' },
      { _id: hexId(`${flag.key}/false`), value: false, name: 'Disabled' },
    ],
    temporary: true,
    tags: [],
    environments: {
      [scenario.environment]: {
        on: true,
        archived: false,
        salt: hexId(`${flag.key}/salt`),
        sel: hexId(`${flag.key}/sel`),
        lastModified: date,
        version,
        targets: [],
        contextTargets: [],
        rules: [],
        fallthrough: {
          rollout: {
            variations: [
              { variation: 0, weight: treatment },
              { variation: 1, weight: TOTAL_WEIGHT - treatment },
            ],
          },
        },
        offVariation: 1,
        prerequisites: [],
        _environmentName: scenario.environment,
        trackEvents: false,
        trackEventsFallthrough: false,
      },
    },
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

function nameOf(email: string): [string, string] {
  const [first = 'On', last = 'Call'] = email.split('@')[0]!.split('.');
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  return [cap(first), cap(last)];
}

/** A stable 24-hex-digit id (FNV-1a, three rounds) in LaunchDarkly's id shape. */
function hexId(text: string): string {
  let out = '';
  for (let round = 0; round < 3; round++) {
    let hash = 0x811c9dc5 ^ round;
    for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
    out += (hash >>> 0).toString(16).padStart(8, '0');
  }
  return out;
}
