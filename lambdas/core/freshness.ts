/**
 * Freshness: missing data is not zero. A series that stops reporting makes the guardrail blind for
 * it (said once, and again when it returns), and a guardrail that stopped evaluating is blind for
 * all; blindness denies gate step-ups and is never a reason to roll back.
 */
import { longestReadIntervalMs } from './cadence.ts';
import type { GuardrailConfig } from './config.ts';
import { seriesName } from './metric-series.ts';
import type { SeriesState } from './series.ts';

export interface SightChange {
  readonly kind: 'blind' | 'sight-restored';
  readonly time: number;
  readonly cluster: string;
  readonly signal: string;
  readonly series: readonly string[];
  readonly since: number;
}

/** Whether data last seen for the period starting at `lastTime` is stale at `now`. */
export function isStale(lastTime: number, now: number, config: GuardrailConfig): boolean {
  const periodMs = config.metricPeriodSeconds * 1000;
  return now - (lastTime + periodMs) >= config.freshness.staleAfterPeriods * periodMs;
}

/** Whether the guardrail itself stopped evaluating (the publish delay, and the idle read cadence, are allowed for). */
export function guardrailIsStale(evaluatedAt: number, now: number, config: GuardrailConfig): boolean {
  const periodMs = config.metricPeriodSeconds * 1000;
  const idleWaitMs = longestReadIntervalMs(config) - periodMs;
  return now - evaluatedAt > config.freshness.staleAfterPeriods * periodMs + config.publishDelaySeconds * 1000 + idleWaitMs;
}

/** How often the release timeline is read back from LaunchDarkly's audit log (the backfill's schedule). */
export const TIMELINE_READ_EVERY_MS = 15 * 60_000;

/**
 * Whether the release timeline may be missing steps: no read back from LaunchDarkly has reached now in
 * two of its periods and some minutes (a webhook missed, a token refused, the backfill failing).
 * Its steps are what the guardrail watches and the gate bakes; without them it is blind.
 */
export function timelineIsStale(readAt: number | undefined, now: number): boolean {
  return readAt === undefined || now - readAt > 2 * TIMELINE_READ_EVERY_MS + 5 * 60_000;
}

/** Marks series that went blind or came back; one change per cluster and signal. */
export function watchFreshness(states: Readonly<Record<string, SeriesState>>, now: number, config: GuardrailConfig): SightChange[] {
  const periodMs = config.metricPeriodSeconds * 1000;
  const changed = new Map<string, { kind: SightChange['kind']; cluster: string; signal: string; series: string[]; since: number }>();
  for (const series of Object.values(states)) {
    const last = series.detector.lastTime;
    if (last === null) continue;
    const stale = isStale(last, now, config);
    if (stale === series.blind) continue;
    series.blind = stale;
    const kind = stale ? 'blind' : 'sight-restored';
    const group = `${kind}/${series.cluster}/${series.signal}`;
    const entry = changed.get(group) ?? { kind, cluster: series.cluster, signal: series.signal, series: [], since: last + periodMs };
    entry.series.push(seriesName(series));
    entry.since = Math.min(entry.since, last + periodMs);
    changed.set(group, entry);
  }
  return [...changed.values()].map((c) => ({ ...c, time: now }));
}
