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
import { MAX_LABEL_LENGTH, MAX_NAME_LENGTH, quote, readTime, type ValueKind, valueProblem } from '../core/input-bounds.ts';
import { ID_DIMENSION, type MetricPoint, type MetricReadout, type MetricSeries } from '../core/metric-series.ts';

interface GetMetricDataResult {
  Id?: string;
  Label?: string;
  Timestamps?: unknown;
  Values?: unknown;
  StatusCode?: string;
}

const DEFAULT_CLUSTER = 'default';
/** GetMetricData's own limit on a query's Id. */
const MAX_ID_LENGTH = 255;

/** A configured signal: its name, and its kind where known (a percentage's values lie in 0..100). */
export type SignalName = string | { readonly name: string; readonly kind?: ValueKind };

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
      const seen = new Set<Entry>();
      results.forEach((item: unknown, index) => {
        const field = `${prefix}MetricDataResults[${index}]`;
        const result = checkedResult(item, source, field);
        const identity = identify(result, signalNames, { file: source, field: `${field}.Label` });
        if (!identity) {
          warnings.push(`${source}: ${field} (${result.Label ?? result.Id}) names no configured signal: ignored`);
          return;
        }
        if (result.StatusCode && result.StatusCode !== 'Complete' && result.StatusCode !== 'PartialData') {
          warnings.push(`${source}: ${field} has StatusCode ${result.StatusCode.slice(0, 80)}: its points are used as they are`);
        }
        const entry = entryFor(entries, result, identity, source);
        const { points, skipped } = readPoints(result, source, field, kinds.get(identity.signal));
        for (const point of points) entry.points.push(point);
        if (skipped)
          warnings.push(
            `${source}: ${skipped.count} point${skipped.count > 1 ? 's' : ''} of ${field} out of bounds for ${identity.signal}, skipped (the first, ${skipped.first.field}: ${skipped.first.problem})`,
          );
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

/**
 * The series' identity from its label (or, when the label names no signal, its Id): the signal it
 * names and its dimensions. Linear in the label: no regular expression is built from the signal
 * names, and the `Name=Value` pairs are read by a scan, not by a backtracking pattern. `at` names
 * the label's field in errors: a dimension value longer than MAX_NAME_LENGTH is one.
 */
export function identify(
  result: { Id?: string; Label?: string },
  signalNames: readonly string[],
  at: { file?: string; field?: string } = {},
): Omit<MetricSeries, 'points'> | undefined {
  const label = (result.Label ?? result.Id ?? '').trim();
  let signal: string | undefined;
  let rest = label;
  for (const name of signalNames) {
    const index = wordIndex(label, name);
    if (index < 0) continue;
    signal = name;
    rest = (label.slice(0, index) + label.slice(index + name.length)).trim();
    break;
  }
  if (!signal) {
    signal = signalInId(result.Id, signalNames);
    if (!signal) return undefined;
    // As the label was read before: the first occurrence of the name, if any, is not a dimension.
    rest = label.replace(signal, '').trim();
  }
  const pairs = new Map<string, string>();
  for (const [name, value] of dimensionPairs(rest)) pairs.set(name, value);
  if (pairs.size === 0 && rest && rest !== result.Id) pairs.set('Series', rest);
  const cluster = pairs.get('Cluster Name') ?? DEFAULT_CLUSTER;
  if (cluster.length > MAX_NAME_LENGTH)
    throw new InputError(at, `names a cluster of ${cluster.length} characters, more than ${MAX_NAME_LENGTH}: not a cluster name`);
  // Built from entries: a dimension named `__proto__` or `constructor` is a dimension like any other.
  const dimensions: Record<string, string> = Object.fromEntries(pairs);
  return {
    key: keyOf(signal, dimensions),
    signal,
    dimensions,
    cluster,
  };
}

const isLetter = (code: number) => (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
const isNameChar = (code: number) =>
  isLetter(code) || (code >= 48 && code <= 57) || code === 95 || code === 32 || code === 46 || code === 45;
const isSpace = (code: number) =>
  code === 32 ||
  (code >= 9 && code <= 13) ||
  code === 0xa0 ||
  code === 0xfeff ||
  code === 0x1680 ||
  (code >= 0x2000 && code <= 0x200a) ||
  code === 0x2028 ||
  code === 0x2029 ||
  code === 0x202f ||
  code === 0x205f ||
  code === 0x3000;

/** Where `name` occurs in `text` as a word (no ASCII letter on either side), or -1. */
function wordIndex(text: string, name: string): number {
  if (!name) return -1;
  for (let from = 0; ; ) {
    const index = text.indexOf(name, from);
    if (index < 0) return -1;
    const before = index === 0 || !isLetter(text.charCodeAt(index - 1));
    const end = index + name.length;
    const after = end === text.length || !isLetter(text.charCodeAt(end));
    if (before && after) return index;
    from = index + 1;
  }
}

/**
 * The `Name=Value` pairs of a label's rest, comma-separated: in each part, the first run of name
 * characters (letters, digits, `_`, space, `.`, `-`; starting with a letter) followed, after
 * optional white space, by `=`; the value is the rest of the part, trimmed. What the pattern
 * `([A-Za-z][\w .-]*?)\s*=\s*([^,]+)` matched, in one pass.
 */
function* dimensionPairs(text: string): Generator<[string, string]> {
  let partStart = 0;
  while (partStart <= text.length) {
    let partEnd = text.indexOf(',', partStart);
    if (partEnd < 0) partEnd = text.length;
    let i = partStart;
    while (i < partEnd) {
      if (!isLetter(text.charCodeAt(i))) {
        i++;
        continue;
      }
      const nameStart = i;
      while (i < partEnd && isNameChar(text.charCodeAt(i))) i++;
      const nameEnd = i;
      let j = i;
      while (j < partEnd && isSpace(text.charCodeAt(j))) j++;
      if (j < partEnd && text.charCodeAt(j) === 61 /* = */) {
        if (j + 1 < partEnd) yield [text.slice(nameStart, nameEnd).trim(), text.slice(j + 1, partEnd).trim()];
        break;
      }
      // No `=` after this run: no start within it does better; go on after it.
      i = nameEnd === nameStart ? i + 1 : nameEnd;
    }
    partStart = partEnd + 1;
  }
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

/** Ascending by time; where pages overlap, the later page's point wins. */
function sortedUnique(points: MetricPoint[]): MetricPoint[] {
  const byTime = new Map<number, MetricPoint>();
  for (const point of points) byTime.set(point.time, point);
  return [...byTime.values()].sort((a, b) => a.time - b.time);
}
