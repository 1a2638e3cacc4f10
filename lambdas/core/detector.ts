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
import { type DetectorSettings, scaled } from './detector-settings.ts';
import { type Ewma, newEwma, updateEwma, warmingAlpha } from './ewma.ts';
import { newScoringState, type ScoringState, scoreOf, scorePoint } from './likelihood.ts';

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
  /** The baseline: the scored values' EWMA mean and variance, and how many points it has seen. */
  baseline: Ewma;
  lastTime: number | null;
  /** Consecutive anomalous points so far. */
  run: number;
  /** The lowest and highest scored values seen: no standard deviation is below a sliver of the range. */
  low: number | null;
  high: number | null;
  /** The anomaly score's own state, from the end of the warm-up. */
  scoring: ScoringState | null;
  counts: DetectorCounts;
}

export interface PointScore {
  readonly time: number;
  readonly value: number;
  /** The baseline in the series' own units. */
  readonly baseline: number;
  /** value over baseline (log scale) or value minus baseline (linear scale). */
  readonly effect: number;
  /** The band within which a point is not anomalous: baseline ± zThreshold standard deviations, in the series' units. */
  readonly band: readonly [number, number];
  readonly z: number;
  readonly score: number;
  readonly anomalous: boolean;
  /** Anomalous for `confirmPeriods` consecutive points. */
  readonly confirmed: boolean;
  readonly warmingUp: boolean;
}

/** How much an anomalous point moves the mean, relative to a normal one. */
const ANOMALY_WEIGHT = 0.1;
/** No standard deviation below this fraction of the range seen: makes z scale-free on any series. */
const RANGE_SD_FRACTION = 0.001;

export function newDetectorState(): DetectorState {
  return {
    baseline: newEwma(),
    lastTime: null,
    run: 0,
    low: null,
    high: null,
    scoring: null,
    counts: { points: 0, gaps: 0, duplicates: 0, outOfOrder: 0, invalid: 0 },
  };
}

/**
 * Scores one point and updates the state in place. Returns undefined for a point that is skipped
 * (duplicate, out of order, invalid); the state's counts say why.
 */
export function observe(state: DetectorState, settings: DetectorSettings, time: number, value: number): PointScore | undefined {
  if (!accepted(state, settings, time, value)) return undefined;
  const y = scaled(settings, value);
  if (state.low === null || y < state.low) state.low = y;
  if (state.high === null || y > state.high) state.high = y;
  const { baseline } = state;
  if (baseline.n < settings.warmupPeriods) {
    // Until warm, weigh every point equally: the first points set the baseline, not the first one.
    updateEwma(baseline, y - baseline.mean, warmingAlpha(settings.alpha, baseline.n));
    state.run = 0;
    const sd = Math.sqrt(Math.max(baseline.variance, settings.minSd * settings.minSd));
    return result(state, settings, time, value, y, 0, sd, Number.NaN, false, false, true);
  }
  return scoreWarm(state, settings, time, value, y);
}

/** Counts the point, or why it is skipped (duplicate, out of order, invalid); true when it is scored. */
function accepted(state: DetectorState, settings: DetectorSettings, time: number, value: number): boolean {
  const skipped = skipReason(state, settings, time, value);
  if (skipped) {
    state.counts[skipped]++;
    return false;
  }
  const { counts } = state;
  // Consecutive periods (the common case) have no gap to count.
  if (state.lastTime !== null && time - state.lastTime > settings.periodMs)
    counts.gaps += missingPeriods(time - state.lastTime, settings.periodMs);
  state.lastTime = time;
  counts.points++;
  return true;
}

function skipReason(
  state: DetectorState,
  settings: DetectorSettings,
  time: number,
  value: number,
): 'duplicates' | 'outOfOrder' | 'invalid' | undefined {
  if (state.lastTime !== null && time === state.lastTime) return 'duplicates';
  if (state.lastTime !== null && time < state.lastTime) return 'outOfOrder';
  if (!Number.isFinite(value) || (settings.logScale && value < 0)) return 'invalid';
  return undefined;
}

