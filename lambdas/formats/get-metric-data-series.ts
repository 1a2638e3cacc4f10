/**
 * GetMetricData results joined into series. A result's key is what its label names: the signal and
 * dimensions of a dynamic label, whatever the query's Id; for the metric name alone (the default
 * label, the same for every broker), the Id and label. Results of one key are pieces of one series:
 * GetMetricData's pages, the CLI's concatenation of them, exports of other or overlapping time
 * ranges. Where a later page gives a time another value, it is a revision (CloudWatch revises its
 * latest points as late data arrives, so two exports taken at different times disagree on the last
 * minutes of the first): the later point wins. Results of one page (one response) that give one
 * time two values are two metrics the label does not tell apart (a SEARCH over
 * `ClientConnectionCount` without `Client Authentication`, two queries of one request without
 * `Cluster Name`); so is a later page that gives other values further back than the latest
 * REVISION_WINDOW_MS (one export per cluster, both with default labels): separate series, warned.
 * Never matched by place: a page leaves out the results that said Complete on an earlier one.
 */
import { groupBy } from '../core/group-by.ts';
import { ID_DIMENSION, type MetricPoint, type MetricSeries, RESULT_DIMENSION } from '../core/metric-series.ts';
import { dynamicLabel } from './cloudwatch-search.ts';
import { LISTED, listed } from './get-metric-data-messages.ts';
import { FREE_TEXT_DIMENSION, keyOf } from './metric-label.ts';

/** One result as read: where it is, what its label names, its points and what it said of itself. */
export interface Piece {
  readonly id: string | undefined;
  readonly label: string;
  /** The file and the result's field in it (`MetricDataResults[3]`), for warnings. */
  readonly source: string;
  readonly field: string;
  /** The page (one response) it is on, numbered in reading order: what two values of one time mean depends on it. */
  readonly page: number;
  readonly identity: Omit<MetricSeries, 'points'>;
  readonly points: readonly MetricPoint[];
  /** StatusCode Complete: its series takes no more pages while another of its key still expects some. */
  readonly saidComplete: boolean;
  /** Complete, or on a page without NextToken: its series does not stop short. */
  readonly whole: boolean;
  /** A StatusCode other than Complete or PartialData (Forbidden, InternalError): warned of where it is read. */
  readonly failed: boolean;
}

/** One series as assembled. */
interface Entry {
  /** The Id of its first result: what tells it from others of its label, where theirs differ. */
  readonly id: string | undefined;
  /** Its first result: for warnings, and (for a series split from another of its key) the page that split it. */
  readonly first: Pick<Piece, 'source' | 'field' | 'label' | 'page'>;
  readonly identity: Omit<MetricSeries, 'points'>;
  /** Each time's value, and the page it came from. */
  readonly values: Map<number, { value: number; page: number }>;
  saidComplete: boolean;
  whole: boolean;
  /** One of its results failed (Piece.failed), and was warned of. */
  failed: boolean;
  lastSource: string;
  /** The order its last result's points came in, where they tell: what that page's next ones hold. */
  lastScanBy: ScanBy | undefined;
  /** Its latest time so far: revisions reach REVISION_WINDOW_MS back from it. */
  latest: number;
  /** Why it is not the series of its key before it: another value on one page, or further back than a revision reaches. */
  readonly splitBy: 'page' | 'export';
}

/** How far back from a series' latest point CloudWatch's late data revises it: other values further back are another metric's. */
export const REVISION_WINDOW_MS = 30 * 60_000;

/** The series the pieces make, named and sorted by key, with warnings for splits and exports that stop short. */
export function seriesOf(pieces: readonly Piece[]): { series: MetricSeries[]; warnings: string[] } {
  const byKey = new Map<string, Entry[]>();
  for (const piece of pieces) {
    const entry = entryFor(byKey, piece);
    // Another value of this page went to another series (entryFor): one of an earlier page is revised.
    for (const { time, value } of piece.points) {
      entry.values.set(time, { value, page: piece.page });
      entry.latest = Math.max(entry.latest, time);
    }
    entry.saidComplete ||= piece.saidComplete;
    entry.whole ||= piece.whole;
    entry.failed ||= piece.failed;
    entry.lastSource = piece.source;
    entry.lastScanBy = scanByOf(piece.points);
  }
  const entries = [...byKey.values()].flat();
  const named = keyed(entries);
  const series = named.map(({ identity, values }) => ({
    ...identity,
    points: [...values].map(([time, { value }]) => ({ time, value })).sort((a, b) => a.time - b.time),
  }));
  const nameOf = (e: Entry) => named[entries.indexOf(e)]!.identity.key;
  return {
    series: series.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    warnings: [...incompleteWarning(entries), ...emptyWarnings(entries), ...splitWarnings([...byKey.values()], nameOf)],
  };
}

