/**
 * Heap after GC is a slow signal: it moves with traffic and follows a storm over hours, so a level
 * bump is never a reason to roll back. What is: a trend that starts at the release. Per broker,
 * the least-squares slope (points per hour) in the `beforePeriods` before the release and from the
 * release to now (net of traffic where the cluster has it: least-squares.ts); pooled by the median
 * over brokers. A climb already under way before the release
 * is not the release's: the slope before is the steeper of the whole window's and its recent half's
 * (a trend that began within the window, after an earlier release, counts in full). A level bump
 * is not a climb: the change of slope must hold over the whole window since the release and over
 * its recent half (a surge that came and went leaves a slope over the whole window, and none since).
 * The release's heap excess is the change of slope; `msToLimit` is when the pooled level (the median
 * of the newest points of the heap as it is, where the trend is judged per unit of traffic) reaches
 * the limit at the slope since the release.
 *
 * A slope is trusted after `minAfterPeriods`; where the flag's earlier step already climbed (the
 * dose and response: a step up makes the climb steeper), from a third of that, asking a change of
 * slope that grows as the window shrinks (`slopeChangeAsked`). On real traffic a heap follows a
 * surge for half an hour, so a short window on its own reads surges as climbs (13 false rollbacks
 * in 66 benign cases, bench/guard/RESULTS.md); the earlier step's climb is what tells them apart.
 */
import { slopePerHour } from './least-squares.ts';
import { type BrokerHistory, median, type WatchPoint } from './watch-points.ts';

export interface HeapTrendSettings {
  readonly periodMs: number;
  readonly beforePeriods: number;
  /** Periods after the release before a slope is trusted: heap is noisy minute to minute. */
  readonly minAfterPeriods: number;
  /** The smallest change of slope, in points per hour, that is the release's. */
  readonly minSlopeChange: number;
  readonly limitPercent: number;
  readonly horizonMs: number;
}

export function heapTrendSettings(periodMs: number, overrides: Partial<HeapTrendSettings> = {}): HeapTrendSettings {
  return { periodMs, beforePeriods: 120, minAfterPeriods: 60, minSlopeChange: 1, limitPercent: 90, horizonMs: 6 * HOUR_MS, ...overrides };
}

export interface HeapTrend {
  /** too-early: fewer than `minAfterPeriods` since the release; steady: no trend of the release's; rising: one. */
  readonly kind: 'too-early' | 'steady' | 'rising';
  readonly slopeBefore?: number;
  readonly slopeAfter?: number;
  readonly level?: number;
  /** At the slope since the release; Infinity when not rising. */
  readonly msToLimit?: number;
  /** Rising, and reaching the limit within the horizon. */
  readonly withinHorizon: boolean;
  /** Each broker's level now (the heap as it is) and its slopes before and since (points per hour). */
  readonly brokers?: readonly BrokerTrend[];
  /** The change of slope asked of a climb (points per hour), over the window measured. */
  readonly asked?: number;
  /** How long the slope since was measured over (from the release, or from where it was told to). */
  readonly measuredMs?: number;
}

export interface BrokerTrend {
  readonly broker: string;
  readonly level: number;
  readonly slopeBefore: number;
  readonly slopeAfter: number;
}

const HOUR_MS = 3_600_000;
/** Points whose median is the heap's current level. */
const LEVEL_POINTS = 10;

/** What else a heap trend is judged with. */
export interface HeapTrendOptions {
  /** The slope after is measured from here (the release, or later: where what came before it is not the release's to answer for, such as a traffic surge). */
  readonly from?: number;
  /** The heap as it is, where `histories` is the heap per unit of traffic: the level and the forecast are of it. */
  readonly actual?: readonly BrokerHistory[];
  /**
   * For a flag's later step: the slope before the flag's first step. The climb is judged against
   * the lower of it and the slope before this step (what the flag's earlier steps began is the
   * flag's, not a climb already under way that this step inherited).
   */
  readonly flagBefore?: number;
  /** The cluster's log traffic as heap follows it, at a time: the slope since the release is measured net of it (least-squares.ts). */
  readonly trafficAt?: (time: number) => number | undefined;
  /** The flag's earlier step climbed: judged from a third of `minAfterPeriods`. */
  readonly early?: boolean;
}

/** A flag whose earlier step climbed is judged from this share of the minimum window. */
const EARLY_SHARE = 1 / 3;

/**
 * The change of slope asked over `periods` since the release: `minSlopeChange` from the minimum
 * window on; over fewer, more, as the error of a least-squares slope grows (as n^-1.5 over n points).
 */
function slopeChangeAsked(settings: HeapTrendSettings, periods: number): number {
  return settings.minSlopeChange * Math.max(1, (settings.minAfterPeriods / periods) ** 1.5);
}

/** A slope over a longer window is surer: the climb asked of what persists after a rollback shrinks with the window, to this floor (points/h). */
const MIN_REMAINING_SLOPE = 0.3;

/** The climb asked (points per hour) of what persists `periods` after a rollback, judged from the minimum window on against a flat heap (heap-watch.ts). */
export function remainingClimbAsked(settings: HeapTrendSettings, periods: number): number {
  return Math.max(MIN_REMAINING_SLOPE, (settings.minSlopeChange * settings.minAfterPeriods) / periods);
}

