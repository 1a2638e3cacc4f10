/**
 * The anomaly score: how unusual a point is, calibrated so that one threshold means about the
 * same on every series (NAB picks one threshold for a whole corpus; an operator sets one for a fleet).
 *
 * Three steps, each for a reason measured on NAB (docs/benchmarks.md):
 * 1. Explained deviation. A point is only as surprising as the best baseline makes it: besides
 *    the detector's own, other level baselines (`extraHalfLives`) and a seasonal one (the same
 *    phase of earlier cycles, `seasonPeriods`) may each explain it; the smallest |z| counts.
 *    A daily swing, or a level the fast baseline has not caught up with, is then not news.
 * 2. Likelihood, on two time scales. The deviation's recent average (half-life one point: a lone
 *    outlier counts half, two in a row in full) against the deviation's long-run distribution
 *    (Gaussian tail), as Numenta's anomaly likelihood does with its raw scores; and its sustained
 *    average (half-life 30 points) against that average's own long-run distribution, so that a
 *    moderate deviation that lasts is news too. The more unlikely of the two counts, log-scaled
 *    so that 0.999 and 0.999999 stay apart: score = ln(1 − p) / ln(1e-10), clamped to [0, 1].
 * 3. Quiet period. After a score at or above ALERT_LEVEL, the next `quietPeriods` points score
 *    below it: a run of anomalies is one event, and only its onset is news.
 *
 * The state is plain JSON, updated in place. Cost: O(extra baselines) per point; O(seasonPeriods)
 * memory when seasonal.
 */
import { errorFunction } from 'simple-statistics';
import { alphaForHalfLife, type Ewma, newEwma, updateEwma, warmingAlpha } from './ewma.ts';

export interface ScoringSettings {
  /** EWMA weights of extra level baselines that may explain a point. */
  readonly extraAlphas: readonly number[];
  /** The season in periods (1440 for a day of minutes); 0: no seasonal baseline. */
  readonly seasonPeriods: number;
  /** EWMA weight of the deviation's long-run distribution. */
  readonly likelihoodAlpha: number;
  /** Points after a high score that score below it. */
  readonly quietPeriods: number;
  /**
   * Weight of the newest deviation in its recent average; absent (configured signals): RECENT_ALPHA.
   * `settingsForSeries` sets it from its tuning: RECENT_ALPHA unless the NAB bench's leave-one-category-out varies it.
   */
  readonly recentAlpha?: number;
  /** Weight of the newest deviation in its sustained average; absent: that of SUSTAINED_HALF_LIFE. Set as `recentAlpha` is. */
  readonly sustainedAlpha?: number;
}

export interface ScoringState {
  extra: Ewma[];
  /** One baseline per phase of the season. */
  season: Ewma[] | null;
  deviation: Ewma;
  /** The deviation's recent average. */
  recent: number;
  /** The deviation's sustained average, and its long-run distribution. */
  sustained: number;
  sustainedHistory: Ewma;
  /** Points since the last score at or above ALERT_LEVEL (null: none yet). */
  sinceAlert: number | null;
  /** Whether the latest point's score is capped by a quiet period. */
  quieted: boolean;
}

/**
 * Points after a high score that score lower: the configuration's default and that of series of
 * unknown meaning. On NAB anything from 15 to 100 scores alike; 300 muted hourly series for twelve days.
 */
export const QUIET_PERIODS = 30;
/** The score from which a point counts as the onset of an anomaly (a likelihood of 1 − 1e-5). */
export const ALERT_LEVEL = 0.5;
/** A standardised deviation below which the score is below ALERT_LEVEL (score(3) ≈ 0.29). */
const ALERT_BOUND = 3;
/** Deviations beyond this many standard deviations are all "very far". */
const MAX_DEVIATION = 10;
/**
 * Deviations learned before any score: at least a hundred, and a whole season when there is one
 * (the distribution must have seen the daily swing). Fewer make the first scores spike, and a
 * spike starts a quiet period that would mute a real anomaly just after.
 */
const LIKELIHOOD_MIN_WARMUP = 100;
/** Weight of the newest deviation in the recent average (a half-life of one point). */
export const RECENT_ALPHA = 0.5;
/**
 * Weight of the newest deviation in the sustained average: a half-life of 30 points (half an
 * hour of minutes). NAB scores the same with any half-life from 5 to 100 (docs/benchmarks.md).
 */
export const SUSTAINED_HALF_LIFE = 30;
const SUSTAINED_ALPHA = alphaForHalfLife(SUSTAINED_HALF_LIFE);
/** A seasonal phase is trusted from its third cycle. */
const SEASON_WARMUP = 3;
/** How fast the seasonal baseline follows: each phase is seen once a cycle, so it learns quickly. */
const SEASON_ALPHA = 0.5;
const LOG_FLOOR = Math.log(1e-10);
/** Floor of the deviation's variance: a series that never deviated is not infinitely sure. */
const MIN_DEVIATION_VARIANCE = 1e-6;

export function newScoringState(settings: ScoringSettings): ScoringState {
  return {
    extra: settings.extraAlphas.map(newEwma),
    season: settings.seasonPeriods > 0 ? Array.from({ length: settings.seasonPeriods }, newEwma) : null,
    deviation: newEwma(),
    recent: 0,
    sustained: 0,
    sustainedHistory: newEwma(),
    sinceAlert: null,
    quieted: false,
  };
}

