/**
 * The release watches the engine keeps (lambdas/core/release-watch.ts is the test itself): one per
 * release (a rollout step up or a deploy in the guarded environment), cluster and fast signal
 * (rates and counts: ConnectionCreationRate, ConnectionCount, ClientConnectionCount,
 * ProducerIdCount where present). Opened from the per-broker history the series state keeps (the
 * last FULL_POINTS periods at full resolution: the 120 minutes the watch was calibrated with);
 * fed each broker's value, period by period, as it arrives; kept in the state as plain JSON, and
 * dropped some hours after they stopped watching (bounded).
 */
import type { GuardrailConfig, SignalConfig } from './config.ts';
import type { BrokerEvidence } from './finding.ts';
import { seriesName } from './metric-series.ts';
import type { ReleaseEvent } from './release.ts';
import {
  observeReleaseWatch,
  openReleaseWatch,
  type ReleaseWatch,
  type ReleaseWatchSettings,
  releaseWatchSettings,
} from './release-watch.ts';
import type { SeriesState } from './series.ts';
import {
  type ClusterTraffic,
  fallInPart,
  followsTraffic,
  LEGACY_TRAFFIC,
  maxFallOf,
  type PerTraffic,
  perTraffic,
  perTrafficOf,
  pointsPerTraffic,
  spareTraffic,
  trafficAt,
  trafficLevel,
} from './traffic-reference.ts';
import { type BrokerHistory, median, priorExcess } from './watch-points.ts';
import { lastPeriod } from './watch-sustained.ts';

export interface WatchEntry {
  readonly id: string;
  readonly release: ReleaseEvent;
  readonly cluster: string;
  readonly signal: string;
  /** step: the release's own effect; excess: what persists of a rolled-back flag's, against its level before its first step. */
  readonly purpose: 'step' | 'excess';
  readonly watch: ReleaseWatch;
  /** The next period to score. */
  next: number;
  /** Pooled log ratios scored while watching (at most a watch's length): did the signal move at the release, alarm or not? */
  seen: number[];
  /** Each broker (by series key) at the last period scored, against what was expected of it: an alarm's per-broker evidence. */
  brokers: Array<BrokerEvidence & { readonly key: string }>;
  /** Set when the watch ended without deciding (its data never came). */
  endedAt?: number;
  /** excess: the pooled log ratio over the flag's baseline when the flag was stepped back (the dose the excess must fall from). */
  readonly before?: number;
}

/** The signals release watches watch: rates and counts, which a release moves at once and by a factor. */
export function fastSignals(config: Pick<GuardrailConfig, 'signals'>): SignalConfig[] {
  return config.signals.filter((s) => s.kind !== 'percent' && !s.traffic);
}

export function watchSettings(signal: SignalConfig, config: Pick<GuardrailConfig, 'metricPeriodSeconds'>): ReleaseWatchSettings {
  return releaseWatchSettings(config.metricPeriodSeconds * 1000, signal.minFactor, { logOffset: signal.logOffset });
}

/** Periods a broker's datapoint may arrive late before its period is scored without it. */
export const LATE_PERIODS = 3;
/** How long a watch that stopped watching is kept: a heap watch of its release (6 h) still reads it. */
export const WATCH_RETENTION_MS = 7 * 3_600_000;
/** At most this many watches are kept (the newest). */
const MAX_WATCHES = 2000;

/** Each broker's points at full resolution, in the signal's own units (the history keeps logs of rates and counts). */
export function brokerHistories(
  series: readonly SeriesState[],
  signal: Pick<SignalConfig, 'kind' | 'logOffset'>,
  fullOnly = true,
): BrokerHistory[] {
  return series.map((s) => {
    const { times, values, compacted } = s.history;
    const points = [];
    for (let i = fullOnly ? compacted : 0; i < times.length; i++) points.push({ time: times[i]!, value: unscaled(signal, values[i]!) });
    return { broker: s.key, points };
  });
}

/** Each broker's median over its newest `points` periods, in the signal's own units (per unit of traffic at `perTrafficOf`'s level, where given). */
export function recentValues(
  series: readonly SeriesState[],
  signal: Pick<SignalConfig, 'kind' | 'logOffset'>,
  points: number,
  per?: PerTraffic,
): Array<{ broker: string; value: number }> {
  if (!per) {
    return series.flatMap((s) => {
      const values = s.history.values.slice(-points);
      return values.length > 0 ? [{ broker: s.key, value: unscaled(signal, median(values)) }] : [];
    });
  }
  return series.flatMap((s) => {
    const { times, values } = s.history;
    const from = Math.max(0, times.length - points);
    const recent: number[] = [];
    for (let i = from; i < times.length; i++) recent.push(adjusted(unscaled(signal, values[i]!), times[i]!, per));
    return recent.length > 0 ? [{ broker: s.key, value: median(recent) }] : [];
  });
}

