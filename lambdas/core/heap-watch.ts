/**
 * Heap watches: heap after GC is a slow signal (heap-trend.ts), watched per release and cluster
 * for a trend that starts at the release. A level bump never counts; a climb does when it began at
 * the release, no fast signal answered the release (the fast watch decides those), traffic does not
 * explain it, and the limit is forecast within the configured horizon (from the heap as it is). A
 * flag's later step is judged against the lower of the slope before it and the slope before the
 * flag's first step: a climb the flag's earlier steps began is the flag's, not one this step
 * inherited; and where an earlier step of the flag climbed, a later one is judged early
 * (heap-trend.ts). After a rollback that a heap trend caused, a climb that persists at the lower
 * percentage steps the flag back again, judged against a flat heap. Not against the slope before
 * the flag's first step: measured over two hours, that holds the morning's rise or fall (a rise of
 * 1.4 points an hour hid a flag's climb at 1% for 6 hours; a fall reads a flat heap as a climb),
 * where over the hours the remaining climb is watched, a heap per unit of traffic holds its level.
 * Nor asked to have fallen with the percentage, as a fast signal's excess is (dose.ts): an hour's
 * slope on real traffic cannot tell the climb at 1% from the one at 5% (5.0 and 5.7 points an hour,
 * where the flag added a fifth: bench/guard/RESULTS.md).
 *
 * Where the cluster has a traffic signal, the heap is judged per unit of traffic (heap-traffic.ts:
 * its part that moved with traffic before the release taken out), and its slope since the release
 * is measured net of traffic (the regression on time and traffic, least-squares.ts), so a climb
 * that traffic's swings explain is traffic's. Before, the slope was measured again from wherever
 * traffic had moved by a fifth: on real request traffic that was every half hour, and the slope
 * never had its hour (heap-only storms stopped 14 of 33; without that guard and without the
 * regression, 32 false rollbacks; bench/guard/RESULTS.md). Where the traffic signal cannot say
 * (none, or dark), connections stand for traffic, and a move of theirs still starts the slope anew:
 * a producer storm's own connections are not traffic to regress on. A step's heap watch ends at the flag's next step or after
 * HEAP_WATCH_MS; kept in the state as plain JSON until then.
 */
import type { GuardrailConfig, SignalConfig } from './config.ts';
import type { Finding } from './finding.ts';
import { connectionsMoved, followedTraffic, HEAP_TRAFFIC_WINDOW_PERIODS, heapPerTrafficOf, trafficAtOf } from './heap-traffic.ts';
import { type HeapTrend, type HeapTrendSettings, heapTrend, heapTrendSettings, remainingClimbAsked, slopeBeforeOf } from './heap-trend.ts';
import { type ReleaseEvent, releaseName, sameRollout } from './release.ts';
import { indexKey, type SeriesIndex } from './series-index.ts';
import { clusterTraffic, trafficPoints } from './traffic-reference.ts';
import { type BrokerHistory, lowerBound, type WatchPoint } from './watch-points.ts';
import { brokerHistories, type WatchEntry } from './watches.ts';

export interface HeapEntry {
  readonly id: string;
  readonly release: ReleaseEvent;
  readonly cluster: string;
  readonly signal: string;
  /** step: a trend starting at the release; excess: the slope since a rollback, against a flat heap. */
  readonly purpose: 'step' | 'excess';
  /** Where the trend is measured from: the release, or the rollback. */
  readonly since: number;
  /**
   * The slope since the release is measured from here: the release, or later (reanchor: where
   * what came before is not the release's to answer for, such as a surge of connections).
   */
  anchor?: number;
  /** A deploy's climb was found: it is watched on (the episode stays open while it lasts), with no more gates. */
  found?: boolean;
  /** step: the heap climbed, as last judged (`climbs`); told to the flag's baseline when the watch ends. */
  climbing?: boolean;
  done: boolean;
}

/** How long a release's heap is watched for a trend (or until the flag's next step). */
export const HEAP_WATCH_MS = 6 * 3_600_000;

/** The slow signal: heap after GC, the percentage with a forecast limit. */
export function heapSignal(config: Pick<GuardrailConfig, 'signals'>): SignalConfig | undefined {
  return config.signals.find((s) => s.kind === 'percent' && s.forecast !== undefined);
}

export function heapSettings(signal: SignalConfig, config: GuardrailConfig): HeapTrendSettings {
  return heapTrendSettings(config.metricPeriodSeconds * 1000, {
    limitPercent: signal.forecast?.limitPercent ?? 90,
    horizonMs: config.releaseWatch.heapHorizonMinutes * 60_000,
  });
}

export function openHeapWatch(release: ReleaseEvent, cluster: string, signal: string): HeapEntry {
  return { id: `${release.id}/${cluster}/${signal}`, release, cluster, signal, purpose: 'step', since: release.time, done: false };
}

