/**
 * The arithmetic a release watch and its calibration share: points in time order, medians over
 * windows, and the pooled log ratio (the median over brokers of observed against expected).
 */
import { InputError } from './errors.ts';

export interface WatchPoint {
  readonly time: number;
  readonly value: number;
}

/** One broker's datapoints of the watched signal, in time order. */
export interface BrokerHistory {
  readonly broker: string;
  readonly points: readonly WatchPoint[];
}

/** The median over brokers of a log value minus its expected level; undefined when fewer than `minBrokerShare` of the brokers with a level report. */
export function pooledOfLogs(
  levels: Readonly<Record<string, number>>,
  logs: ReadonlyArray<{ broker: string; value: number }>,
  minBrokerShare: number,
): number | undefined {
  const ratios: number[] = [];
  for (const { broker, value } of logs) {
    const level = levels[broker];
    if (level !== undefined) ratios.push(value - level);
  }
  const known = Object.keys(levels).length;
  if (ratios.length === 0 || ratios.length < minBrokerShare * known) return undefined;
  return median(ratios);
}

/**
 * The offset each broker's values are scored with: the signal's log offset c keeps a zero finite,
 * but against a level ȳ near it a factor f reads as ln((f·ȳ + c) / (ȳ + c)) < ln f (at ȳ = c, a
 * 2x storm as 1.5x) while the watch's minimum effect and the alarm's factor are in factors: so,
 * for a broker at or over the offset (ȳ = e^level − c ≥ c), the offset is at most
 * `levelOffsetShare` of ȳ (0.1: a 1.5x reads as at least 1.45x). Under it, c: the configured
 * offset is then the signal's noise floor (a growth rate that sits near 0 with an offset of 5),
 * and a smaller one would score its noise as factors.
 */
export function offsetOf(level: number, settings: Pick<ReleaseWatchSettings, 'logOffset' | 'levelOffsetShare'>): number {
  const expected = Math.exp(level) - settings.logOffset;
  return expected >= settings.logOffset ? Math.min(settings.logOffset, settings.levelOffsetShare * expected) : settings.logOffset;
}

/**
 * The pooled log ratio the watch scores: per broker ln(y + c_b) − ln(ȳ + c_b), c_b its offset
 * (`offsetOf`), ȳ its expected value from `levels` (ln(ȳ + c)); the median over brokers, undefined
 * when fewer than `minBrokerShare` of the brokers with a level report.
 */
export function scoredLogRatio(
  levels: Readonly<Record<string, number>>,
  observed: ReadonlyArray<{ readonly broker: string; readonly value: number }>,
  settings: Pick<ReleaseWatchSettings, 'logOffset' | 'levelOffsetShare' | 'minBrokerShare'>,
): number | undefined {
  const ratios: number[] = [];
  for (const { broker, value } of observed) {
    const level = levels[broker];
    if (level === undefined || !Number.isFinite(value)) continue;
    const offset = offsetOf(level, settings);
    if (value + offset > 0) ratios.push(Math.log(value + offset) - Math.log(Math.exp(level) - settings.logOffset + offset));
  }
  const known = Object.keys(levels).length;
  if (ratios.length === 0 || ratios.length < settings.minBrokerShare * known) return undefined;
  return median(ratios);
}

/** Points before `before` as ln(value + offset), skipping what a log cannot take. */
export function logPoints(points: readonly WatchPoint[], settings: Pick<ReleaseWatchSettings, 'logOffset'>, before: number): WatchPoint[] {
  const out: WatchPoint[] = [];
  for (const p of points) {
    if (p.time >= before || !Number.isFinite(p.value) || p.value + settings.logOffset <= 0) continue;
    if (out.length > 0 && p.time <= out.at(-1)!.time)
      throw new InputError({ field: 'histories' }, `points must be in time order: ${p.time} after ${out.at(-1)!.time}`);
    out.push({ time: p.time, value: Math.log(p.value + settings.logOffset) });
  }
  return out;
}

/**
 * A later step of a flag: how far the levels before it (`levels`) stand over those before the
 * flag's first step (`first`): the median over brokers of ln(atFirst(ȳ) + c_b) − ln(ȳ' + c_b), ȳ'
 * the first step's expected value, c_b its offset, `atFirst` a value at the first step's traffic
 * where per unit of traffic (traffic-reference.ts); at least 0 (what fell is not the flag's to be
 * credited with); undefined when fewer than `minBrokerShare` of the first step's brokers have a
 * level now.
 */
