/**
 * The detector: an online EWMA mean and variance per series, z-scores against it, and an anomaly
 * score in [0, 1] for every point.
 *
 * Rates and counts are scored in log space, because they move by factors: twice the baseline on a
 * quiet hour and twice at peak are the same news. Points far from the baseline are clipped before
 * they update it, and anomalous points barely move it, so a storm does not become the new normal
 * within minutes.
 *
 * The state is a plain JSON object (a Lambda keeps it between runs) and is updated in place:
 * feeding N points at once is the same loop as feeding them one at a time. Duplicate, out-of-order,
 * non-finite and (in log space) negative values are counted and skipped, never thrown.
 *
 * Cost: O(1) time and memory per point.
 */
import { errorFunction } from 'simple-statistics';
import type { SignalConfig } from './config.ts';

export interface DetectorSettings {
  readonly periodMs: number;
  /** Score ln(value + logOffset) instead of the value. */
  readonly logScale: boolean;
  readonly logOffset: number;
  /** EWMA weight of the newest point. */
  readonly alpha: number;
  readonly warmupPeriods: number;
  readonly confirmPeriods: number;
  readonly zThreshold: number;
  /** Smallest distance from the baseline, in scored units, that counts as anomalous. */
  readonly minEffect: number;
  /** Floor of the standard deviation, in scored units: a flat series is not infinitely sure. */
  readonly minSd: number;
  /** 1: only rises are anomalous; -1: only falls; 0: both. */
  readonly direction: 1 | -1 | 0;
}

export interface DetectorCounts {
  points: number;
  /** Periods that had no point between two points. */
  gaps: number;
  duplicates: number;
  outOfOrder: number;
  /** NaN, infinite, or negative where the scale is logarithmic. */
  invalid: number;
}

export interface DetectorState {
  n: number;
  mean: number;
  variance: number;
  lastTime: number | null;
  /** Consecutive anomalous points so far. */
  run: number;
  counts: DetectorCounts;
}

export interface PointScore {
  readonly time: number;
  readonly value: number;
  /** The baseline in the series' own units. */
  readonly baseline: number;
  /** value over baseline (log scale) or value minus baseline (linear scale). */
  readonly effect: number;
  readonly z: number;
  readonly score: number;
  readonly anomalous: boolean;
  /** Anomalous for `confirmPeriods` consecutive points. */
  readonly confirmed: boolean;
  readonly warmingUp: boolean;
}

/** Log-space standard deviation floor: 5% fluctuations are never surprising. */
const LOG_MIN_SD = 0.05;
/** Linear-scale floor, in the series' units (percentage points for heap). */
const LINEAR_MIN_SD = 0.5;
/** How much an anomalous point moves the mean, relative to a normal one. */
const ANOMALY_WEIGHT = 0.1;

export function newDetectorState(): DetectorState {
  return {
    n: 0,
    mean: 0,
    variance: 0,
    lastTime: null,
    run: 0,
    counts: { points: 0, gaps: 0, duplicates: 0, outOfOrder: 0, invalid: 0 },
  };
}

/** Detector settings for a configured signal. */
export function detectorSettings(
  signal: SignalConfig,
  detector: { halfLifePeriods: number; warmupPeriods: number; confirmPeriods: number },
  periodMs: number,
): DetectorSettings {
  const logScale = signal.kind !== 'percent';
  return {
    periodMs,
    logScale,
    logOffset: signal.logOffset,
    alpha: alphaForHalfLife(detector.halfLifePeriods),
    warmupPeriods: detector.warmupPeriods,
    confirmPeriods: detector.confirmPeriods,
    zThreshold: signal.zThreshold,
    minEffect: logScale ? Math.log(signal.minFactor) : signal.minChange,
    minSd: signal.minSd ?? (logScale ? LOG_MIN_SD : LINEAR_MIN_SD),
    direction: signal.direction === 'up' ? 1 : signal.direction === 'down' ? -1 : 0,
  };
}

/** The EWMA weight whose influence halves every `halfLife` points. */
export function alphaForHalfLife(halfLife: number): number {
  return 1 - Math.pow(0.5, 1 / halfLife);
}

/**
 * Scores one point and updates the state in place. Returns undefined for a point that is skipped
 * (duplicate, out of order, invalid); the state's counts say why.
 */
