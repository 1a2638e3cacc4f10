/**
 * Metric series from CloudWatch `GetMetricData` results: the JSON that the API returns and that
 * `aws cloudwatch get-metric-data` prints, one page or several.
 *
 * What a series is comes from its label: the metric name (one of the configured signals) and,
 * with a dynamic label such as
 * `${PROP('MetricName')} Cluster Name=${PROP('Dim.Cluster Name')}, Broker ID=${PROP('Dim.Broker ID')}`,
 * its dimensions as `Name=Value` pairs. Such a label names its series whatever the query's `Id`:
 * two exports whose queries were named `m0` and `qm0` hold one series. A query without `Label`
 * gets the metric name alone, the same for every broker: there the `Id` tells series apart (an
 * `Id` pseudo-dimension). A series' results are merged across pages and exports; points are sorted
 * (the API returns newest first by default). Two results of one page that map to one series are
 * two metrics, never pages of one another: they are kept apart and warned about (see entryFor).
 * A label that names no signal may still be an `Id` that does (`connectionCreationRate_b1`).
 */
import { InputError } from '../core/errors.ts';
import { MAX_LABEL_LENGTH, quote, readTime, type ValueKind, valueProblem } from '../core/input-bounds.ts';
import { ID_DIMENSION, type MetricPoint, type MetricReadout, type MetricSeries, RESULT_DIMENSION } from '../core/metric-series.ts';
import { dynamicLabel } from './cloudwatch-search.ts';
import { FREE_TEXT_DIMENSION, identify, keyOf } from './metric-label.ts';

interface GetMetricDataResult {
  Id?: string;
  Label?: string;
  Timestamps?: unknown;
  Values?: unknown;
  StatusCode?: string;
}

/** GetMetricData's own limit on a query's Id. */
const MAX_ID_LENGTH = 255;

/** A configured signal: its name, and its kind where known (a percentage's values lie in 0..100). */
export type SignalName = string | { readonly name: string; readonly kind?: ValueKind };

/** One series as read: its identity in the export, what it is, and its points so far. */
interface Entry {
  readonly id: string | undefined;
  /** Which of its page's results for this series it is, from 0: more than one are distinct metrics (see entryFor). */
  readonly ordinal: number;
  /** Its first result, for warnings: where it is and its label. */
  readonly first: { readonly at: string; readonly label: string };
  readonly identity: Omit<MetricSeries, 'points'>;
  readonly points: MetricPoint[];
  /**
   * Whether a result said it was whole: StatusCode Complete, or a page without NextToken. Its
   * results on pages with NextToken said PartialData (more points follow on the next page).
   */
  complete: boolean;
  lastSource: string;
}

/**
 * Reads GetMetricData pages. `document` is one parsed page (`{ MetricDataResults, NextToken? }`)
 * or an array of pages; `source` names the file in errors.
 *
 * Timestamps are ISO 8601 (as the CLI prints them) or epoch seconds (the API's JSON), within
 * 2006..2100; anything else is an error naming the field. A value out of bounds for its signal
 * (beyond ±1e12, or a percentage outside 0..100) is skipped, counted and warned about: one stray
 * point must neither stop a replay nor set a series' baseline.
 */
