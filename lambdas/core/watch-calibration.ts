/**
 * The release watch's calibration: its own predictor (each broker's median over the level window)
 * backtested from pseudo-releases before the release, on the cluster's own recent past. It gives
 * the null spread of the pooled log ratio at each horizon, the highest CUSUM peak and the largest
 * excursion the cluster showed with no release, and the largest single period: how much evidence
 * this cluster's noise can fake; and whether an effect was already under way before the release. Also the false-alarm rate the CUSUM's constants state for
 * independent normal evidence (Siegmund's approximation): what they promise, not what real
 * traffic does (bench/guard/RESULTS.md measures that).
 */
import { InputError } from './errors.ts';
import { medianBetween, pointAt, pooledOfLogs, quantileSorted, type ReleaseWatchSettings, type WatchPoint } from './watch-points.ts';
import { largestSustainedMean } from './watch-sustained.ts';

export interface Calibration {
  readonly sd: number;
  readonly sdByHorizon: number[];
  readonly samples: number;
  /** The highest CUSUM statistic of a pseudo-release (at the peak quantile). */
  readonly peak: number;
  /** The largest mean pooled log ratio over `minPeriods` or more of an excursion. */
  readonly excess: number;
  /** The largest pooled log ratio of any one period within `spikePeriods` of a pseudo-release. */
  readonly spike: number;
  /** The largest mean of the second stage's lengths (watch-sustained.ts); undefined with fewer than MIN_HORIZON_SAMPLES pseudo-releases that long. */
  readonly sustained?: number;
}

/**
 * The null spread of the pooled log ratio: the watch's own predictor (each broker's median over
 * the level window) backtested from pseudo-releases before the release, over the horizons a
 * decision is made in. σ = q90(|x|) / 1.645.
 */
export function calibrate(
  histories: ReadonlyArray<{ broker: string; points: readonly WatchPoint[] }>,
  start: number,
  settings: ReleaseWatchSettings,
  otherReleases: readonly number[] = [],
): Calibration {
  const runs = backtest(histories, start, settings, otherReleases);
  const known = (run: ReadonlyArray<number | undefined>) => run.filter((x): x is number => x !== undefined);
  const deviations = runs
    .flatMap(known)
    .map(Math.abs)
    .sort((a, b) => a - b);
  if (deviations.length < settings.minCalibrationSamples) {
    const guess = Math.max(settings.minSd, settings.uncalibratedSd);
    return { sd: guess, sdByHorizon: [guess], samples: 0, peak: 0, excess: 0, spike: 0 };
  }
  const spread = (values: number[]) =>
    Math.max(
      settings.minSd,
      quantileSorted(
        values.sort((a, b) => a - b),
        0.9,
      ) / Q90_OF_ABS_NORMAL,
    );
  const sd = spread(deviations);
  const sdByHorizon: number[] = [];
  for (let h = 0; h < settings.calibrationHorizon; h++) {
    const at = known(runs.map((run) => run[h])).map(Math.abs);
    // Too few at a horizon: the overall spread. Never less than at a nearer horizon.
    const own = at.length >= MIN_HORIZON_SAMPLES ? spread(at) : sd;
    sdByHorizon.push(Math.max(own, sdByHorizon.at(-1) ?? 0));
  }
  const excursions = runs.map((run) => excursionOf(run, sdByHorizon, settings));
  const peaks = excursions.map((e) => e.peak).sort((a, b) => a - b);
  const excess = Math.max(0, ...excursions.map((e) => e.excess));
  const spike = Math.max(0, ...runs.flatMap((run) => known(run.slice(0, settings.spikePeriods))));
  const sustained = sustainedOf(histories, start, settings, otherReleases);
  return {
    sd,
    sdByHorizon,
    samples: deviations.length,
    peak: peaks.length > 0 ? quantileSorted(peaks, settings.peakQuantile) : 0,
    excess,
    spike,
    ...(sustained !== undefined ? { sustained } : {}),
  };
}

/** B of watch-sustained.ts: the largest mean of the second stage's lengths over pseudo-releases that long. */
function sustainedOf(
  histories: ReadonlyArray<{ broker: string; points: readonly WatchPoint[] }>,
  start: number,
  settings: ReleaseWatchSettings,
  otherReleases: readonly number[],
): number | undefined {
  if (settings.sustainedPeriods <= settings.watchPeriods) return undefined;
  const runs = backtest(histories, start, { ...settings, calibrationHorizon: settings.sustainedPeriods }, otherReleases);
  if (runs.length < MIN_HORIZON_SAMPLES) return undefined;
  return Math.max(0, ...runs.map((run) => largestSustainedMean(run, settings)));
}

/** Fewer backtest samples than this at one horizon: its spread is the overall one. */
const MIN_HORIZON_SAMPLES = 10;

