/**
 * Metric series from CloudWatch `GetMetricData` results: the JSON that the API returns and that
 * `aws cloudwatch get-metric-data` prints, one page or several.
 *
 * A result names its series by its `Label`: the metric name (one of the configured signals) and
 * the dimensions as `Name=Value` pairs, the form a dynamic label
 * `${PROP('MetricName')} Cluster Name=${PROP('Dim.Cluster Name')}, Broker ID=${PROP('Dim.Broker ID')}`
 * gives. Pages are merged by series; points are sorted (the API returns newest first by default).
 */
import { InputError } from '../core/errors.ts';
import type { MetricPoint, MetricReadout, MetricSeries } from '../core/metric-series.ts';

interface GetMetricDataResult {
  Id?: string;
  Label?: string;
  Timestamps?: unknown;
  Values?: unknown;
  StatusCode?: string;
}

const DEFAULT_CLUSTER = 'default';

/**
 * Reads GetMetricData pages. `document` is one parsed page (`{ MetricDataResults, NextToken? }`)
 * or an array of pages; `source` names the file in errors.
 */
export function readGetMetricData(
  documents: ReadonlyArray<{ source: string; document: unknown }>,
  signalNames: readonly string[],
): MetricReadout {
  const merged = new Map<string, { series: Omit<MetricSeries, 'points'>; points: MetricPoint[] }>();
  const warnings: string[] = [];
  for (const { source, document } of documents) {
    const pages = Array.isArray(document) ? document : [document];
    pages.forEach((page, pageIndex) => {
      const prefix = Array.isArray(document) ? `[${pageIndex}].` : '';
      const results = (page as { MetricDataResults?: unknown } | null)?.MetricDataResults;
      if (!Array.isArray(results)) {
        throw new InputError({ file: source, field: `${prefix}MetricDataResults` }, 'expected an array (the output of GetMetricData)');
      }
      results.forEach((result: GetMetricDataResult, index) => {
        const field = `${prefix}MetricDataResults[${index}]`;
        const identity = identify(result, signalNames);
        if (!identity) {
          warnings.push(`${source}: ${field} (${result.Label ?? result.Id}) names no configured signal: ignored`);
          return;
        }
        if (result.StatusCode && result.StatusCode !== 'Complete' && result.StatusCode !== 'PartialData') {
          warnings.push(`${source}: ${field} has StatusCode ${result.StatusCode}: its points are used as they are`);
        }
        const entry = merged.get(identity.key) ?? { series: identity, points: [] };
        entry.points.push(...readPoints(result, source, field));
        merged.set(identity.key, entry);
      });
    });
  }
  const series = [...merged.values()]
    .map(({ series, points }) => ({ ...series, points: sortedUnique(points) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { series, warnings };
}

/** The series' identity from its label: the signal it names and its dimensions. */
export function identify(
  result: { Id?: string; Label?: string },
  signalNames: readonly string[],
): Omit<MetricSeries, 'points'> | undefined {
  const label = (result.Label ?? result.Id ?? '').trim();
  const signal = signalNames.find((name) => signalPattern(name).test(label));
  if (!signal) return undefined;
  const rest = label.replace(signal, '').trim();
  const dimensions: Record<string, string> = {};
  for (const match of rest.matchAll(/([A-Za-z][\w .-]*?)\s*=\s*([^,]+)/g)) {
    dimensions[match[1]!.trim()] = match[2]!.trim();
  }
  if (Object.keys(dimensions).length === 0 && rest) dimensions.Series = rest;
  const scope = Object.entries(dimensions)
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
  return {
    key: scope ? `${signal} ${scope}` : signal,
    signal,
    dimensions,
    cluster: dimensions['Cluster Name'] ?? DEFAULT_CLUSTER,
  };
}

/** A signal's name as a word of a label; compiled once per name (a read over 10,000 series asks 30,000 times). */
const signalPatterns = new Map<string, RegExp>();
function signalPattern(name: string): RegExp {
  let pattern = signalPatterns.get(name);
  if (!pattern) {
    pattern = new RegExp(`(^|[^A-Za-z])${name}($|[^A-Za-z])`);
    signalPatterns.set(name, pattern);
  }
  return pattern;
}

function readPoints(result: GetMetricDataResult, source: string, field: string): MetricPoint[] {
  const { Timestamps: timestamps, Values: values } = result;
  if (!Array.isArray(timestamps)) throw new InputError({ file: source, field: `${field}.Timestamps` }, 'expected an array of timestamps');
  if (!Array.isArray(values)) throw new InputError({ file: source, field: `${field}.Values` }, 'expected an array of numbers');
  if (timestamps.length !== values.length) {
    throw new InputError(
      { file: source, field },
      `has ${timestamps.length} Timestamps but ${values.length} Values: they must pair up`,
    );
  }
  return timestamps.map((stamp: unknown, i) => {
    const time = typeof stamp === 'string' ? Date.parse(stamp) : typeof stamp === 'number' ? stamp * 1000 : NaN;
    if (!Number.isFinite(time)) {
      throw new InputError({ file: source, field: `${field}.Timestamps[${i}]` }, `expected an ISO 8601 timestamp, got ${JSON.stringify(stamp)}`);
    }
    const value: unknown = values[i];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new InputError({ file: source, field: `${field}.Values[${i}]` }, `expected a finite number, got ${JSON.stringify(value)}`);
    }
    return { time, value };
  });
}

/** Ascending by time; where pages overlap, the later page's point wins. */
function sortedUnique(points: MetricPoint[]): MetricPoint[] {
  const byTime = new Map<number, MetricPoint>();
  for (const point of points) byTime.set(point.time, point);
  return [...byTime.values()].sort((a, b) => a.time - b.time);
}