export function readGetMetricData(
  documents: ReadonlyArray<{ source: string; document: unknown }>,
  signals: readonly SignalName[],
): MetricReadout {
  const signalNames = signals.map((s) => (typeof s === 'string' ? s : s.name));
  const kinds = new Map(signals.flatMap((s) => (typeof s !== 'string' && s.kind ? [[s.name, s.kind] as const] : [])));
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
      const hasNextToken =
        typeof (page as { NextToken?: unknown }).NextToken === 'string' && (page as { NextToken: string }).NextToken !== '';
      const inPage = new Map<string, number>();
      results.forEach((item: unknown, index) => {
        const field = `${prefix}MetricDataResults[${index}]`;
        const result = checkedResult(item, source, field);
        const identity = identify(result, signalNames, { file: source, field: `${field}.Label` });
        if (!identity) {
          warnings.push(`${source}: ${field} (${result.Label ?? result.Id}) names no configured signal: ignored`);
          return;
        }
        const entry = entryFor(entries, inPage, result, identity, { source, field });
        const { points, skipped } = readPoints(result, source, field, kinds.get(identity.signal));
        if (result.StatusCode && result.StatusCode !== 'Complete' && result.StatusCode !== 'PartialData') {
          const what = points.length > 0 ? 'its points are used as they are' : 'it has no points';
          warnings.push(`${source}: ${field} has StatusCode ${result.StatusCode.slice(0, 80)}: ${what}`);
        }
        for (const point of points) entry.points.push(point);
        if (skipped)
          warnings.push(
            `${source}: ${skipped.count} point${skipped.count > 1 ? 's' : ''} of ${field} out of bounds for ${identity.signal}, skipped (the first, ${skipped.first.field}: ${skipped.first.problem})`,
          );
        if (!hasNextToken || result.StatusCode === 'Complete') entry.complete = true;
        entry.lastSource = source;
      });
    });
  }
  const read = [...entries.values()];
  const series = keyed(read);
  warnings.push(...incompleteWarning(read), ...repeatWarning(read, series));
  return {
    series: series
      .map(({ identity, points }) => ({ ...identity, points: sortedUnique(points) }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    warnings,
  };
}

/**
 * The entry of a result's series, merged across pages. A label with more than the metric name (a
 * dynamic label's dimensions) names the series whatever the Id; the metric name alone (the default
 * label) is told apart by the Id. Two results of one page for one series are two metrics (a
 * SEARCH's results differing by a dimension the label leaves out), never pages of one another: the
 * second is a series of its own, matched on other pages by the same place among its page's such results.
 */
function entryFor(
  entries: Map<string, Entry>,
  inPage: Map<string, number>,
  result: GetMetricDataResult,
  identity: Omit<MetricSeries, 'points'>,
  at: { source: string; field: string },
): Entry {
  const id = typeof result.Id === 'string' && result.Id !== '' ? result.Id : undefined;
  const byLabel = Object.keys(identity.dimensions).length > 0;
  const series = JSON.stringify(byLabel ? [identity.key] : [id ?? null, identity.key]);
  const ordinal = inPage.get(series) ?? 0;
  inPage.set(series, ordinal + 1);
  const key = JSON.stringify([series, ordinal]);
  let entry = entries.get(key);
  if (!entry) {
    const first = { at: `${at.source}: ${at.field}`, label: result.Label ?? result.Id ?? '' };
    entry = { id, ordinal, first, identity, points: [], complete: false, lastSource: at.source };
    entries.set(key, entry);
  }
  return entry;
}

/**
 * Series whose label-given key is shared (default labels; results of one page) keep them apart by
 * their Id where theirs differ, and by their place in the page (a `Result` pseudo-dimension, from 1)
 * where one Id has several.
 */
function keyed(entries: readonly Entry[]): Entry[] {
  const byKey = new Map<string, Entry[]>();
  for (const e of entries) {
    const shared = byKey.get(e.identity.key);
    if (shared) shared.push(e);
    else byKey.set(e.identity.key, [e]);
  }
  return entries.map((e) => {
    const shared = byKey.get(e.identity.key)!;
    const byId = new Set(shared.map((s) => s.id)).size > 1 && e.id !== undefined;
    const byPlace = shared.filter((s) => s.id === e.id).length > 1;
    if (!byId && !byPlace) return e;
    const dimensions = {
      ...e.identity.dimensions,
      ...(byId ? { [ID_DIMENSION]: e.id! } : {}),
      ...(byPlace ? { [RESULT_DIMENSION]: String(e.ordinal + 1) } : {}),
    };
    return { ...e, identity: { ...e.identity, dimensions, key: keyOf(e.identity.signal, dimensions) } };
  });
}

/** Series none of whose results said they were whole: the export stops short. */
function incompleteWarning(entries: readonly Entry[]): string[] {
  const incomplete = entries.filter((e) => !e.complete);
  if (incomplete.length === 0) return [];
  return [
    `incomplete export: ${incomplete.length} series end in a page that carries NextToken (${incomplete[0]!.lastSource}${incomplete.length > 1 ? ', …' : ''}): ` +
      "their points on the next pages are missing (the oldest, in GetMetricData's default order, newest first); fetch them (--next-token) and pass them too",
  ];
}

/**
 * Series that a page gave a second (or later) result for: kept apart, as `keyed` names them, and
 * a label that would tell them apart: theirs, with the dimension it leaves out.
 */
function repeatWarning(read: readonly Entry[], keyedEntries: readonly Entry[]): string[] {
  const index = read.findIndex((e) => e.ordinal > 0);
  if (index < 0) return [];
  const { first, identity } = read[index]!;
  const count = read.filter((e) => e.ordinal > 0).length;
  const others = count > 1 ? ` (and ${count - 1} more series)` : '';
  const named = Object.keys(identity.dimensions).filter((d) => d !== FREE_TEXT_DIMENSION);
  const label = dynamicLabel({ dimensions: [...named, 'NAME'] });
  return [
    `${first.at} ("${first.label.slice(0, 200)}") is the same series as an earlier result of its page${others}: ` +
      `two results of one page are two metrics, so they are kept apart (as ${keyedEntries[index]!.identity.key}), not merged; ` +
      `their label leaves out a dimension they differ by: name it in the query's Label, e.g. "${label}", ` +
      "NAME being that dimension (Client Authentication, for MSK's ClientConnectionCount)",
  ];
}

/** A result as read: its Id, Label and StatusCode strings (or absent), its arrays unchecked. */
function checkedResult(item: unknown, source: string, field: string): GetMetricDataResult {
  if (typeof item !== 'object' || item === null || Array.isArray(item))
    throw new InputError({ file: source, field }, `expected an object (Id, Label, Timestamps, Values), got ${quote(item)}`);
  const result = item as Record<string, unknown>;
  for (const name of ['Id', 'Label', 'StatusCode'] as const) {
    if (result[name] !== undefined && typeof result[name] !== 'string')
      throw new InputError({ file: source, field: `${field}.${name}` }, `expected a string, got ${quote(result[name])}`);
  }
  if (typeof result.Label === 'string' && result.Label.length > MAX_LABEL_LENGTH) {
    throw new InputError(
      { file: source, field: `${field}.Label` },
      `is ${result.Label.length} characters long, more than ${MAX_LABEL_LENGTH}: not a label of a metric and its dimensions`,
    );
  }
  if (typeof result.Id === 'string' && result.Id.length > MAX_ID_LENGTH) {
    throw new InputError(
      { file: source, field: `${field}.Id` },
      `is ${result.Id.length} characters long, more than GetMetricData allows (${MAX_ID_LENGTH})`,
    );
  }
  return result as GetMetricDataResult;
}

interface Skipped {
  count: number;
  readonly first: { readonly field: string; readonly problem: string };
}

function readPoints(
  result: GetMetricDataResult,
  source: string,
  field: string,
  kind: ValueKind | undefined,
): { points: MetricPoint[]; skipped?: Skipped } {
  const { Timestamps: timestamps, Values: values } = result;
  if (!Array.isArray(timestamps)) throw new InputError({ file: source, field: `${field}.Timestamps` }, 'expected an array of timestamps');
  if (!Array.isArray(values)) throw new InputError({ file: source, field: `${field}.Values` }, 'expected an array of numbers');
  if (timestamps.length !== values.length) {
    throw new InputError({ file: source, field }, `has ${timestamps.length} Timestamps but ${values.length} Values: they must pair up`);
  }
  const points: MetricPoint[] = [];
  let skipped: Skipped | undefined;
  for (let i = 0; i < timestamps.length; i++) {
    const reading = readTime(timestamps[i], 's');
    if ('problem' in reading) throw new InputError({ file: source, field: `${field}.Timestamps[${i}]` }, reading.problem);
    const value: unknown = values[i];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new InputError({ file: source, field: `${field}.Values[${i}]` }, `expected a finite number, got ${quote(value)}`);
    }
    const problem = valueProblem(value, kind);
    if (problem) {
      if (skipped) skipped.count++;
      else skipped = { count: 1, first: { field: `Values[${i}]`, problem } };
      continue;
    }
    points.push({ time: reading.time, value });
  }
  return skipped ? { points, skipped } : { points };
}

/** Ascending by time; where pages (or exports) of a series overlap, the later one's point wins. */
function sortedUnique(points: MetricPoint[]): MetricPoint[] {
  const byTime = new Map<number, MetricPoint>();
  for (const point of points) byTime.set(point.time, point);
  return [...byTime.values()].sort((a, b) => a.time - b.time);
}