/**
 * The series of a piece's key that it continues. Not one with another value at a time from the
 * piece's own page: two results of one response are two metrics. Of the others, the one it revises
 * least (a continuation revises nothing; a later export only its latest points), then one that has
 * not said Complete (a series whose earlier page did takes no more), then the first. Else a series
 * of its own.
 */
function entryFor(byKey: Map<string, Entry[]>, piece: Piece): Entry {
  const { id, identity } = piece;
  const byLabel = Object.keys(identity.dimensions).length > 0;
  const key = JSON.stringify(byLabel ? [identity.key] : [id ?? null, identity.key]);
  const same = byKey.get(key) ?? [];
  let splitBy: Entry['splitBy'] = 'export';
  // A loop, not a spread: a result of 200,000 points overflows the call stack as arguments.
  const pieceLatest = piece.points.reduce((latest, p) => Math.max(latest, p.time), Number.NEGATIVE_INFINITY);
  const fits = same.flatMap((entry) => {
    // Late data revises the end of the earlier of the two exports, whichever is read first.
    const reach = Math.min(entry.latest, pieceLatest) - REVISION_WINDOW_MS;
    let revised = 0;
    for (const { time, value } of piece.points) {
      const had = entry.values.get(time);
      if (had === undefined || had.value === value) continue;
      if (had.page === piece.page) {
        splitBy = 'page';
        return [];
      }
      if (time < reach) return [];
      revised++;
    }
    return [{ entry, revised }];
  });
  fits.sort((a, b) => a.revised - b.revised || Number(a.entry.saidComplete) - Number(b.entry.saidComplete));
  const found = fits[0]?.entry;
  if (found) return found;
  const entry: Entry = {
    splitBy,
    latest: -Infinity,
    id,
    first: { source: piece.source, field: piece.field, label: piece.label, page: piece.page },
    identity,
    values: new Map(),
    saidComplete: false,
    whole: false,
    failed: false,
    lastSource: piece.source,
    lastScanBy: undefined,
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
  const byKey = groupBy(entries, (e) => e.identity.key);
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
      `their points on the next pages are missing: ${missingEnd(incomplete.map((e) => e.lastScanBy))}; fetch those pages and pass them too ` +
      '(`aws cloudwatch get-metric-data` fetches every page unless given --max-items or --no-paginate; to go on from this page, run the same command with its NextToken as --starting-token)',
  ];
}

/**
 * Series without a point (every result of theirs empty: a broker down for the whole range, a metric
 * the cluster does not publish) are left out of their signal: one warning per file and signal,
 * naming the first results. A result that failed is warned of where it is read, not again here.
 */
function emptyWarnings(entries: readonly Entry[]): string[] {
  const empty = entries.filter((e) => e.values.size === 0 && !e.failed);
  return [...groupBy(empty, (e) => JSON.stringify([e.first.source, e.identity.signal])).values()].map((group) => {
    const { source } = group[0]!.first;
    const results = group.map(
      ({ id, first }) => `${first.field} (${id && id !== first.label ? `${id}, ` : ''}"${first.label.slice(0, 200)}")`,
    );
    const left = group.length === 1 ? 'its series is' : `their ${group.length} series are`;
    return (
      `${source}: ${listed(results)} returned no points: ${left} left out of ${group[0]!.identity.signal} ` +
      '(nothing in the time range: a broker down throughout, or a metric the cluster does not publish, such as an MSK metric of the PER_BROKER monitoring level on a cluster at DEFAULT)'
    );
  });
}

/** GetMetricData's ScanBy: the order a page's points go in. */
type ScanBy = 'TimestampAscending' | 'TimestampDescending';

