/** The bundled scenarios' real exports, read once: what the fuzz inputs mutate. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig } from '../../lambdas/core/config.ts';

export const root = join(import.meta.dirname, '..', '..', 'scenarios');
export const scenarios = readdirSync(root, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => join(root, e.name));
export const json = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as unknown;
export const metricPages = scenarios.flatMap((folder) =>
  ['metrics-page-1.json', 'metrics-page-2.json'].map(
    (f) => json(join(folder, f)) as { MetricDataResults: Array<Record<string, unknown[]>> },
  ),
);
export const auditEntries = scenarios.flatMap((folder) =>
  existsSync(join(folder, 'launchdarkly-audit-log.json')) ? (json(join(folder, 'launchdarkly-audit-log.json')) as unknown[]) : [],
);
export const deployEvents = scenarios.flatMap((folder) =>
  existsSync(join(folder, 'deploys.json')) ? (json(join(folder, 'deploys.json')) as unknown[]) : [],
);
export const scenarioDocuments = scenarios.map((folder) => json(join(folder, 'scenario.json')));
export const config = defaultConfig();
export const signalNames = config.signals.map((s) => s.name);