export function priorExcess(
  first: Readonly<Record<string, number>>,
  now: Readonly<Record<string, number>>,
  settings: Pick<ReleaseWatchSettings, 'logOffset' | 'levelOffsetShare' | 'minBrokerShare'>,
  atFirst: (value: number) => number = (value) => value,
): number | undefined {
  const observed = Object.entries(now).map(([broker, level]) => ({ broker, value: atFirst(Math.exp(level) - settings.logOffset) }));
  const x = scoredLogRatio(first, observed, settings);
  return x === undefined ? undefined : Math.max(0, x);
}

/** The median of the values with from <= time < to; undefined with fewer than `minPoints`. */
export function medianBetween(points: readonly WatchPoint[], from: number, to: number, minPoints: number): number | undefined {
  const values: number[] = [];
  for (let i = lowerBound(points, from); i < points.length && points[i]!.time < to; i++) values.push(points[i]!.value);
  return values.length >= Math.max(1, minPoints) ? median(values) : undefined;
}

export function pointAt(points: readonly WatchPoint[], time: number): WatchPoint | undefined {
  const i = lowerBound(points, time);
  return points[i]?.time === time ? points[i] : undefined;
}

/** The first index whose time is at or after `time` (points in time order). */
export function lowerBound(points: readonly WatchPoint[], time: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.time < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function quantileSorted(sorted: readonly number[], p: number): number {
  const index = (sorted.length - 1) * p;
  const low = Math.floor(index);
  const high = Math.ceil(index);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (index - low);
}

export interface ReleaseWatchSettings {
  readonly periodMs: number;
  /** Added before the log so that zero stays finite. */
  readonly logOffset: number;
  /** Scored with an offset of at most this share of each broker's expected value (`offsetOf`); Infinity: the log offset as configured. */
  readonly levelOffsetShare: number;
  /** Periods before the release whose median is each broker's expected value. */
  readonly levelPeriods: number;
  /** Horizons (periods after a pseudo-release) the backtest measures the null spread over. */
  readonly calibrationHorizon: number;
  /** Periods between pseudo-releases in the backtest. */
  readonly calibrationStride: number;
  /** Fewer backtest samples than this: the spread is `uncalibratedSd`, a cautious guess. */
  readonly minCalibrationSamples: number;
  readonly uncalibratedSd: number;
  /** No spread below this (log units): nothing is that certain. */
  readonly minSd: number;
  /** CUSUM reference value and threshold, in units of σ. */
  readonly k: number;
  readonly h: number;
  /**
   * The threshold is at least this times the highest CUSUM peak of the backtest's pseudo-releases:
   * a cluster whose recent past would have raised alarms with no release needs more evidence.
   */
  readonly peakMargin: number;
  /** Which of the backtest's peaks sets the threshold: 1 the highest; 0.99 with a long history. */
  readonly peakQuantile: number;
  /**
   * The mean excess since the onset must also be at least this times the largest the backtest's
   * pseudo-releases showed (over `minPeriods` or more): a storm must stand out of the bursts the
   * cluster had lately, and one far bigger than them is caught as fast as on a quiet cluster.
   */
  readonly excessMargin: number;
  /** The smallest mean pooled log ratio since the onset for an alarm (half of ln(minFactor): a 1.5x storm is not missed on a noisy minute). */
  readonly minEffect: number;
  /** Periods from the onset before an alarm: one minute's spike is not a change. */
  readonly minPeriods: number;
  /**
   * An alarm after a single period, in the watch's first `spikePeriods` (a flag's effect is
   * immediate), when that period alone crosses the threshold, is at least the smallest factor
   * worth acting on, and is this many times the largest single period the backtest's
   * pseudo-releases showed in the same horizons. 0: never before `minPeriods`.
   */
  readonly spikeMargin: number;
  readonly spikePeriods: number;
  /** How long after the release its effect must show to the first stage (the CUSUM). */
  readonly watchPeriods: number;
  /** Periods after the release the second stage (watch-sustained.ts) judges it to, unless another release comes first. */
  readonly sustainedPeriods: number;
  /** An excursion that begins later than this after the release is not its effect. */
  readonly onsetTolerancePeriods: number;
  /** Periods just before the release checked for an effect already under way. */
  readonly preexistingPeriods: number;
  /** Share of the brokers with a level that must report in a period for it to count. */
  readonly minBrokerShare: number;
}
