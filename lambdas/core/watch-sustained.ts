/**
 * The release watch's second stage. The first (release-watch.ts) asks each period to stand out of
 * the noise (a CUSUM on x_t / σ_j with reference k): a persistent shift of a few σ per period on a
 * spiky cluster builds no evidence there, and the release was cleared after `watchPeriods`, so a
 * storm of 1.5x was rolled back only at the flag's next step, hours later. A release not decided
 * by then goes on being judged, to `sustainedPeriods` after it or the next release on the cluster:
 *
 *   M_n    = the mean pooled log ratio over the whole periods 1..n since the release (period 0,
 *            the release's own, is partly before it);
 *   M_head = the same over its first `onsetTolerancePeriods` whole periods: a flag's effect is
 *            immediate, so what only began later (a surge) is not the release's;
 *   alarm  when min(M_n, M_head) ≥ max(minEffect, excessMargin · B), n ≥ watchPeriods − 1,
 *            B the largest min(M_n, M_head) over the same n of the backtest's pseudo-releases (the
 *            cluster's own recent past with no release, watch-calibration.ts): the same margin
 *            over the cluster's own past as the first stage asks of an excursion, on means of
 *            the same length. A watch with too little history for B has no second stage.
 * Pure; its running state (the pooled log ratios since the release) is plain JSON in the watch.
 */
import type { ReleaseWatchSettings } from './watch-points.ts';

/** min(M_n, M_head) of a run of pooled log ratios from a release's period on (null or undefined: missing), at its last period; undefined before `watchPeriods` − 1 or without data. */
export function sustainedMean(
  run: ReadonlyArray<number | null | undefined>,
  settings: Pick<ReleaseWatchSettings, 'watchPeriods' | 'onsetTolerancePeriods'>,
): number | undefined {
  if (run.length < settings.watchPeriods) return undefined;
  const mean = (values: ReadonlyArray<number | null | undefined>) => {
    const known = values.filter((x): x is number => typeof x === 'number');
    return known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : undefined;
  };
  const all = mean(run.slice(1));
  const head = mean(run.slice(1, 1 + settings.onsetTolerancePeriods));
  return all === undefined || head === undefined ? undefined : Math.min(all, head);
}

/** The largest `sustainedMean` of a run at any of its lengths from `watchPeriods` on (0 when none). */
export function largestSustainedMean(
  run: ReadonlyArray<number | undefined>,
  settings: Pick<ReleaseWatchSettings, 'watchPeriods' | 'onsetTolerancePeriods'>,
): number {
  let largest = 0;
  for (let n = settings.watchPeriods; n <= run.length; n++) largest = Math.max(largest, sustainedMean(run.slice(0, n), settings) ?? 0);
  return largest;
}

/**
 * What the second stage needs of min(M_n, M_head), in log units. Not less for a flag's later step
 * (no `prior`): with no test of significance but B, what its earlier steps left could otherwise
 * ask nothing of its own.
 */
export function sustainedThreshold(
  watch: { readonly sustainedExcess?: number },
  settings: Pick<ReleaseWatchSettings, 'minEffect' | 'excessMargin'>,
): number {
  return Math.max(settings.minEffect, settings.excessMargin * (watch.sustainedExcess ?? Infinity));
}

/** The last period (from the release's) a watch scores: the second stage's, where it has one. */
export function lastPeriod(
  watch: { readonly sustainedExcess?: number },
  settings: Pick<ReleaseWatchSettings, 'watchPeriods' | 'sustainedPeriods'>,
): number {
  return watch.sustainedExcess === undefined ? settings.watchPeriods : Math.max(settings.watchPeriods, settings.sustainedPeriods);
}
