/**
 * Metric series from CloudWatch `GetMetricData` results: the JSON that the API returns and that
 * `aws cloudwatch get-metric-data` prints, one page or several.
 *
 * A result belongs to a series by its `Id` and `Label` together: a query's `Id` names its results
 * in every page, and a SEARCH expression returns one result per metric under the same `Id`, told
 * apart by `Label`. Results of one series are merged across pages; points are sorted (the API
 * returns newest first by default).
 *
 * What the series is comes from the label: the metric name (one of the configured signals) and,
 * with a dynamic label such as
 * `${PROP('MetricName')} Cluster Name=${PROP('Dim.Cluster Name')}, Broker ID=${PROP('Dim.Broker ID')}`,
 * its dimensions as `Name=Value` pairs. A query without `Label` gets the metric name alone as its
 * label, the same for every broker: such results, and any label shared by several `Id`s, stay
 * distinct series, keyed by their `Id` as well (an `Id` pseudo-dimension), never merged.
 * A label that names no signal may still be an `Id` that does (`connectionCreationRate_b1`).
 */
import { InputError } from '../core/errors.ts';
import { ID_DIMENSION, type MetricPoint, type MetricReadout, type MetricSeries } from '../core/metric-series.ts';

interface GetMetricDataResult {
  Id?: string;
  Label?: string;
  Timestamps?: unknown;
  Values?: unknown;
  StatusCode?: string;
}

const DEFAULT_CLUSTER = 'default';
/** The pseudo-dimension that tells apart series whose label does not. */


/** One series as read: its identity in the export, what it is, and its points so far. */
interface Entry {
  readonly id: string | undefined;
  readonly identity: Omit<MetricSeries, 'points'>;
  readonly points: MetricPoint[];
  /** Pages this series appears in, and how many of them carry a NextToken (more pages follow). */
  pages: number;
  pagesWithNextToken: number;
  lastSource: string;
}

/**
 * Reads GetMetricData pages. `document` is one parsed page (`{ MetricDataResults, NextToken? }`)
 * or an array of pages; `source` names the file in errors.
 */
export function readGetMetricData(
  documents: ReadonlyArray<{ source: string; document: unknown }>,
  signalNames: readonly string[],
): MetricReadout {
  const entries = new Map<string, Entry>();
  const warnings: string[] = [];
  for (const { source, document } of documents) {
    const pages = Array.isArray(document) ? document : [document];
    pages.forEach((page, pageIndex) => {
      const prefix = Array.isArray(document) ? `[${pageIndex}].` : '';
      const results = (page as { MetricDataResults?: unknown } | null)?.MetricDataResults;
      if (!Array.isArray(results)) {
        throw new InputError({ file: source, field: `${prefix}MetricDataResults` }, 'expected an array (the output of GetMetricData)');
      }
      const hasNextToken = typeof (page as { NextToken?: unknown }).NextToken === 'string' && (page as { NextToken: string }).NextToken !== '';
      const seen = new Set<Entry>();
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
        const entry = entryFor(entries, result, identity, source);
        entry.points.push(...readPoints(result, source, field));
        if (!seen.has(entry)) {
          seen.add(entry);
          entry.pages++;
          if (hasNextToken) entry.pagesWithNextToken++;
          entry.lastSource = source;
        }
      });
    });
  }
  const incomplete = [...entries.values()].filter((e) => e.pages > 0 && e.pagesWithNextToken === e.pages);
  if (incomplete.length > 0) {
    warnings.push(
      `incomplete export: ${incomplete.length} series end in a page that carries NextToken (${incomplete[0]!.lastSource}${incomplete.length > 1 ? ', …' : ''}): ` +
        'their newest points are missing; fetch the next page (--next-token) and pass it too',
    );
  }
  const series = keyed([...entries.values()])
    .map(({ identity, points }) => ({ ...identity, points: sortedUnique(points) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { series, warnings };
}

/** The entry of a result's series: the same Id and label (as read) is the same series. */
function entryFor(entries: Map<string, Entry>, result: GetMetricDataResult, identity: Omit<MetricSeries, 'points'>, source: string): Entry {
  const id = typeof result.Id === 'string' && result.Id !== '' ? result.Id : undefined;
  const key = JSON.stringify([id ?? null, identity.key]);
  let entry = entries.get(key);
  if (!entry) {
    entry = { id, identity, points: [], pages: 0, pagesWithNextToken: 0, lastSource: source };
    entries.set(key, entry);
  }
  return entry;
}

/** Series whose label-given key is shared by several Ids keep them apart by their Id. */
function keyed(entries: readonly Entry[]): Entry[] {
  const idsByKey = new Map<string, Set<string | undefined>>();
  for (const e of entries) {
    const ids = idsByKey.get(e.identity.key) ?? new Set();
    ids.add(e.id);
    idsByKey.set(e.identity.key, ids);
  }
  return entries.map((e) => {
    if (idsByKey.get(e.identity.key)!.size < 2 || e.id === undefined) return e;
    const dimensions = { ...e.identity.dimensions, [ID_DIMENSION]: e.id };
    return { ...e, identity: { ...e.identity, dimensions, key: keyOf(e.identity.signal, dimensions) } };
  });
}

/** The series' identity from its label (or, when the label names no signal, its Id): the signal it names and its dimensions. */
export function identify(
  result: { Id?: string; Label?: string },
  signalNames: readonly string[],
): Omit<MetricSeries, 'points'> | undefined {
  const label = (result.Label ?? result.Id ?? '').trim();
  const signal = signalNames.find((name) => new RegExp(`(^|[^A-Za-z])${name}($|[^A-Za-z])`).test(label)) ?? signalInId(result.Id, signalNames);
  if (!signal) return undefined;
  const rest = label.replace(signal, '').trim();
  const dimensions: Record<string, string> = {};
  for (const match of rest.matchAll(/([A-Za-z][\w .-]*?)\s*=\s*([^,]+)/g)) {
    dimensions[match[1]!.trim()] = match[2]!.trim();
  }
  if (Object.keys(dimensions).length === 0 && rest && rest !== result.Id) dimensions.Series = rest;
  return {
    key: keyOf(signal, dimensions),
    signal,
    dimensions,
    cluster: dimensions['Cluster Name'] ?? DEFAULT_CLUSTER,
  };
}

/** A signal named in a query Id, whatever its case and separators; the longest name wins (ClientConnectionCount over ConnectionCount). */
function signalInId(id: string | undefined, signalNames: readonly string[]): string | undefined {
  if (!id) return undefined;
  const flat = id.toLowerCase().replace(/[^a-z0-9]/g, '');
  return [...signalNames].sort((a, b) => b.length - a.length).find((name) => flat.includes(name.toLowerCase()));
}

function keyOf(signal: string, dimensions: Readonly<Record<string, string>>): string {
  const scope = Object.entries(dimensions)
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
  return scope ? `${signal} ${scope}` : signal;
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
