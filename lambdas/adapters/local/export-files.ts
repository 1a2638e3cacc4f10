/**
 * A user's exported files (GetMetricData output, LaunchDarkly audit-log entries or webhook
 * payloads, deploy events), read through the same readers as everything else.
 */
import type { GuardrailConfig } from '../../core/config.ts';
import { InputError } from '../../core/errors.ts';
import { readDocuments } from '../../simulator/export.ts';
import type { MetricSeries } from '../../core/metric-series.ts';
import type { ReleaseEvent } from '../../core/release.ts';
import { readJson } from './files.ts';

export interface LoadedExports {
  readonly series: MetricSeries[];
  readonly releases: ReleaseEvent[];
  readonly warnings: string[];
}

export async function loadExports(metricFiles: readonly string[], timelineFiles: readonly string[], config: GuardrailConfig): Promise<LoadedExports> {
  const metricDocuments = await Promise.all(metricFiles.map(async (source) => ({ source, document: await readJson(source) })));
  const timelineDocuments = await Promise.all(timelineFiles.map(async (source) => ({ source, document: await readJson(source) })));
  const { metrics, timeline } = readDocuments(metricDocuments, timelineDocuments, config.signals.map((s) => s.name));
  if (metrics.series.length === 0) {
    const names = config.signals.map((s) => s.name).join(', ');
    throw new InputError({ file: metricFiles.join(', ') }, `no series names a configured signal (${names}) in its Label`);
  }
  return { series: metrics.series, releases: timeline.events, warnings: [...metrics.warnings, ...timeline.warnings] };
}
