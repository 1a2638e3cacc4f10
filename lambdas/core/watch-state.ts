/**
 * The state of a release watch (release-watch.ts): what it knows before it scores anything (its
 * expectations and calibration), and its running state, plain JSON.
 */

export type WatchStatus = 'watching' | 'alarm' | 'cleared' | 'unrelated';

export interface WatchAlarm {
  /** The period whose evaluation raised the alarm. */
  readonly time: number;
  /** The change-point estimate: the start of the excursion. */
  readonly onset: number;
  /** The mean pooled excess since the onset, as a factor (1.5 = 50% over expected). */
  readonly factor: number;
  /** A flag's later step: the factor over its first step's levels, this step's and the prior excess together. */
  readonly sinceFirstStep?: number;
  readonly statistic: number;
  readonly periods: number;
  /** sustained: the second stage's (watch-sustained.ts): the onset is the release, the statistic min(M_n, M_head) in log units, periods n. */
  readonly stage?: 'sustained';
}

export interface ReleaseWatch {
  readonly version: 1;
  readonly release: { readonly id: string; readonly time: number };
  readonly signal: string;
  /** The first watched period's start: the period holding the release. */
  readonly start: number;
  /** Expected ln(value + offset) per broker. */
  readonly levels: Record<string, number>;
  /** The null spread of the pooled log ratio, and how many backtest samples measured it (0: a guess). */
  readonly sd: number;
  /** The null spread at each horizon (periods after the release; the last one holds beyond): forecasts err more the further they reach. */
  readonly sdByHorizon: number[];
  readonly calibrationSamples: number;
  /** The highest CUSUM statistic of the backtest's pseudo-releases (0 uncalibrated): see `thresholdOf`. */
  readonly calibrationPeak: number;
  /** The largest mean pooled log ratio over `minPeriods` or more of an excursion in the backtest (0 uncalibrated). */
  readonly calibrationExcess: number;
  /** The largest pooled log ratio of one period within `spikePeriods` of a pseudo-release (0 uncalibrated; absent in watches saved before it). */
  readonly calibrationSpike?: number;
  /** B of watch-sustained.ts: the largest mean of the backtest's pseudo-releases over the second stage's lengths (absent: no second stage). */
  readonly sustainedExcess?: number;
  /** R₀ of traffic-reference.ts: the values watched are per unit of traffic, at this traffic (absent: as read). */
  readonly trafficLevel?: number;
  /** The traffic signal R₀ is of (absent in watches saved before it: traffic-reference.ts LEGACY_TRAFFIC). */
  readonly trafficSignal?: string;
  /** The lowest traffic whose fall the watch takes out (traffic-reference.ts fallInPart); null: all of it; absent in watches saved before it: `maxFall` below R₀. */
  readonly trafficFloor?: number | null;
  /**
   * A flag's later step: its excess already there before this step, over its first step's levels
   * (log units, ≥ 0; watch-points.ts priorExcess). The smallest effect worth acting on is asked of
   * the flag's effect, this step's and what its earlier steps left; the evidence of a change, of
   * this step's alone (absent: a first step, a deploy).
   */
  readonly prior?: number;
  status: WatchStatus;
  /** Why `unrelated`: an effect already there before the release, or one that began later. */
  reason?: 'preexisting' | 'late-onset';
  cusum: number;
  /** The start of the current excursion (S > 0), or null. */
  onset: number | null;
  /** Pooled log ratios since the onset. */
  excess: number[];
  lastTime: number | null;
  /** Periods scored so far. */
  periods: number;
  alarm: WatchAlarm | null;
  /** The pooled log ratio of each period since the release's (null: skipped), for the second stage (absent in watches saved before it). */
  since?: Array<number | null>;
}

export type WatchVerdict =
  | { readonly kind: 'watching'; readonly statistic: number; readonly logRatio?: number }
  | { readonly kind: 'alarm'; readonly alarm: WatchAlarm }
  | { readonly kind: 'cleared' | 'unrelated' | 'skipped' | 'done'; readonly reason?: string };
