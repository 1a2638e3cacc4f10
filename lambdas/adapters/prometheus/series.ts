/**
 * Prometheus range results as the guardrail's series: one per signal, cluster and broker, named as
 * the CloudWatch reader names them. Pure.
 */
import type { SignalConfig } from '../../core/config.ts';
import { readDecimal, valueProblem } from '../../core/input-bounds.ts';
import type { MetricPoint, MetricSeries } from '../../core/metric-series.ts';
import { listed } from '../../formats/get-metric-data-messages.ts';
import { keyOf, unnamedCluster } from '../../formats/metric-label.ts';
import type { RangeResult } from './matrix.ts';

/** Which labels name a series' cluster and broker, the clusters configured, and the period. */
export interface SeriesNaming {
  readonly clusterLabel: string;
  readonly brokerLabel: string;
  readonly clusters: readonly string[];
  readonly periodMs: number;
}

/**
 * Range results as the guardrail's series: one per cluster and broker. A broker's series whose
 * other labels changed (a restart on another node: `instance`, `pod`, `node_name`) continue one
 * another: the later one's values win where Prometheus's lookback still repeats the earlier one's
 * last sample. Two that report the same periods otherwise are a query that did not aggregate, said.
 */
export function seriesOf(
  signal: SignalConfig,
  matrix: readonly RangeResult[],
  { from, to }: { readonly from: number; readonly to: number },
  { clusterLabel, brokerLabel, clusters, periodMs }: SeriesNaming,
): { series: MetricSeries[]; warnings: string[] } {
  const read: PointsRead = { periodMs, from, to, kind: signal.kind, skipped: 0, outOfBounds: 0 };
  const merged = new Map<string, { series: Omit<MetricSeries, 'points'>; labels: string; points: Map<number, number> }>();
  const warnings: string[] = [];
  const clusterOf = (labels: Readonly<Record<string, string>>) => labels[clusterLabel] ?? unnamedCluster(clusters);
  const { watched, unlabelled } = watchedOf(matrix, clusterOf, clusters, clusterLabel);
  if (unlabelled > 0)
    warnings.push(
      `Prometheus: ${signal.name}: ${unlabelled} of ${matrix.length} series have no \`${clusterLabel}\` label (clusterLabel): with ${clusters.length} clusters configured (${listed(clusters)}) they are none of them, left out; add the label where they are scraped and keep it in signals.${signal.name}.promql`,
    );
  for (const { result, points } of byFirstSample(watched, read)) {
    const labels = result.metric ?? {};
    const cluster = clusterOf(labels);
    const identity = seriesIdentity(signal.name, cluster, labels[brokerLabel] ?? labels.instance);
    const described = describeLabels(labels);
    const entry = merged.get(identity.key) ?? { series: identity, labels: described, points: new Map<number, number>() };
    merged.set(identity.key, entry);
    const joins = continues(entry.points, points);
    let overlapping = 0;
    for (const [time, value] of points) {
      if (entry.points.has(time)) overlapping++;
      if (joins || !entry.points.has(time)) entry.points.set(time, value);
    }
    if (overlapping > 0 && !joins)
      warnings.push(
        `Prometheus: ${signal.name}: several series for ${identity.key} report the same ${overlapping} periods ({${entry.labels}} and {${described}}): kept the first's values; aggregate the others away in signals.${signal.name}.promql`,
      );
  }
  if (read.skipped > 0)
    warnings.push(`Prometheus: ${signal.name}: ${read.skipped} NaN, infinite or non-decimal values skipped (missing data is not zero)`);
  if (read.outOfBounds > 0)
    warnings.push(
      `Prometheus: ${signal.name}: ${read.outOfBounds} values out of bounds for a ${signal.kind} (${signal.kind === 'percent' ? '0..100' : 'beyond ±1e12'}) skipped`,
    );
  const series = [...merged.values()].map(({ series: s, points }) => ({ ...s, points: sortedPoints(points) }));
  return { series, warnings };
}

/**
 * The results of the configured clusters (all, where none is configured), and how many others
 * have no cluster label: with several clusters configured, such a series could be any of them.
 */
function watchedOf(
  matrix: readonly RangeResult[],
  clusterOf: (labels: Readonly<Record<string, string>>) => string,
  clusters: readonly string[],
  clusterLabel: string,
): { watched: RangeResult[]; unlabelled: number } {
  const watched: RangeResult[] = [];
  let unlabelled = 0;
  for (const result of matrix) {
    const labels = result.metric ?? {};
    if (clusters.length === 0 || clusters.includes(clusterOf(labels))) watched.push(result);
    else if (labels[clusterLabel] === undefined) unlabelled++;
  }
  return { watched, unlabelled };
}

/** Prometheus's default lookback (`--query.lookback-delta`): how long a series that stopped still answers with its last sample. */
export const LOOKBACK_MS = 5 * 60_000;

/** Whether `points` take over from `earlier` (points so far, in time order of arrival): they start at most a lookback before its end, and go on past it. */
function continues(earlier: ReadonlyMap<number, number>, points: ReadonlyArray<[number, number]>): boolean {
  if (earlier.size === 0 || points.length === 0) return false;
  let end = -Infinity;
  for (const time of earlier.keys()) end = Math.max(end, time); // no spread: a long read has 100,000s of points
  return points[0]![0] > end - LOOKBACK_MS && points.at(-1)![0] > end;
}

/** Each result with its points, the earliest-starting first (Prometheus orders them by labels, not time). */
function byFirstSample(matrix: readonly RangeResult[], read: PointsRead) {
  return matrix
    .map((result) => ({ result, points: pointsOf(result, read) }))
    .sort((a, b) => (a.points[0]?.[0] ?? Infinity) - (b.points[0]?.[0] ?? Infinity));
}

/** How one read turns samples into points, and what it skipped. */
interface PointsRead {
  readonly periodMs: number;
  readonly from: number;
  readonly to: number;
  readonly kind: SignalConfig['kind'];
  skipped: number;
  outOfBounds: number;
}

/** A result's samples as [period, value] within (from, to]: what is not a finite value in bounds is counted, not kept. */
function pointsOf(result: RangeResult, read: PointsRead): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  for (const [stamp, raw] of result.values ?? []) {
    const time = periodEndingAt(Math.round(Number(stamp) * 1000), read.periodMs);
    const value = readDecimal(raw);
    if (value === undefined || !Number.isFinite(time)) read.skipped++;
    else if (valueProblem(value, read.kind)) read.outOfBounds++;
    else if (time > read.from && time <= read.to) points.push([time, value]);
  }
  return points;
}

/** The same identity the CloudWatch reader gives `Signal Cluster Name=…, Broker ID=…` (metric-label.ts `keyOf`). */
function seriesIdentity(signal: string, cluster: string, broker: string | undefined): Omit<MetricSeries, 'points'> {
  const dimensions: Record<string, string> =
    broker === undefined ? { 'Cluster Name': cluster } : { 'Cluster Name': cluster, 'Broker ID': broker };
  return { key: keyOf(signal, dimensions), signal, dimensions, cluster };
}

/** The period a value evaluated at `time` covers: the one ending at the next boundary (T + step − 1 ms, or T + step itself: T). */
export function periodEndingAt(time: number, stepMs: number): number {
  return Math.ceil(time / stepMs) * stepMs - stepMs;
}

function describeLabels(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .filter(([name]) => name !== '__name__')
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, value]) => `${name}="${value}"`)
    .join(', ');
}

function sortedPoints(points: Map<number, number>): MetricPoint[] {
  return [...points.entries()].sort(([a], [b]) => a - b).map(([time, value]) => ({ time, value }));
}