/** Scores a point against a warm baseline, then updates the baseline. */
function scoreWarm(state: DetectorState, settings: DetectorSettings, time: number, value: number, y: number): PointScore {
  const { baseline } = state;
  const minSd = Math.max(settings.minSd, RANGE_SD_FRACTION * (state.high! - state.low!));
  const sd = Math.sqrt(Math.max(baseline.variance, minSd * minSd));
  const deviation = y - baseline.mean;
  const z = deviation / sd;
  const directed = settings.direction === 0 ? Math.abs(z) : settings.direction * z;
  const anomalous = directed >= settings.zThreshold && directed * sd >= settings.minEffect;
  state.run = anomalous ? state.run + 1 : 0;
  state.scoring ??= newScoringState(settings.scoring);
  const periodIndex = settings.scoring.seasonPeriods > 0 ? Math.round(time / settings.periodMs) : 0;
  const standardized = scorePoint(
    state.scoring,
    settings.scoring,
    periodIndex,
    y,
    Math.max(0, directed),
    baseline.variance,
    minSd,
    settings.warmupPeriods,
    settings.zThreshold,
  );
  const scored = result(state, settings, time, value, y, z, sd, standardized, state.scoring.quieted, anomalous, false);
  const limit = settings.zThreshold * sd;
  const clipped = Math.max(-limit, Math.min(limit, deviation));
  if (anomalous) {
    // An anomaly nudges the mean and leaves the variance alone: a storm must not widen the band
    // that judges it, nor become the baseline within minutes. A lasting shift is learned in hours.
    baseline.mean += settings.alpha * ANOMALY_WEIGHT * clipped;
    baseline.n++;
  } else {
    updateEwma(baseline, clipped, settings.alpha);
  }
  return scored;
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
export function scoreSeries(
  settings: DetectorSettings,
  points: ReadonlyArray<{ time: number; value: number }>,
): { scores: number[]; counts: DetectorCounts } {
  const state = newDetectorState();
  const scores = points.map((point) => observe(state, settings, point.time, point.value)?.score ?? 0);
  return { scores, counts: state.counts };
}

/** The baseline in the series' own units. */
export function baselineOf(state: DetectorState, settings: DetectorSettings): number {
  return settings.logScale ? Math.exp(state.baseline.mean) - settings.logOffset : state.baseline.mean;
}

function result(
  state: DetectorState,
  settings: DetectorSettings,
  time: number,
  value: number,
  y: number,
  z: number,
  sd: number,
  standardized: number,
  quieted: boolean,
  anomalous: boolean,
  warmingUp: boolean,
): PointScore {
  const confirmed = anomalous && state.run >= settings.confirmPeriods;
  return new ScoredPoint(
    time,
    value,
    y,
    state.baseline.mean,
    sd * settings.zThreshold,
    settings.logScale,
    settings.logOffset,
    z,
    standardized,
    quieted,
    anomalous,
    confirmed,
    warmingUp,
  );
}

/** A point's score; baseline, effect and score (an exponential or a logarithm each) are computed only when read. */
class ScoredPoint implements PointScore {
  constructor(
    readonly time: number,
    readonly value: number,
    private readonly scored: number,
    private readonly mean: number,
    private readonly halfWidth: number,
    private readonly logScale: boolean,
    private readonly logOffset: number,
    readonly z: number,
    private readonly standardized: number,
    private readonly quieted: boolean,
    readonly anomalous: boolean,
    readonly confirmed: boolean,
    readonly warmingUp: boolean,
  ) {}

  get score(): number {
    return scoreOf(this.standardized, this.quieted);
  }

  get baseline(): number {
    return this.logScale ? Math.exp(this.mean) - this.logOffset : this.mean;
  }

  get band(): readonly [number, number] {
    const [low, high] = [this.mean - this.halfWidth, this.mean + this.halfWidth];
    return this.logScale ? [Math.exp(low) - this.logOffset, Math.exp(high) - this.logOffset] : [low, high];
  }

  get effect(): number {
    return this.logScale ? Math.exp(this.scored - this.mean) : this.scored - this.mean;
  }
}

function missingPeriods(elapsedMs: number, periodMs: number): number {
  return Math.max(0, Math.round(elapsedMs / periodMs) - 1);
}
