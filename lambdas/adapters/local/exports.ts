/**
 * The local MetricSource and TimelineStore: exported files (GetMetricData output, LaunchDarkly
 * audit-log entries or webhook payloads, deploy events) read once and served by time.
 */
import type { GuardrailConfig } from '../../core/config.ts';
import { InputError } from '../../core/errors.ts';
import { type MetricReadout, type MetricSeries, readGetMetricData } from '../../core/metrics.ts';
import { type ReleaseEvent, readTimeline } from '../../core/timeline.ts';
import type { MetricSource, TimelineStore } from '../../ports.ts';
import { readJson } from './files.ts';

export interface LoadedExports {
  readonly series: MetricSeries[];
  readonly releases: ReleaseEvent[];
  readonly warnings: string[];
}

export async function loadExports(metricFiles: readonly string[], timelineFiles: readonly string[], config: GuardrailConfig): Promise<LoadedExports> {
  const metricDocuments = await Promise.all(metricFiles.map(async (source) => ({ source, document: await readJson(source) })));
  const timelineDocuments = await Promise.all(timelineFiles.map(async (source) => ({ source, document: await readJson(source) })));
  const metrics = readGetMetricData(metricDocuments, config.signals.map((s) => s.name));
  if (metrics.series.length === 0) {
    const names = config.signals.map((s) => s.name).join(', ');
    throw new InputError({ file: metricFiles.join(', ') }, `no series names a configured signal (${names}) in its Label`);
  }
  const timeline = readTimeline(timelineDocuments);
  return { series: metrics.series, releases: timeline.events, warnings: [...metrics.warnings, ...timeline.warnings] };
}

export class ExportedMetrics implements MetricSource {
  constructor(private readonly series: readonly MetricSeries[]) {}

  async read(from: number, to: number): Promise<MetricReadout> {
    return { series: this.series.map((s) => ({ ...s, points: s.points.filter((p) => p.time > from && p.time <= to) })), warnings: [] };
  }
}

export class ExportedTimeline implements TimelineStore {
  constructor(private readonly events: readonly ReleaseEvent[]) {}

  async releases(until: number): Promise<ReleaseEvent[]> {
    return this.events.filter((e) => e.time <= until);
  }
}
