/**
 * A user's exported files (GetMetricData output, LaunchDarkly audit-log entries or webhook
 * payloads, deploy events), read through the same readers as everything else.
 */
import type { GuardrailConfig } from '../../core/config.ts';
import { InputError } from '../../core/errors.ts';
import type { MetricSeries } from '../../core/metric-series.ts';
import type { ReleaseEvent } from '../../core/release.ts';
import { listed } from '../../formats/get-metric-data-messages.ts';
import type { FlagChange } from '../../formats/launchdarkly.ts';
import { inClusters, namesCluster, unnamedCluster } from '../../formats/metric-label.ts';
import { checkSpacing } from '../../formats/metric-spacing.ts';
import { type TimelineScope, timelineScope } from '../../formats/timeline.ts';
import { readDocuments } from '../../simulator/export.ts';
import { checkReadable, MAX_EXPORT_BYTES, readJson } from './files.ts';

export interface LoadedExports {
  readonly series: MetricSeries[];
  readonly releases: ReleaseEvent[];
  /** The flags as the audit log records them (the replay's flag file is made from them). */
  readonly flagChanges: FlagChange[];
  readonly warnings: string[];
}

/** `scope`: how the timeline is read; the configuration's (its control variations and LaunchDarkly project) unless given. */
export async function loadExports(
  metricFiles: readonly string[],
  timelineFiles: readonly string[],
  config: GuardrailConfig,
  scope: TimelineScope = timelineScope(config),
): Promise<LoadedExports> {
  // Read one after another, and MAX_EXPORT_BYTES in all: each file is parsed whole, in memory.
  let total = 0;
  for (const file of [...metricFiles, ...timelineFiles]) total += await checkReadable(file, MAX_EXPORT_BYTES);
  if (total > MAX_EXPORT_BYTES) {
    throw new InputError(
      { file: metricFiles[0] ?? timelineFiles[0] },
      `these ${metricFiles.length + timelineFiles.length} exports hold ${Math.round(total / 1024 / 1024)} MB, more than the ${MAX_EXPORT_BYTES / 1024 / 1024} MB a replay reads (each is parsed whole, in memory): replay a shorter span`,
    );
  }
  const metricDocuments: Array<{ source: string; document: unknown }> = [];
  for (const source of metricFiles) metricDocuments.push({ source, document: await readJson(source) });
  const timelineDocuments: Array<{ source: string; document: unknown }> = [];
  for (const source of timelineFiles) timelineDocuments.push({ source, document: await readJson(source) });
  const { metrics, timeline } = readDocuments(metricDocuments, timelineDocuments, config.signals, scope);
  if (metrics.series.length === 0) {
    const names = config.signals.map((s) => s.name).join(', ');
    throw new InputError({ file: metricFiles.join(', ') }, `no series names a configured signal (${names}) in its Label`);
  }
  checkSpacing(metrics.series, config.metricPeriodSeconds, metricFiles.join(', '));
  return {
    series: inClusters(metrics.series, config.clusters),
    releases: timeline.events,
    flagChanges: timeline.flagChanges,
    warnings: [...metrics.warnings, ...unclustered(metrics.series, config.clusters), ...timeline.warnings],
  };
}

/**
 * Series whose labels name no `Cluster Name` (the default label, the metric name alone): the one
 * configured cluster's, as the Prometheus source reads series without its cluster label; with
 * several configured, one cluster, `default`, whatever clusters they came from. Said either way:
 * a replay of several is not to be taken for a replay of each.
 */
function unclustered(series: readonly MetricSeries[], clusters: readonly string[]): string[] {
  const without = series.filter((s) => !namesCluster(s)).length;
  if (without === 0) return [];
  const cluster = unnamedCluster(clusters);
  const readAs =
    clusters.length === 1
      ? `read as the one configured cluster, ${cluster}`
      : clusters.length > 1
        ? `read as one cluster, ${cluster}, none of the ${clusters.length} configured (${listed(clusters)})`
        : `read as one cluster, ${cluster}`;
  return [
    `${without} of ${series.length} series name no Cluster Name (a label of the metric name alone, or one that leaves it out): ` +
      `${readAs}; give each query a dynamic label that names it (docs/formats.md)`,
  ];
}