export function observe(
  state: DetectorState,
  settings: DetectorSettings,
  time: number,
  value: number,
): PointScore | undefined {
  const { counts } = state;
  if (state.lastTime !== null) {
    if (time === state.lastTime) return void counts.duplicates++;
    if (time < state.lastTime) return void counts.outOfOrder++;
  }
  if (!Number.isFinite(value) || (settings.logScale && value < 0)) return void counts.invalid++;
  if (state.lastTime !== null) counts.gaps += missingPeriods(time - state.lastTime, settings.periodMs);
  state.lastTime = time;
  counts.points++;

  const y = settings.logScale ? Math.log(value + settings.logOffset) : value;
  if (state.n < settings.warmupPeriods) {
    // Until warm, weigh every point equally: the first points set the baseline, not the first one.
    updateBaseline(state, y, Math.max(settings.alpha, 1 / (state.n + 1)));
    state.n++;
    state.run = 0;
    return score(state, settings, time, value, y, 0, false, true);
  }

  const sd = Math.sqrt(Math.max(state.variance, settings.minSd * settings.minSd));
  const deviation = y - state.mean;
  const z = deviation / sd;
  const directed = settings.direction === 0 ? Math.abs(z) : settings.direction * z;
  const anomalous = directed >= settings.zThreshold && directed * sd >= settings.minEffect;
  state.run = anomalous ? state.run + 1 : 0;
  const result = score(state, settings, time, value, y, z, anomalous, false);
  const limit = settings.zThreshold * sd;
  const clipped = Math.max(-limit, Math.min(limit, deviation));
  if (anomalous) {
    // An anomaly nudges the mean and leaves the variance alone: a storm must not widen the band
    // that judges it, nor become the baseline within minutes. A lasting shift is learned in hours.
    state.mean += settings.alpha * ANOMALY_WEIGHT * clipped;
  } else {
    updateBaseline(state, state.mean + clipped, settings.alpha);
  }
  state.n++;
  return result;
}

/** Feeds points in order; the same as calling `observe` for each. */
export function observeAll(
  state: DetectorState,
  settings: DetectorSettings,
  points: ReadonlyArray<{ time: number; value: number }>,
): PointScore[] {
  const scores: PointScore[] = [];
  for (const point of points) {
    const scored = observe(state, settings, point.time, point.value);
    if (scored) scores.push(scored);
  }
  return scores;
}

/**
 * Scores a whole series from a fresh state: one score per input point, 0 for the points the
 * detector skips (duplicate, out of order, invalid). What `stormguard detect` and the NAB
 * benchmark write.
 */
export function scoreSeries(settings: DetectorSettings, points: ReadonlyArray<{ time: number; value: number }>): { scores: number[]; counts: DetectorCounts } {
  const state = newDetectorState();
  const scores = points.map((point) => observe(state, settings, point.time, point.value)?.score ?? 0);
  return { scores, counts: state.counts };
}

/** The baseline in the series' own units. */
export function baselineOf(state: DetectorState, settings: DetectorSettings): number {
  return settings.logScale ? Math.exp(state.mean) - settings.logOffset : state.mean;
}

function score(
  state: DetectorState,
  settings: DetectorSettings,
  time: number,
  value: number,
  y: number,
  z: number,
  anomalous: boolean,
  warmingUp: boolean,
): PointScore {
  const directed = settings.direction === 0 ? Math.abs(z) : settings.direction * z;
  return {
    time,
    value,
    baseline: baselineOf(state, settings),
    effect: settings.logScale ? Math.exp(y - state.mean) : y - state.mean,
    z,
    // The probability mass of a normal within ±|z|: 0 at the mean, towards 1 far from it.
    score: directed > 0 ? errorFunction(directed / Math.SQRT2) : 0,
    anomalous,
    confirmed: anomalous && state.run >= settings.confirmPeriods,
    warmingUp,
  };
}

/** Finch's incremental EWMA mean and variance ("Incremental calculation of weighted mean and variance", 2009). */
function updateBaseline(state: DetectorState, y: number, alpha: number): void {
  const diff = y - state.mean;
  const increment = alpha * diff;
  state.mean += increment;
  state.variance = (1 - alpha) * (state.variance + diff * increment);
}

function missingPeriods(elapsedMs: number, periodMs: number): number {
  return Math.max(0, Math.round(elapsedMs / periodMs) - 1);
}
