/**
 * Coverage: the configured signals a guarded cluster has never reported. Missing data is not zero:
 * a signal that never reported leaves the guardrail as blind as one that stopped (freshness.ts).
 *
 * The rule. The clusters guarded are `clusters` where configured (in AWS, each shard's own), else
 * every cluster in the data. The gate denies a step up while a guarded cluster
 *  - has reported none of the fast signals (the enabled rate and count signals that are not
 *    traffic): the release watches, which decide rollbacks, read them, and any one of them sees a
 *    storm; or
 *  - has never reported a signal with a `headroomPercent`: the gate's headroom check reads it.
 * Any other absent signal (one fast signal of several, such as ProducerIdCount, which Amazon MSK
 * does not publish; traffic, where the cluster reports none) is warned about and blocks nothing: a
 * signal a cluster cannot publish must not hold every rollout. A signal with `enabled: false` is
 * not configured, so never absent.
 */
import type { GuardrailConfig } from './config.ts';
import type { SeriesState } from './series.ts';
import { trafficSignals } from './traffic-reference.ts';
import { fastSignals } from './watches.ts';

export interface ClusterCoverage {
  /** Enabled signals it never reported, traffic aside. */
  readonly absent: string[];
  /** The traffic signals, where it reported none of them (else empty; absent in records saved before it). */
  readonly noTraffic?: string[];
  /** The fast signals, where it reported none of them (else empty). */
  readonly noFastSignal: string[];
  /** Signals with a headroom it never reported. */
  readonly noHeadroom: string[];
}

/** Guarded clusters with a configured signal absent, and what is absent: each evaluation records it (state.coverage). */
export function coverageOf(
  series: Readonly<Record<string, SeriesState>>,
  config: Pick<GuardrailConfig, 'signals' | 'clusters'>,
): Record<string, ClusterCoverage> {
  const reported = new Map<string, Set<string>>();
  for (const s of Object.values(series)) {
    // A series that never had a datapoint is no data.
    if (s.detector.lastTime === null) continue;
    const signals = reported.get(s.cluster) ?? new Set<string>();
    reported.set(s.cluster, signals.add(s.signal));
  }
  const names = (signals: readonly { name: string }[]) => signals.map((s) => s.name);
  const fast = names(fastSignals(config));
  const traffic = names(trafficSignals(config));
  const coverage: Record<string, ClusterCoverage> = {};
  for (const cluster of config.clusters.length > 0 ? config.clusters : [...reported.keys()]) {
    const has = reported.get(cluster) ?? new Set<string>();
    const noTraffic = traffic.some((name) => has.has(name)) ? [] : traffic;
    const absent = names(config.signals.filter((s) => !has.has(s.name) && !s.traffic));
    if (absent.length === 0 && noTraffic.length === 0) continue;
    coverage[cluster] = {
      absent,
      noTraffic,
      noFastSignal: fast.some((name) => has.has(name)) ? [] : fast,
      noHeadroom: names(config.signals.filter((s) => s.headroomPercent !== undefined && !has.has(s.name))),
    };
  }
  return coverage;
}

/** Whether the gate cannot guard the cluster (the rule above). */
export function isUnguarded(gaps: ClusterCoverage): boolean {
  return gaps.noFastSignal.length > 0 || gaps.noHeadroom.length > 0;
}

/**
 * Why the gate cannot guard each cluster: one reason per gap, none where every needed signal
 * reports. No coverage at all (a state saved before it was recorded, till the next evaluation
 * records it) is not "no gaps": any cluster may be as blind as one with none of its fast signals.
 */
export function unguardedReasons(coverage: Readonly<Record<string, ClusterCoverage>> | undefined): string[] {
  if (!coverage)
    return [
      'blind: the state does not record which signals each cluster reports (saved before it did): unknown until the guardrail evaluates again',
    ];
  const reasons: string[] = [];
  for (const [cluster, gaps] of Object.entries(coverage)) {
    if (gaps.noFastSignal.length > 0)
      reasons.push(
        `blind: cluster ${cluster} has reported none of the fast signals (${gaps.noFastSignal.join(', ')}): a storm there could not be rolled back`,
      );
    if (gaps.noHeadroom.length > 0)
      reasons.push(`blind: cluster ${cluster} has never reported ${gaps.noHeadroom.join(', ')}: its headroom cannot be checked`);
  }
  return reasons;
}

/** A warning per cluster with a signal absent that was not absent `before` (every one, without `before`). */
export function coverageWarnings(
  coverage: Readonly<Record<string, ClusterCoverage>> | undefined,
  before?: Readonly<Record<string, ClusterCoverage>>,
): string[] {
  return Object.entries(coverage ?? {}).flatMap(([cluster, gaps]) => {
    const missing = (g: ClusterCoverage | undefined) => [...(g?.absent ?? []), ...(g?.noTraffic ?? [])];
    const known = new Set(missing(before?.[cluster]));
    if (before && missing(gaps).every((name) => known.has(name))) return [];
    const gate = isUnguarded(gaps) ? '; the gate denies step-ups while it cannot guard the cluster' : '';
    const traffic = gaps.noTraffic ?? [];
    return [
      ...(gaps.absent.length > 0
        ? [`cluster ${cluster} has no data for ${gaps.absent.join(', ')}: the guardrail is blind for them${gate}`]
        : []),
      ...(traffic.length > 0
        ? [
            `cluster ${cluster} reports no traffic signal (${traffic.join(', ')}): its release watches judge connections as they are, not per unit of traffic`,
          ]
        : []),
    ];
  });
}