/** What a heap watch needs to know of the rest of the evaluation. */
export interface HeapContext {
  readonly now: number;
  readonly index: SeriesIndex;
  readonly watches: readonly WatchEntry[];
  readonly releases: readonly ReleaseEvent[];
  /** Told the heap slope before a flag's step: the flag's baseline keeps its first step's (read only where it is kept). */
  readonly slopeBefore: (release: ReleaseEvent, cluster: string, slope: () => number | undefined) => void;
  /** The heap slope before the flag's first step, for its later steps (undefined: the first step, a deploy, not measured). */
  readonly flagSlopeBefore?: (release: ReleaseEvent, cluster: string) => number | undefined;
  /** Told, when a step's heap watch ends without a rollback, that its heap climbed (not within the horizon). */
  readonly climbed?: (release: ReleaseEvent, cluster: string) => void;
  /** Whether an earlier step of the release's flag climbed on the cluster. */
  readonly flagClimbed?: (release: ReleaseEvent, cluster: string) => boolean;
}

/** The heap trend that calls for action (a rollback, or a critical alert for a deploy); undefined while there is none. */
export function checkHeap(entry: HeapEntry, signal: SignalConfig, config: GuardrailConfig, context: HeapContext): HeapTrend | undefined {
  const { now } = context;
  if (now - entry.since > HEAP_WATCH_MS || (entry.purpose === 'step' && laterStep(entry.release, context.releases, now))) {
    if (entry.climbing) context.climbed?.(entry.release, entry.cluster);
    entry.done = true;
    return undefined;
  }
  const settings = heapSettings(signal, config);
  // The cluster's traffic, built once: the re-anchoring, the heap per unit of traffic and the slope net of traffic read it.
  const traffic = trafficPoints(clusterTraffic(context.index, config, entry.cluster));
  if (!entry.found) reanchor(entry, config, context, traffic);
  const series = context.index.get(indexKey(entry.cluster, entry.signal)) ?? [];
  const actual = brokerHistories(series, signal, false);
  const followed = traffic.length > 0 ? followedTraffic(traffic, settings.periodMs) : [];
  const judged = heapHistories(entry, actual, settings, followed);
  const flagBefore = entry.purpose === 'step' ? context.flagSlopeBefore?.(entry.release, entry.cluster) : undefined;
  const trend = heapTrend(judged, entry.since, now, settings, {
    from: entry.anchor ?? entry.since,
    actual,
    ...(flagBefore !== undefined ? { flagBefore } : {}),
    early: entry.purpose === 'step' && (context.flagClimbed?.(entry.release, entry.cluster) ?? false),
    ...(followed.length > 0 ? { trafficAt: trafficAtOf(followed, settings.periodMs) } : {}),
  });
  if (trend.kind === 'too-early') {
    // A slope measured anew (reanchor) has not climbed yet.
    entry.climbing = false;
    if (entry.purpose === 'step') context.slopeBefore(entry.release, entry.cluster, () => slopeBeforeOf(judged, entry.since, settings));
    return undefined;
  }
  if (entry.purpose === 'excess') {
    const periods = (now - (entry.anchor ?? entry.since)) / settings.periodMs;
    const needed = remainingClimbAsked(settings, periods);
    if (trend.slopeAfter! < needed) return undefined;
    entry.done = true;
    return { ...trend, slopeBefore: 0, asked: needed };
  }
  context.slopeBefore(entry.release, entry.cluster, () => trend.slopeBefore);
  entry.climbing = climbs(trend);
  if (!trend.withinHorizon || (!entry.found && fastResponded(entry, context.watches))) return undefined;
  // A flag's step is rolled back (its excess is watched from there); a deploy's climb goes on, and is watched on.
  if (entry.release.kind === 'rollout-step') entry.done = true;
  entry.found = true;
  return trend;
}

/**
 * The heap the trend is judged on: per unit of traffic (heap-traffic.ts) where the configuration
 * names a traffic signal and the cluster exports it, learnt over the window before the step; else
 * the heap as it is (`actual`).
 */
function heapHistories(
  entry: HeapEntry,
  actual: BrokerHistory[],
  { periodMs, beforePeriods }: HeapTrendSettings,
  followed: readonly WatchPoint[],
): BrokerHistory[] {
  if (followed.length === 0) return actual;
  const start = Math.floor(entry.release.time / periodMs) * periodMs;
  return heapPerTrafficOf(actual, followed, start - beforePeriods * periodMs, start, periodMs) ?? actual;
}

/**
 * Whether a step's heap climbs: a rising trend whose climb holds from a heap that was not falling
 * (a flat heap after a falling one changes slope, but does not climb). As last judged when its
 * watch ends (over its time at its percentage, from its anchor): a climb in its first hour that
 * then faded is not one.
 */
