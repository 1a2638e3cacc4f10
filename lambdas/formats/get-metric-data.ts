/**
 * Metric series from CloudWatch `GetMetricData` results: the JSON that the API returns and that
 * `aws cloudwatch get-metric-data` prints, one page or several (or the CLI's pages concatenated).
 *
 * Each result is read here: its label as the signal it names and, with a dynamic label such as
 * `${PROP('MetricName')} Cluster Name=${PROP('Dim.Cluster Name')}, Broker ID=${PROP('Dim.Broker ID')}`,
 * its dimensions as `Name=Value` pairs; its points, checked; and whether it said it was whole.
 * Each is read with the page (one response) it is on: a document, an element of an array of pages,
 * or one of the pages the CLI concatenates. How results join into series is
 * get-metric-data-series.ts. A label that names no signal may still be an `Id` that does
 * (`connectionCreationRate_b1`).
 */
import { InputError } from '../core/errors.ts';
import { MAX_LABEL_LENGTH, quote, readTime, type ValueKind, valueProblem } from '../core/input-bounds.ts';
import type { MetricPoint, MetricReadout } from '../core/metric-series.ts';
import { messageLog } from './get-metric-data-messages.ts';
import { type Piece, seriesOf } from './get-metric-data-series.ts';
import { identify } from './metric-label.ts';

interface GetMetricDataResult {
  Id?: string;
  Label?: string;
  Timestamps?: unknown;
  Values?: unknown;
  StatusCode?: string;
  Messages?: unknown;
}

/** GetMetricData's own limit on a query's Id. */
const MAX_ID_LENGTH = 255;

/** A configured signal: its name, and its kind where known (a percentage's values lie in 0..100). */
export type SignalName = string | { readonly name: string; readonly kind?: ValueKind };

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
  const pieces: Piece[] = [];
  const warnings: string[] = [];
  const messages = messageLog();
  const pages = pageNumbers();
  for (const { source, document } of documents) {
    (Array.isArray(document) ? document : [document]).forEach((page, pageIndex) => {
      const prefix = Array.isArray(document) ? `[${pageIndex}].` : '';
      const results = resultsOf(page, source, prefix);
      const hasNextToken =
        typeof (page as { NextToken?: unknown }).NextToken === 'string' && (page as { NextToken: string }).NextToken !== '';
      const pageOf = pages.next(hasNextToken);
      messages.record(source, `${prefix}Messages`, (page as { Messages?: unknown }).Messages);
      results.forEach((item: unknown, index) => {
        const field = `${prefix}MetricDataResults[${index}]`;
        const result = checkedResult(item, source, field);
        messages.record(source, field, result.Messages);
        const id = typeof result.Id === 'string' && result.Id !== '' ? result.Id : undefined;
        const pageNumber = pageOf(id);
        const identity = identify(result, signalNames, { file: source, field: `${field}.Label` });
        if (!identity) {
          warnings.push(`${source}: ${field} (${result.Label ?? result.Id}) names no configured signal: ignored`);
          return;
        }
        const { points, skipped } = readPoints(result, source, field, kinds.get(identity.signal));
        const failure = failureOf(result, `${source}: ${field}`, points.length);
        if (failure) warnings.push(failure);
        if (skipped)
          warnings.push(
            `${source}: ${skipped.count} point${skipped.count > 1 ? 's' : ''} of ${field} out of bounds for ${identity.signal}, skipped (the first, ${skipped.first.field}: ${skipped.first.problem})`,
          );
        const saidComplete = result.StatusCode === 'Complete';
        pieces.push({
          id,
          label: result.Label ?? result.Id ?? '',
          source,
          field,
          page: pageNumber,
          identity,
          points,
          saidComplete,
          whole: saidComplete || !hasNextToken,
          failed: failure !== undefined,
        });
      });
    });
  }
  const { series, warnings: joined } = seriesOf(pieces);
  return { series, warnings: [...warnings, ...messages.warnings(), ...joined] };
}

/**
 * A page's results. `aws cloudwatch get-metric-statistics` output (one metric's `Label` and
 * `Datapoints`), the command most like get-metric-data, is named as such: its points name no dimension.
 */
function resultsOf(page: unknown, source: string, prefix: string): unknown[] {
  const { MetricDataResults: results, Datapoints: datapoints } = (typeof page === 'object' && page !== null ? page : {}) as Record<
    string,
    unknown
  >;
  if (Array.isArray(results)) return results;
  if (results === undefined && Array.isArray(datapoints))
    throw new InputError(
      { file: source, field: `${prefix}Datapoints` },
      'is the output of `aws cloudwatch get-metric-statistics` (Label, Datapoints); expected that of `aws cloudwatch get-metric-data` ' +
        '(MetricDataResults; docs/formats.md, "Metrics in: CloudWatch GetMetricData output")',
    );
  throw new InputError({ file: source, field: `${prefix}MetricDataResults` }, 'expected an array (the output of GetMetricData)');
}

/** A StatusCode other than Complete or PartialData (Forbidden, InternalError): the result failed, warned of once, here. */
function failureOf(result: GetMetricDataResult, where: string, points: number): string | undefined {
  const status = result.StatusCode;
  if (!status || status === 'Complete' || status === 'PartialData') return undefined;
  return `${where} has StatusCode ${status.slice(0, 80)}: ${points > 0 ? 'its points are used as they are' : 'it has no points'}`;
}

/**
 * Numbers the pages (responses) results are on, in reading order: each document or element of an
 * array of pages is one. The CLI's auto-paginated output concatenates pages (and drops NextToken);
 * a response lists each query's results together, so there an Id seen before that comes back after
 * another starts the next page. A page that carries NextToken is one response, whatever the order of its Ids.
 */
function pageNumbers(): { next(hasNextToken: boolean): (id: string | undefined) => number } {
  let number = 0;
  return {
    next(hasNextToken) {
      number++;
      let seen = new Set<string | undefined>();
      let previous: string | undefined | null = null;
      return (id) => {
        if (!hasNextToken && seen.has(id) && id !== previous) {
          number++;
          seen = new Set();
        }
        seen.add(id);
        previous = id;
        return number;
      };
    },
  };
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
