/**
 * A guard case in the formats users export, through the project's own writers
 * (lambdas/core/exports.ts): GetMetricData pages as `aws cloudwatch get-metric-data` prints them,
 * LaunchDarkly audit-log entries with `previousVersion`/`currentVersion` rollout weights, deploy
 * events. With default labels, each result's Label is what the API gives when the query names
 * none: the metric name alone, the same for every broker; only the Ids tell series apart.
 */
import { exportScenario } from '../../lambdas/simulator/export.ts';
import { parseScenario } from '../../lambdas/simulator/scenario.ts';
import type { SimulationResult } from '../../lambdas/simulator/simulate.ts';
import { CLUSTER, ENVIRONMENT, type GuardCase } from './cases.ts';
import { MINUTE_MS, type World, type WorldFlag } from './world.ts';

export function exportCase(c: GuardCase, world: World, flags: readonly WorldFlag[]): Record<string, unknown> {
  const iso = (time: number) => new Date(time).toISOString();
  const scenario = parseScenario({
    name: c.id,
    description: c.name,
    seed: c.world.seed,
    start: iso(c.world.start),
    end: iso(c.world.start + c.world.minutes * MINUTE_MS),
    cluster: CLUSTER,
    environment: ENVIRONMENT,
    brokers: c.world.brokers,
    flags: flags.map((f) => ({
      key: f.key,
      name: f.name,
      steps: f.steps.map((s) => ({ at: iso(s.time), percent: s.percent, by: s.by, source: s.source })),
    })),
    deploys: c.deploys.map((d) => ({ at: iso(d.time), service: d.service, version: d.version, by: d.by })),
  });
  // The writer names each series by its signal, whatever it is: BytesInPerSec is written like the simulator's own.
  const series = world.series as unknown as SimulationResult['series'];
  const { files } = exportScenario(scenario, { series, failures: [], producers: { times: [], typical: [], total: [] } });
  return c.labels === 'default' ? withDefaultLabels(files) : files;
}

/** Every result's Label becomes its metric name: what GetMetricData returns for a query without Label. */
function withDefaultLabels(files: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, document] of Object.entries(files)) {
    if (!name.startsWith('metrics-')) {
      out[name] = document;
      continue;
    }
    const page = document as { MetricDataResults: Array<{ Label: string }> };
    out[name] = { ...page, MetricDataResults: page.MetricDataResults.map((r) => ({ ...r, Label: r.Label.split(' ')[0]! })) };
  }
  return out;
}