/**
 * What a point's score is made of: its standardised deviation against the long-run distribution
 * (NaN while the likelihood warms up) and whether a quiet period caps it. `scoreOf` turns it into
 * the score, only when someone reads it: most points' scores never are.
 */
export interface ScoreParts {
  readonly standardized: number;
  readonly quieted: boolean;
}

/** The score of a point from its parts: exact, whenever it is read. */
export function scoreOf(standardized: number, quieted: boolean): number {
  if (Number.isNaN(standardized)) return 0;
  const score = Math.max(0, Math.min(1, Math.log(1.0000000001 - normalCdf(standardized)) / LOG_FLOOR));
  return quieted ? Math.min(score, ALERT_LEVEL * 0.999) : score;
}

/**
 * Updates the scoring state with one point after the detector's warm-up and returns its
 * standardised deviation (NaN while warming up); `state.quieted` says whether its score is capped.
 * Arguments are positional because this runs for every point (docs/benchmarks.md): `periodIndex`
 * picks the seasonal phase; `y` is the scored value; `deviation` |z| against the detector's
 * baseline, whose variance is `variance`; `minSd` floors every standard deviation; `warmup` and
 * `clip` are the detector's.
 */
export function scorePoint(
  state: ScoringState,
  settings: ScoringSettings,
  periodIndex: number,
  y: number,
  deviation: number,
  variance: number,
  minSd: number,
  warmup: number,
  clip: number,
): number {
  const floor = minSd * minSd;
  if (state.season) {
    const phase = state.season[((periodIndex % settings.seasonPeriods) + settings.seasonPeriods) % settings.seasonPeriods]!;
    if (phase.n >= SEASON_WARMUP)
      deviation = Math.min(deviation, Math.abs(y - phase.mean) / Math.sqrt(Math.max(phase.variance, variance, floor)));
    updateEwma(phase, y - phase.mean, warmingAlpha(SEASON_ALPHA, phase.n));
  }
  for (let i = 0; i < settings.extraAlphas.length; i++) {
    const baseline = state.extra[i]!;
    const sd = Math.sqrt(Math.max(baseline.variance, floor));
    if (baseline.n > warmup) deviation = Math.min(deviation, Math.abs(y - baseline.mean) / sd);
    const diff = baseline.n > warmup ? Math.max(-clip * sd, Math.min(clip * sd, y - baseline.mean)) : y - baseline.mean;
    updateEwma(baseline, diff, warmingAlpha(settings.extraAlphas[i]!, baseline.n));
  }

  const bounded = Math.min(deviation, MAX_DEVIATION);
  const sustainedAlpha = settings.sustainedAlpha ?? SUSTAINED_ALPHA;
  state.recent += (settings.recentAlpha ?? RECENT_ALPHA) * (bounded - state.recent);
  const history = state.deviation;
  // A state saved before the sustained average existed starts it here, at the current deviation.
  const sustainedHistory = (state.sustainedHistory ??= newEwma());
  // Averages and distributions start as running means: one that starts at 0 makes every early
  // deviation look large (five false onsets in the first 600 points of pure noise).
  const sustained = state.sustained ?? bounded;
  state.sustained = sustained + warmingAlpha(sustainedAlpha, history.n) * (bounded - sustained);
  const standardized =
    history.n >= Math.max(LIKELIHOOD_MIN_WARMUP, settings.seasonPeriods)
      ? Math.max(
          standardize(state.recent, history.mean, history.variance),
          standardize(
            state.sustained,
            sustainedHistory.mean,
            Math.max(sustainedHistory.variance, history.variance * sustainedVarianceRatio(sustainedAlpha)),
          ),
        )
      : Number.NaN;
  updateEwma(history, bounded - history.mean, warmingAlpha(settings.likelihoodAlpha, history.n));
  updateEwma(sustainedHistory, state.sustained - sustainedHistory.mean, warmingAlpha(settings.likelihoodAlpha, sustainedHistory.n));

  if (state.sinceAlert !== null) state.sinceAlert++;
  const quieted = state.sinceAlert !== null && state.sinceAlert < settings.quietPeriods;
  // Below ALERT_BOUND the score cannot reach ALERT_LEVEL: no need to compute it to know.
  if (standardized >= ALERT_BOUND && scoreOf(standardized, quieted) >= ALERT_LEVEL) state.sinceAlert = 0;
  state.quieted = quieted;
  return standardized;
}

/**
 * The sustained average's variance is at least what it would be over independent deviations
 * (α / (2 − α) of theirs): on a perfectly regular series a wiggle of it is not news.
 */
function sustainedVarianceRatio(alpha: number): number {
  return alpha / (2 - alpha);
}

/** How many standard deviations an average lies above its long-run mean. */
function standardize(average: number, mean: number, variance: number): number {
  return (average - mean) / Math.sqrt(Math.max(variance, MIN_DEVIATION_VARIANCE));
}

function normalCdf(x: number): number {
  return 0.5 * (1 + errorFunction(x / Math.SQRT2));
}