/** The heap trend of a release at `releaseTime`, seen at `now`, from each broker's heap points (before and after). */
export function heapTrend(
  histories: readonly BrokerHistory[],
  releaseTime: number,
  now: number,
  settings: HeapTrendSettings,
  { from = releaseTime, actual = histories, flagBefore = Infinity, trafficAt, early = false }: HeapTrendOptions = {},
): HeapTrend {
  const start = Math.floor(releaseTime / settings.periodMs) * settings.periodMs;
  const since = Math.max(start, from);
  const periods = (now - since) / settings.periodMs;
  if (periods < settings.minAfterPeriods * (early ? EARLY_SHARE : 1)) return { kind: 'too-early', withinHorizon: false };
  const slopes = brokerSlopes(histories, start, since, now, settings, trafficAt);
  const levels = new Map(actual.map((h) => [h.broker, levelOf(h.points, now)]));
  const brokers: BrokerTrend[] = [];
  for (const s of slopes) {
    const level = levels.get(s.broker);
    if (level !== undefined) brokers.push({ broker: s.broker, level, slopeBefore: Math.min(s.before, flagBefore), slopeAfter: s.after });
  }
  if (brokers.length === 0) return { kind: 'too-early', withinHorizon: false };
  const slopeBefore = Math.min(flagBefore, pooledBefore(slopes));
  const slopeAfter = median(slopes.map((s) => s.after));
  const level = median(brokers.map((b) => b.level));
  const msToLimit =
    level >= settings.limitPercent ? 0 : slopeAfter > 0 ? ((settings.limitPercent - level) / slopeAfter) * HOUR_MS : Infinity;
  const asked = slopeChangeAsked(settings, periods);
  const rising = slopeAfter > 0 && Math.min(slopeAfter, median(slopes.map((s) => s.lately))) - slopeBefore >= asked;
  return {
    kind: rising ? 'rising' : 'steady',
    slopeBefore,
    slopeAfter,
    level,
    msToLimit,
    withinHorizon: rising && msToLimit <= settings.horizonMs,
    brokers,
    asked,
    measuredMs: now - since,
  };
}

/**
 * The slope before a release, known at the release: a flag's baseline keeps its first step's,
 * though the flag's next step may come before that step's watch has its hour of data (its later
 * steps are judged against it). Undefined with no broker measured.
 */
export function slopeBeforeOf(histories: readonly BrokerHistory[], releaseTime: number, settings: HeapTrendSettings): number | undefined {
  const start = Math.floor(releaseTime / settings.periodMs) * settings.periodMs;
  const slopes = histories.flatMap(({ points }) => beforeSlopes(points, start, settings) ?? []);
  return slopes.length > 0 ? pooledBefore(slopes) : undefined;
}

/** A broker's slopes over the window before the release's period `start`, and its recent half; undefined with too few points. */
function beforeSlopes(
  points: readonly WatchPoint[],
  start: number,
  settings: HeapTrendSettings,
): { before: number; recent: number } | undefined {
  const before = slopePerHour(points, start - settings.beforePeriods * settings.periodMs, start);
  if (before === undefined) return undefined;
  return { before, recent: slopePerHour(points, start - (settings.beforePeriods / 2) * settings.periodMs, start) ?? before };
}

/** The slope before, pooled over brokers: the steeper of the window's and its recent half's medians (a climb that began within the window counts in full). */
function pooledBefore(slopes: ReadonlyArray<{ readonly before: number; readonly recent: number }>): number {
  return Math.max(median(slopes.map((s) => s.before)), median(slopes.map((s) => s.recent)));
}

interface Slopes {
  readonly broker: string;
  /** Over the window before the release, and its recent half. */
  readonly before: number;
  readonly recent: number;
  /** Since `since`, and over its recent half. */
  readonly after: number;
  readonly lately: number;
}

/**
 * Each broker's slopes (points per hour), for the brokers with enough points before, since, and in
 * the recent half (a change of slope must hold there: a heap gone dark since cannot show it). The
 * slopes since are net of traffic where `trafficAt` is given.
 */
function brokerSlopes(
  histories: readonly BrokerHistory[],
  start: number,
  since: number,
  now: number,
  settings: HeapTrendSettings,
  trafficAt?: (time: number) => number | undefined,
): Slopes[] {
  const out: Slopes[] = [];
  for (const { broker, points } of histories) {
    const before = beforeSlopes(points, start, settings);
    const after = slopePerHour(points, since, now, trafficAt);
    const lately = slopePerHour(points, since + (now - since) / 2, now, trafficAt);
    if (before === undefined || after === undefined || lately === undefined) continue;
    out.push({ broker, ...before, after, lately });
  }
  return out;
}

/** A broker's level now: the median of its newest points before `now`; undefined with none. */
function levelOf(points: readonly WatchPoint[], now: number): number | undefined {
  const newest = points.filter((p) => p.time < now).slice(-LEVEL_POINTS);
  return newest.length > 0 ? median(newest.map((p) => p.value)) : undefined;
}