/** The order of a result's points, where they tell (two or more, all one way). */
function scanByOf(points: readonly MetricPoint[]): ScanBy | undefined {
  let rising = 0;
  let falling = 0;
  for (let i = 1; i < points.length; i++) {
    if (points[i]!.time > points[i - 1]!.time) rising++;
    else if (points[i]!.time < points[i - 1]!.time) falling++;
  }
  if (rising > 0 && falling === 0) return 'TimestampAscending';
  if (falling > 0 && rising === 0) return 'TimestampDescending';
  return undefined;
}

/** Which end of the series the next pages hold, from the order the pages that stop short go in. */
function missingEnd(orders: readonly (ScanBy | undefined)[]): string {
  const known = new Set(orders.filter((o) => o !== undefined));
  const only = known.size === 1 ? [...known][0] : undefined;
  if (only === 'TimestampAscending') return 'the newest, where a storm would be (the pages go oldest first, ScanBy TimestampAscending)';
  if (only === 'TimestampDescending') return "the oldest (the pages go newest first, ScanBy TimestampDescending, GetMetricData's default)";
  return (
    "the oldest if the pages go newest first (ScanBy TimestampDescending, GetMetricData's default), " +
    'the newest, where a storm would be, if they go oldest first (TimestampAscending)'
  );
}

/**
 * Keys split into several series, per page that split them: for each key, where its second series
 * began, as `keyed` names it, and a label that would tell them apart; where more than
 * LISTED keys split on one page (a SEARCH over every broker), one line naming the first few.
 */
function splitWarnings(byKey: readonly (readonly Entry[])[], nameOf: (e: Entry) => string): string[] {
  // Per page, and per reason on it (a page can split from itself and from an earlier export).
  const byPage = new Map<number, Entry[][]>();
  const order = (e: Entry) => 2 * e.first.page + (e.splitBy === 'page' ? 0 : 1);
  for (const split of byKey) {
    for (const [at, apart] of groupBy(split.slice(1), order)) byPage.set(at, [...(byPage.get(at) ?? []), apart]);
  }
  return [...byPage.entries()]
    .sort(([a], [b]) => a - b)
    .flatMap(([, keys]) => {
      const advice = adviceFor(keys.map((apart) => apart[0]!.identity));
      const reason = keys[0]![0]!.splitBy;
      if (keys.length <= LISTED)
        return keys.map((apart) => {
          const { first } = apart[0]!;
          const more = apart.length > 1 ? `, and ${apart.length - 1} more` : '';
          return (
            `${first.source}: ${first.field} ("${first.label.slice(0, 200)}") names the same series as ${whyApart(reason, 'its')}: ` +
            `two metrics, so they are kept apart (as ${nameOf(apart[0]!)}${more}), not merged; ${advice}`
          );
        });
      const labels = keys.map((apart) => `${apart[0]!.first.field} ("${apart[0]!.first.label.slice(0, 200)}")`);
      return [
        `${keys[0]![0]!.first.source}: results of ${keys.length} labels name the same series as ${whyApart(reason, 'their')}: ` +
          `${listed(labels)}: ` +
          `two metrics each, so they are kept apart (as ${nameOf(keys[0]![0]!)}, …), not merged; ${advice}`,
      ];
    });
}

/** What a split's warning says of the earlier result it is not the series of (`its` page, or `their` page). */
function whyApart(splitBy: Entry['splitBy'], whose: 'its' | 'their'): string {
  return splitBy === 'page'
    ? `an earlier result of ${whose} page, with another value at a time both have`
    : `an earlier export's, with other values further back than CloudWatch revises late data (${REVISION_WINDOW_MS / 60_000} minutes before its latest point)`;
}

/** A label that tells apart what the given ones do not: theirs, with the dimension they leave out. */
function adviceFor(identities: readonly Omit<MetricSeries, 'points'>[]): string {
  const dimensions = Object.keys(identities[0]!.dimensions).filter((d) => d !== FREE_TEXT_DIMENSION);
  const label = dynamicLabel({ dimensions: [...dimensions, 'NAME'] });
  const cluster = identities.some((i) => !('Cluster Name' in i.dimensions))
    ? 'Cluster Name, which it leaves out, if they are two clusters; '
    : '';
  return (
    `their label leaves out a dimension they differ by: name it in the query's Label, e.g. "${label}", ` +
    `NAME being that dimension (${cluster}Client Authentication, for MSK's ClientConnectionCount)`
  );
}
