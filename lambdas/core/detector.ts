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
import { StormguardError } from './errors.ts';
import type { GuardrailConfig, SignalConfig } from './config.ts';
import { alphaForHalfLife, type Ewma, newEwma, updateEwma, warmingAlpha } from './ewma.ts';
import { newScoringState, QUIET_PERIODS, type ScoringSettings, type ScoringState, scoreOf, scorePoint } from './likelihood.ts';

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
  /** How the anomaly score is calibrated (lambdas/core/likelihood.ts). */
  readonly scoring: ScoringSettings;
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

/** Log-space standard deviation floor: 5% fluctuations are never surprising. */
const LOG_MIN_SD = 0.05;
/** Linear-scale floor, in the series' units (percentage points for heap). */
const LINEAR_MIN_SD = 0.5;
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

/** A value in the units the detector scores: the log for rates and counts (they move by factors), as is for percentages. */
export function scaled(settings: Pick<DetectorSettings, 'logScale' | 'logOffset'>, value: number): number {
  return settings.logScale ? Math.log(value + settings.logOffset) : value;
}

/** Rates and counts move by factors, not by sums: they are scored in log space. */
export function isLogScale(kind: SignalConfig['kind']): boolean {
  return kind !== 'percent';
}

/** Detector settings for a configured signal. */
export function detectorSettings(signal: SignalConfig, detector: GuardrailConfig['detector'], periodMs: number): DetectorSettings {
  const logScale = isLogScale(signal.kind);
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
    scoring: {
      extraAlphas: detector.extraHalfLives.map(alphaForHalfLife),
      seasonPeriods: detector.seasonPeriods,
      likelihoodAlpha: alphaForHalfLife(detector.likelihoodHalfLife),
      quietPeriods: detector.quietPeriods,
    },
  };
}

/** How a series of unknown meaning is scored: as a rate, count or percentage, or `auto`. */
export type SeriesKind = SignalConfig['kind'] | 'auto';

/**
 * Settings for a series whose meaning is unknown (`stormguard detect`, the NAB benchmark): a slow
 * baseline with a faster one beside it, a daily seasonal baseline when the series spans days, no
 * floor but a sliver of its range, and no smallest effect. `auto` scores a series with no
 * negative value in log space, as the guardrail scores rates and counts: most metrics of systems
 * are counts, rates or utilisations, and move by factors. Chosen on NAB (docs/benchmarks.md).
 */
export function settingsForSeries(
  series: { readonly times: readonly number[]; readonly values: readonly number[] },
  options: { kind: SeriesKind; direction: SignalConfig['direction'] },
): DetectorSettings {
  const { times, values } = series;
  const periodMs = medianSpacing(times);
  const spansDays = times.length > 0 && times.at(-1)! - times[0]! >= SEASON_MIN_CYCLES * DAY_MS;
  const logScale = options.kind === 'auto' ? values.every((value) => value >= 0) : isLogScale(options.kind);
  return {
    periodMs,
    logScale,
    logOffset: 1,
    alpha: alphaForHalfLife(SERIES_HALF_LIFE),
    warmupPeriods: 30,
    confirmPeriods: 2,
    zThreshold: 4,
    minEffect: 0,
    minSd: 1e-9,
    direction: options.direction === 'up' ? 1 : options.direction === 'down' ? -1 : 0,
    scoring: {
      extraAlphas: [alphaForHalfLife(SERIES_FAST_HALF_LIFE)],
      seasonPeriods: spansDays ? Math.round(DAY_MS / periodMs) : 0,
      likelihoodAlpha: alphaForHalfLife(1000),
      quietPeriods: QUIET_PERIODS,
    },
  };
}

const SERIES_HALF_LIFE = 1000;
const SERIES_FAST_HALF_LIFE = 100;
const SEASON_MIN_CYCLES = 3;
const DAY_MS = 86_400_000;

function medianSpacing(times: readonly number[]): number {
  const spacings = times
    .slice(1)
    .map((t, i) => t - times[i]!)
    .filter((s) => s > 0)
    .sort((a, b) => a - b);
  return spacings[spacings.length >> 1] ?? 60_000;
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
  // Consecutive periods (the common case) have no gap to count.
  if (state.lastTime !== null && time - state.lastTime > settings.periodMs) counts.gaps += missingPeriods(time - state.lastTime, settings.periodMs);
  state.lastTime = time;
  counts.points++;

  const y = scaled(settings, value);
  if (state.low === null || y < state.low) state.low = y;
  if (state.high === null || y > state.high) state.high = y;
  const { baseline } = state;
  if (baseline.n < settings.warmupPeriods) {
    // Until warm, weigh every point equally: the first points set the baseline, not the first one.
    updateEwma(baseline, y - baseline.mean, warmingAlpha(settings.alpha, baseline.n));
    state.run = 0;
    return result(state, settings, time, value, y, 0, Math.sqrt(Math.max(baseline.variance, settings.minSd * settings.minSd)), Number.NaN, false, false, true);
  }

  const minSd = Math.max(settings.minSd, RANGE_SD_FRACTION * (state.high - state.low));
  const sd = Math.sqrt(Math.max(baseline.variance, minSd * minSd));
  const deviation = y - baseline.mean;
  const z = deviation / sd;
  const directed = settings.direction === 0 ? Math.abs(z) : settings.direction * z;
  const anomalous = directed >= settings.zThreshold && directed * sd >= settings.minEffect;
  state.run = anomalous ? state.run + 1 : 0;
  state.scoring ??= newScoringState(settings.scoring);
  const periodIndex = settings.scoring.seasonPeriods > 0 ? Math.round(time / settings.periodMs) : 0;
  const standardized = scorePoint(state.scoring, settings.scoring, periodIndex, y, Math.max(0, directed), baseline.variance, minSd, settings.warmupPeriods, settings.zThreshold);
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
export function scoreSeries(settings: DetectorSettings, points: ReadonlyArray<{ time: number; value: number }>): { scores: number[]; counts: DetectorCounts } {
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
  return new ScoredPoint(time, value, y, state.baseline.mean, sd * settings.zThreshold, settings.logScale, settings.logOffset, z, standardized, quieted, anomalous, confirmed, warmingUp);
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

/** Whether each configured signal is scored in log space; an unknown signal is a bug, named. */
export function logScaleOf(config: Pick<GuardrailConfig, 'signals'>): (signal: string) => boolean {
  const scales = new Map(config.signals.map((s) => [s.name, isLogScale(s.kind)]));
  return (signal) => {
    const logScale = scales.get(signal);
    if (logScale === undefined) throw new StormguardError('UNKNOWN_SIGNAL', `signal ${signal} is not configured (configured: ${[...scales.keys()].join(', ')})`);
    return logScale;
  };
}
