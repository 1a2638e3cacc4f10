/**
 * Heap after GC is a slow signal: it moves with traffic and follows a storm over hours, so a level
 * bump is never a reason to roll back. What is: a trend that starts at the release. Per broker,
 * the least-squares slope (points per hour) in the `beforePeriods` before the release and from the
 * release to now; pooled by the median over brokers. A climb already under way before the release
 * is not the release's: the slope before is the steeper of the whole window's and its recent half's
 * (a trend that began within the window, after an earlier release, counts in full). A level bump
 * is not a climb: the change of slope must hold over the whole window since the release and over
 * its recent half (a surge that came and went leaves a slope over the whole window, and none since).
 * The release's heap excess is the change of slope; `msToLimit` is when the pooled level (the
 * median of the newest points) reaches the limit at the slope since the release.
 */
import { type BrokerHistory, lowerBound, median, type WatchPoint } from './watch-points.ts';

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
}

const HOUR_MS = 3_600_000;
/** Points whose median is the heap's current level. */
const LEVEL_POINTS = 10;

/**
 * The heap trend of a release at `releaseTime`, seen at `now`, from each broker's heap points
 * (before and after). The slope after is measured from `from` (the release, or later: where what
 * came before it is not the release's to answer for, such as a traffic surge).
 */
export function heapTrend(
  histories: readonly BrokerHistory[],
  releaseTime: number,
  now: number,
  settings: HeapTrendSettings,
  from = releaseTime,
): HeapTrend {
  const start = Math.floor(releaseTime / settings.periodMs) * settings.periodMs;
  const since = Math.max(start, from);
  if (now - since < settings.minAfterPeriods * settings.periodMs) return { kind: 'too-early', withinHorizon: false };
  const before: number[] = [];
  const recent: number[] = [];
  const after: number[] = [];
  const lately: number[] = [];
  const levels: number[] = [];
  for (const { points } of histories) {
    const b = slopePerHour(points, start - settings.beforePeriods * settings.periodMs, start);
    const a = slopePerHour(points, since, now);
    if (b === undefined || a === undefined) continue;
    before.push(b);
    recent.push(slopePerHour(points, start - (settings.beforePeriods / 2) * settings.periodMs, start) ?? b);
    after.push(a);
    lately.push(slopePerHour(points, since + (now - since) / 2, now) ?? a);
    levels.push(
      median(
        points
          .filter((p) => p.time < now)
          .slice(-LEVEL_POINTS)
          .map((p) => p.value),
      ),
    );
  }
  if (after.length === 0) return { kind: 'too-early', withinHorizon: false };
  const slopeBefore = Math.max(median(before), median(recent));
  const slopeAfter = median(after);
  const level = median(levels);
  const msToLimit =
    level >= settings.limitPercent ? 0 : slopeAfter > 0 ? ((settings.limitPercent - level) / slopeAfter) * HOUR_MS : Infinity;
  const rising = slopeAfter > 0 && Math.min(slopeAfter, median(lately)) - slopeBefore >= settings.minSlopeChange;
  return {
    kind: rising ? 'rising' : 'steady',
    slopeBefore,
    slopeAfter,
    level,
    msToLimit,
    withinHorizon: rising && msToLimit <= settings.horizonMs,
  };
}

/** Least-squares slope in points per hour of the points with from <= time < to; undefined with fewer than 10. */
function slopePerHour(points: readonly WatchPoint[], from: number, to: number): number | undefined {
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = lowerBound(points, from); i < points.length && points[i]!.time < to; i++) {
    const x = (points[i]!.time - from) / HOUR_MS;
    const y = points[i]!.value;
    n++;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const denominator = n * sxx - sx * sx;
  return n >= 10 && denominator > 0 ? (n * sxy - sx * sy) / denominator : undefined;
}