function climbs(trend: HeapTrend): boolean {
  return trend.kind === 'rising' && trend.slopeAfter! - Math.max(0, trend.slopeBefore!) >= trend.asked!;
}

function laterStep(release: ReleaseEvent, releases: readonly ReleaseEvent[], now: number): boolean {
  return (
    release.kind === 'rollout-step' &&
    releases.some(
      (r) =>
        // A later step of the same rollout: another rule's step leaves this one's climb to watch.
        r.kind === 'rollout-step' && sameRollout(r, release) && r.time > release.time && r.time <= now,
    )
  );
}

/** A fast signal's watch of the release alarmed: the fast path has it. */
function fastResponded(entry: HeapEntry, watches: readonly WatchEntry[]): boolean {
  return watches.some((w) => w.purpose === 'step' && w.watch.status === 'alarm' && w.release.id === entry.release.id);
}

/**
 * Where the slope since the release is measured from. Anew from now when, where the traffic signal
 * cannot say (none, or dark), connections moved since the window began (heap-traffic.ts
 * connectionsMoved), anew where the traffic signal's readings resumed after a gap, and anew
 * from another release's fast alarm on the cluster since this release: that storm's producer-ID state
 * stays on the heap for a day after its rollback (producer.id.expiration.ms), so a climb across its
 * alarm is not this release's to answer for; a climb that goes on for the minimum window after it is.
 */
function reanchor(entry: HeapEntry, config: GuardrailConfig, context: HeapContext, traffic: readonly WatchPoint[]): void {
  const from = entry.anchor ?? entry.since;
  const periodMs = config.metricPeriodSeconds * 1000;
  if (connectionsMoved(context.index, config, entry.cluster, from, periodMs, context.now, traffic)) entry.anchor = context.now;
  const resumed = trafficResumed(traffic, from, periodMs);
  if (resumed !== undefined && resumed > (entry.anchor ?? entry.since)) entry.anchor = resumed;
  for (const w of context.watches) {
    if (w.purpose !== 'step' || w.release.id === entry.release.id || w.cluster !== entry.cluster || w.watch.status !== 'alarm') continue;
    const at = w.watch.alarm!.time;
    if (at <= context.now && at > (entry.anchor ?? entry.since)) entry.anchor = at;
  }
}

/**
 * Where the traffic's readings resumed after a gap of more than HEAP_TRAFFIC_WINDOW_PERIODS since
 * `from`, if they did: the heap per unit of traffic has no points across it, so a slope "since the
 * release" would be measured on the minutes since it alone (a dark MessagesInPerSec for 3 hours left
 * 26 points, and a slope of 7.8 points an hour on them rolled back a benign step).
 */
function trafficResumed(traffic: readonly WatchPoint[], from: number, periodMs: number): number | undefined {
  let resumed: number | undefined;
  for (let i = Math.max(1, lowerBound(traffic, from)); i < traffic.length; i++)
    if (traffic[i]!.time - traffic[i - 1]!.time > HEAP_TRAFFIC_WINDOW_PERIODS * periodMs) resumed = traffic[i]!.time;
  return resumed;
}

/**
 * A heap watch's finding: the climb since the release against the slope before it (since a rollback: against a flat heap),
 * the forecast, and each broker: its heap now (`value`) and where it would be had its slope not
 * changed over the window the climb was measured on (`expected`).
 */
export function heapFinding(entry: HeapEntry, trend: HeapTrend, settings: HeapTrendSettings, series: readonly string[]): Finding {
  const slopeBefore = trend.slopeBefore!;
  const hours = (trend.measuredMs ?? 0) / 3_600_000;
  return {
    release: entry.release,
    others: [],
    series,
    evidence: {
      kind: 'heap',
      purpose: entry.purpose,
      cluster: entry.cluster,
      signal: entry.signal,
      onset: entry.since,
      candidates: [releaseName(entry.release)],
      slopeBefore,
      slopeAfter: trend.slopeAfter!,
      level: trend.level!,
      msToLimit: trend.msToLimit!,
      limitPercent: settings.limitPercent,
      horizonMs: settings.horizonMs,
      threshold: trend.asked!,
      periods: Math.round((trend.measuredMs ?? 0) / settings.periodMs),
      brokers: (trend.brokers ?? []).map((b) => ({
        series: b.broker,
        value: b.level,
        expected: b.level - (b.slopeAfter - (entry.purpose === 'excess' ? 0 : b.slopeBefore)) * hours,
      })),
    },
  };
}

/** Drops the heap watches that are done. */
export function expireHeapWatches(entries: readonly HeapEntry[]): HeapEntry[] {
  return entries.filter((e) => !e.done);
}