/** The traffic signal a watch's R₀ is of, where it is judged per unit of traffic. */
export function watchTraffic(watch: Pick<ReleaseWatch, 'trafficLevel' | 'trafficSignal'>): string | undefined {
  return watch.trafficLevel === undefined ? undefined : (watch.trafficSignal ?? LEGACY_TRAFFIC);
}

/** The value at the watch's traffic level; as read where there is none, or no traffic reading for its period. */
function adjusted(value: number, time: number, per: PerTraffic | undefined): number {
  const traffic = per && trafficAt(per.reference, time, per.periodMs);
  return per && traffic !== undefined ? perTraffic(value, traffic, per.level, per.floor) : value;
}

function unscaled(signal: Pick<SignalConfig, 'kind' | 'logOffset'>, value: number): number {
  return signal.kind === 'percent' ? value : Math.exp(value) - signal.logOffset;
}

/**
 * Opens the watch of a release on one cluster's signal. `earlier`: the timeline's earlier release
 * times (left out of the backtest). `traffic`: the cluster's traffic, where configured and
 * exported: the watch then judges the signal per unit of traffic. `first`: a later step's
 * flag's first step's watch on this cluster and signal, as it opened (its excess since counts
 * towards the smallest effect worth acting on).
 */
export function openWatch(
  release: ReleaseEvent,
  series: readonly SeriesState[],
  signal: SignalConfig,
  config: GuardrailConfig,
  earlier: readonly number[],
  traffic?: ClusterTraffic,
  first?: Pick<ReleaseWatch, 'levels' | 'trafficLevel'>,
): WatchEntry {
  const settings = watchSettings(signal, config);
  const { periodMs, levelPeriods } = settings;
  const start = Math.floor(release.time / periodMs) * periodMs;
  const reference = traffic?.reference;
  const level = reference && trafficLevel(reference, start - levelPeriods * periodMs, start, levelPeriods / 2);
  const raw = brokerHistories(series, signal);
  const histories =
    reference && level !== undefined
      ? raw.map((h) => ({ broker: h.broker, points: pointsPerTraffic(h.points, reference, level, periodMs) }))
      : raw;
  const opened = openReleaseWatch(release, signal.name, histories, settings, earlier);
  const follows = () => reference !== undefined && followsTraffic(raw, reference, periodMs, start);
  const perUnit = traffic && level !== undefined ? perUnitWatch(opened, signal, settings, traffic, level, follows) : firstStageOnly(opened);
  const prior = first && priorExcess(first.levels, perUnit.levels, settings, atTraffic(level, first.trafficLevel));
  const watch: ReleaseWatch = prior === undefined ? perUnit : { ...perUnit, prior };
  return {
    id: `${release.id}/${series[0]!.cluster}/${signal.name}`,
    release,
    cluster: series[0]!.cluster,
    signal: signal.name,
    purpose: 'step',
    watch,
    next: watch.start,
    seen: [],
    brokers: [],
  };
}

/** A watch of values per unit of traffic at `level`: with the second stage for rates, and a floor where a fall is taken out in part. */
function perUnitWatch(
  opened: ReleaseWatch,
  signal: SignalConfig,
  settings: ReleaseWatchSettings,
  traffic: ClusterTraffic,
  level: number,
  follows: () => boolean,
): ReleaseWatch {
  const watch = { ...(signal.kind === 'rate' ? opened : firstStageOnly(opened)), trafficLevel: level, trafficSignal: traffic.signal };
  return { ...watch, trafficFloor: fallInPart(signal, traffic, follows) ? level - maxFallOf(settings) : null };
}

/** A value at traffic `from` as it would be at `to` (e^{to − from}); as it is where either is unknown. */
function atTraffic(from: number | undefined, to: number | undefined): (value: number) => number {
  return from === undefined || to === undefined ? (value) => value : (value) => perTraffic(value, from, to);
}

/**
 * A watch without the second stage (watch-sustained.ts): one that reads its signal as it is, not
 * per unit of traffic, or a count per unit of traffic. Read as it is, a signal's expected levels
 * drift with the cluster's traffic over the half hour the second stage judges: measured
 * (bench/guard/calibrate.ts, realAWSCloudwatch) it doubled the false alarms per step, 0.9% to
 * 1.6%, over the target of 1%. Open connections are mostly long-lived, not in proportion to
 * traffic: per unit of it a count swings against traffic (4 false rollbacks on realAWSCloudwatch's
 * benign cases, all ConnectionCount). Rates per unit of traffic have it.
 */
