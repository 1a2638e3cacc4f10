/**
 * GetMetricData results joined into series. A result's key is what its label names: the signal and
 * dimensions of a dynamic label, whatever the query's Id; for the metric name alone (the default
 * label, the same for every broker), the Id and label. Results of one key are pieces of one series
 * unless they disagree: GetMetricData's pages, the CLI's concatenation of them (one Id several times
 * in one document), exports of other or overlapping time ranges. Results that give one time two
 * values are two metrics the label does not tell apart (a SEARCH over `ClientConnectionCount`
 * without `Client Authentication`, two clusters without `Cluster Name`): separate series, warned.
 * Never matched by place: a page leaves out the results that said Complete on an earlier one.
 */
import { ID_DIMENSION, type MetricPoint, type MetricSeries, RESULT_DIMENSION } from '../core/metric-series.ts';
import { dynamicLabel } from './cloudwatch-search.ts';
import { FREE_TEXT_DIMENSION, keyOf } from './metric-label.ts';

/** One result as read: where it is, what its label names, its points and what it said of itself. */
export interface Piece {
  readonly id: string | undefined;
  readonly label: string;
  /** `file: field`, for warnings. */
  readonly at: string;
  readonly source: string;
  readonly identity: Omit<MetricSeries, 'points'>;
  readonly points: readonly MetricPoint[];
  /** StatusCode Complete: its series takes no more pages while another of its key still expects some. */
  readonly saidComplete: boolean;
  /** Complete, or on a page without NextToken: its series does not stop short. */
  readonly whole: boolean;
}

/** One series as assembled. */
interface Entry {
  /** The Id of its first result: what tells it from others of its label, where theirs differ. */
  readonly id: string | undefined;
  /** Its first result, for warnings. */
  readonly first: Pick<Piece, 'at' | 'label'>;
  readonly identity: Omit<MetricSeries, 'points'>;
  readonly values: Map<number, number>;
  saidComplete: boolean;
  whole: boolean;
  lastSource: string;
}

/** The series the pieces make, named and sorted by key, with warnings for splits and exports that stop short. */
export function seriesOf(pieces: readonly Piece[]): { series: MetricSeries[]; warnings: string[] } {
  const byKey = new Map<string, Entry[]>();
  for (const piece of pieces) {
    const entry = entryFor(byKey, piece);
    // Disagreements go to another series (entryFor): what remains is a repeated point, with one value.
    for (const { time, value } of piece.points) entry.values.set(time, value);
    entry.saidComplete ||= piece.saidComplete;
    entry.whole ||= piece.whole;
    entry.lastSource = piece.source;
  }
  const entries = [...byKey.values()].flat();
  const named = keyed(entries);
  const series = named.map(({ identity, values }) => ({
    ...identity,
    points: [...values].map(([time, value]) => ({ time, value })).sort((a, b) => a.time - b.time),
  }));
  return {
    series: series.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    warnings: [...incompleteWarning(entries), ...[...byKey.values()].flatMap((split) => splitWarning(split, named, entries))],
  };
}

/**
 * The series of a piece's key that it continues: one that has not said Complete (a series whose
 * earlier page did takes no more), else any; either only if no time has another value there.
 * Else a series of its own.
 */
function entryFor(byKey: Map<string, Entry[]>, piece: Piece): Entry {
  const { id, identity } = piece;
  const byLabel = Object.keys(identity.dimensions).length > 0;
  const key = JSON.stringify(byLabel ? [identity.key] : [id ?? null, identity.key]);
  const same = byKey.get(key) ?? [];
  const fits = same.filter((e) => piece.points.every(({ time, value }) => (e.values.get(time) ?? value) === value));
  const found = fits.find((e) => !e.saidComplete) ?? fits[0];
  if (found) return found;
  const entry: Entry = {
    id,
    first: { at: piece.at, label: piece.label },
    identity,
    values: new Map(),
    saidComplete: false,
    whole: false,
    lastSource: piece.source,
  };
  byKey.set(key, [...same, entry]);
  return entry;
}

/**
 * Series that share a label-given key (default labels; a split key) are told apart by the Id of
 * their first result where theirs differ, and by their order among those of one Id (a `Result`
 * pseudo-dimension, from 1) where several share it.
 */
function keyed(entries: readonly Entry[]): Entry[] {
  const byKey = new Map<string, Entry[]>();
  for (const e of entries) byKey.set(e.identity.key, [...(byKey.get(e.identity.key) ?? []), e]);
  return entries.map((e) => {
    const shared = byKey.get(e.identity.key)!;
    const byId = new Set(shared.map((s) => s.id)).size > 1 && e.id !== undefined;
    const ofId = shared.filter((s) => s.id === e.id);
    if (!byId && ofId.length < 2) return e;
    const dimensions = {
      ...e.identity.dimensions,
      ...(byId ? { [ID_DIMENSION]: e.id! } : {}),
      ...(ofId.length > 1 ? { [RESULT_DIMENSION]: String(ofId.indexOf(e) + 1) } : {}),
    };
    return { ...e, identity: { ...e.identity, dimensions, key: keyOf(e.identity.signal, dimensions) } };
  });
}

/** Series none of whose results said they were whole: the export stops short. */
function incompleteWarning(entries: readonly Entry[]): string[] {
  const incomplete = entries.filter((e) => !e.whole);
  if (incomplete.length === 0) return [];
  return [
    `incomplete export: ${incomplete.length} series end in a page that carries NextToken (${incomplete[0]!.lastSource}${incomplete.length > 1 ? ', …' : ''}): ` +
      "their points on the next pages are missing (the oldest, in GetMetricData's default order, newest first); fetch them (--next-token) and pass them too",
  ];
}

/** A key split into several series: as `keyed` names the second, and a label that would tell them apart. */
function splitWarning(split: readonly Entry[], named: readonly Entry[], entries: readonly Entry[]): string[] {
  if (split.length < 2) return [];
  const { first, identity } = split[1]!;
  const more = split.length > 2 ? `, and ${split.length - 2} more` : '';
  const dimensions = Object.keys(identity.dimensions).filter((d) => d !== FREE_TEXT_DIMENSION);
  const label = dynamicLabel({ dimensions: [...dimensions, 'NAME'] });
  const cluster = dimensions.includes('Cluster Name') ? '' : 'Cluster Name, which it leaves out, if they are two clusters; ';
  return [
    `${first.at} ("${first.label.slice(0, 200)}") names the same series as an earlier result, with another value at a time both have: ` +
      `two metrics, so they are kept apart (as ${named[entries.indexOf(split[1]!)]!.identity.key}${more}), not merged; ` +
      `their label leaves out a dimension they differ by: name it in the query's Label, e.g. "${label}", ` +
      `NAME being that dimension (${cluster}Client Authentication, for MSK's ClientConnectionCount)`,
  ];
}