/** Per pseudo-release before `start`, the pooled log ratios at each horizon, the watch's predictor applied to the past. */
function backtest(
  histories: ReadonlyArray<{ broker: string; points: readonly WatchPoint[] }>,
  start: number,
  settings: ReleaseWatchSettings,
  otherReleases: readonly number[],
): Array<Array<number | undefined>> {
  const { periodMs, levelPeriods, calibrationHorizon, calibrationStride } = settings;
  const earliest = Math.min(...histories.map((h) => h.points[0]?.time ?? Infinity));
  const runs: Array<Array<number | undefined>> = [];
  for (
    let pseudo = start - calibrationHorizon * periodMs;
    pseudo - levelPeriods * periodMs >= earliest;
    pseudo -= calibrationStride * periodMs
  ) {
    const from = pseudo - levelPeriods * periodMs;
    const to = pseudo + calibrationHorizon * periodMs;
    if (otherReleases.some((time) => time >= from && time < to)) continue;
    const levels: Record<string, number> = {};
    for (const h of histories) {
      const level = medianBetween(h.points, pseudo - levelPeriods * periodMs, pseudo, levelPeriods / 2);
      if (level !== undefined) levels[h.broker] = level;
    }
    const run: Array<number | undefined> = [];
    for (let step = 0; step < calibrationHorizon; step++) {
      const time = pseudo + step * periodMs;
      const observed = histories.flatMap((h) => {
        const point = pointAt(h.points, time);
        return point ? [{ broker: h.broker, value: point.value }] : [];
      });
      run.push(pooledOfLogs(levels, observed, settings.minBrokerShare));
    }
    runs.push(run);
  }
  return runs;
}

/**
 * Over a run of pooled log ratios (a missing period adds nothing): the highest CUSUM statistic,
 * and the largest mean log ratio of an excursion over `minPeriods` or more periods.
 */
function excursionOf(
  run: ReadonlyArray<number | undefined>,
  sdByHorizon: readonly number[],
  settings: Pick<ReleaseWatchSettings, 'k' | 'minPeriods'>,
): { peak: number; excess: number } {
  let statistic = 0;
  let peak = 0;
  let excess = 0;
  let sum = 0;
  let count = 0;
  run.forEach((x, h) => {
    if (x === undefined) return;
    statistic = Math.max(0, statistic + x / sdByHorizon[Math.min(h, sdByHorizon.length - 1)]! - settings.k);
    if (statistic === 0) {
      sum = 0;
      count = 0;
      return;
    }
    sum += x;
    count++;
    peak = Math.max(peak, statistic);
    if (count >= settings.minPeriods) excess = Math.max(excess, sum / count);
  });
  return { peak, excess };
}

/** The 0.9 quantile of |Z| for standard normal Z: q90(|x|) / this is σ for Gaussian noise. */
const Q90_OF_ABS_NORMAL = 1.6449;

/**
 * The chance of a false alarm within one watch, for independent standard normal evidence:
 * 1 − exp(−N / ARL0), ARL0 by Siegmund's approximation. What the constants promise; the
 * measured rate on real textures is the one to trust.
 */
export function statedFalseAlarmRate(settings: Pick<ReleaseWatchSettings, 'k' | 'h' | 'watchPeriods'>): number {
  return 1 - Math.exp(-settings.watchPeriods / siegmundArl(settings.k, settings.h));
}

/** Siegmund's approximation of the one-sided CUSUM's in-control average run length (N(0,1) data, reference k, threshold h). */
export function siegmundArl(k: number, h: number): number {
  if (!(k > 0) || !(h > 0)) throw new InputError({ field: 'k, h' }, `expected positive CUSUM constants, got k ${k}, h ${h}`);
  const b = h + 1.166;
  return (Math.exp(2 * k * b) - 1 - 2 * k * b) / (2 * k * k);
}

/** An effect already under way must also stand out of the noise by this many σ. */
const PREEXISTING_SDS = 2;

/** Was the signal already off its level in the periods just before the release? */
export function preexisting(
  histories: ReadonlyArray<{ broker: string; points: readonly WatchPoint[] }>,
  start: number,
  sd: number,
  settings: ReleaseWatchSettings,
): boolean {
  const { periodMs, levelPeriods, preexistingPeriods } = settings;
  if (preexistingPeriods <= 0) return false;
  const recentFrom = start - preexistingPeriods * periodMs;
  const levels: Record<string, number> = {};
  const recent: Array<{ broker: string; value: number }> = [];
  for (const h of histories) {
    const level = medianBetween(h.points, recentFrom - levelPeriods * periodMs, recentFrom, levelPeriods / 2);
    const now = medianBetween(h.points, recentFrom, start, Math.ceil(preexistingPeriods / 2));
    if (level === undefined || now === undefined) continue;
    levels[h.broker] = level;
    recent.push({ broker: h.broker, value: now });
  }
  const x = pooledOfLogs(levels, recent, settings.minBrokerShare);
  return x !== undefined && x >= settings.minEffect && x >= PREEXISTING_SDS * sd;
}