export function firstStageOnly(watch: ReleaseWatch): ReleaseWatch {
  const { sustainedExcess, ...rest } = watch;
  return rest;
}

export function isWatching(entry: WatchEntry): boolean {
  return entry.watch.status === 'watching' && entry.endedAt === undefined;
}

/**
 * Scores the entry's periods whose datapoints have arrived, in order; true when it raised an
 * alarm. A period is scored once enough brokers reported it (the watch's broker share); it waits
 * up to LATE_PERIODS for them, then is skipped: missing data is not zero. `nextRelease`: the
 * period of the next watched release on the cluster, where the second stage ends.
 */
export function feedWatch(
  entry: WatchEntry,
  series: readonly SeriesState[],
  signal: SignalConfig,
  config: GuardrailConfig,
  now: number,
  traffic?: ClusterTraffic,
  nextRelease?: number,
  spare?: ClusterTraffic,
): boolean {
  const settings = watchSettings(signal, config);
  const per = perTrafficOf(entry.watch, traffic?.reference, settings);
  const perSpare = per && spare ? spareTraffic(entry.watch, spare, settings) : undefined;
  const { periodMs } = settings;
  const newest = Math.max(-Infinity, ...series.map((s) => s.history.times.at(-1) ?? -Infinity));
  const known = Object.keys(entry.watch.levels).length;
  while (isWatching(entry) && entry.next <= newest) {
    // The second stage judges the mean since the release until the next one on the cluster: after it, the mean is of both.
    if (nextRelease !== undefined && entry.next >= nextRelease && entry.next - entry.watch.start >= settings.watchPeriods * periodMs) {
      entry.watch.status = 'cleared';
      break;
    }
    const observed = valuesAt(series, entry.next, signal, per, perSpare);
    if (observed.length < Math.max(1, settings.minBrokerShare * known) && entry.next > newest - LATE_PERIODS * periodMs) break;
    const verdict = observeReleaseWatch(entry.watch, entry.next, observed, settings);
    entry.next += periodMs;
    if (verdict.kind === 'skipped') continue;
    // Only brokers with a level before the release were pooled: a broker new since has nothing to expect (and NaN has no place in saved state).
    entry.brokers = observed
      .filter((o) => Number.isFinite(entry.watch.levels[o.broker] ?? Number.NaN))
      .map((o) => ({ key: o.broker, series: o.label, value: o.value, expected: unscaled(signal, entry.watch.levels[o.broker]!) }));
    if (verdict.kind === 'watching' && verdict.logRatio !== undefined && entry.seen.length < settings.watchPeriods)
      entry.seen.push(verdict.logRatio);
    if (verdict.kind === 'alarm') return true;
  }
  if (isWatching(entry) && now - entry.watch.start > (lastPeriod(entry.watch, settings) + LATE_PERIODS + 1) * periodMs) entry.endedAt = now;
  return false;
}

function valuesAt(
  series: readonly SeriesState[],
  time: number,
  signal: SignalConfig,
  per: PerTraffic | undefined,
  spare: PerTraffic | undefined,
): Array<{ broker: string; label: string; value: number }> {
  const out: Array<{ broker: string; label: string; value: number }> = [];
  // Judged per unit of traffic, a period waits for its own traffic reading (the spare's where the
  // watch's own has none), as for late brokers, and is skipped without one: an older reading, or the
  // value as it is, reads a rise of traffic as a storm.
  const reading = per && [per, spare].find((p) => p?.reference.has(time));
  if (per && !reading) return out;
  for (const s of series) {
    const { times, values } = s.history;
    for (let i = times.length - 1; i >= 0 && times[i]! >= time; i--) {
      if (times[i] === time)
        out.push({ broker: s.key, label: seriesName(s), value: adjusted(unscaled(signal, values[i]!), time, reading) });
    }
  }
  return out;
}

/** Drops the watches that stopped watching more than WATCH_RETENTION_MS ago; keeps at most MAX_WATCHES. */
export function expireWatches(entries: readonly WatchEntry[], now: number): WatchEntry[] {
  const kept = entries.filter((e) => isWatching(e) || now - e.watch.start < WATCH_RETENTION_MS);
  return kept.length > MAX_WATCHES ? kept.slice(-MAX_WATCHES) : kept;
}
