/**
 * Stepping back while the storm goes on. A flag's baseline is what its signals were before its
 * first watched step: each fast signal's watch as it opened (the levels before the step, the
 * cluster's noise), the heap slope before it, and the lowest percentage whose heap climbed. After a
 * rollback to a lower percentage that is not 0, what persists of the flag's effect is judged: a
 * fresh release watch on the baseline's levels, from a couple of periods after the rollback (a
 * rollback takes a minute to act), as long as it fell with the percentage (dose.ts: what did not
 * is not the flag's); or the heap's climb since the rollback (heap-watch.ts). Persisting, it steps
 * the flag back again (policy.ts: the freeze and the cooldown do not hold back the guardrail's own
 * step-backs), each step its own decision with its evidence, down to 0 or off.
 */
import type { HeapEntry } from './heap-watch.ts';
import { guardKey, type RolloutStep } from './release.ts';
import { basisOf, freshWatch, type ReleaseWatch } from './release-watch.ts';
import { indexKey } from './series-index.ts';
import type { WatchEntry } from './watches.ts';

export interface FlagBaseline {
  readonly flag: string;
  readonly environment: string;
  /** The flag's first watched step (its later steps within BASELINE_REUSE_MS share it). */
  readonly since: number;
  /** Per cluster and fast signal (watches.ts indexKey), the first step's watch as it opened. */
  readonly fast: Record<string, { readonly cluster: string; readonly signal: string; readonly watch: ReleaseWatch }>;
  /** Per cluster, the heap slope before the first step (points per hour). */
  readonly heapSlope: Record<string, number>;
  /** Per cluster, the lowest percentage a step of the flag took it to whose heap climbed (heap-watch.ts): its later steps from there up are judged early. */
  heapClimbed?: Record<string, number>;
}

/** A later step of the flag is judged against its first step's baseline only this long: traffic moves. */
export const BASELINE_REUSE_MS = 6 * 3_600_000;
/** A baseline is kept this long after its step: a rollback can come hours after later steps. */
const BASELINE_KEPT_MS = 13 * 3_600_000;
/** Periods after a rollback before the flag's remaining excess is judged: the rollback takes a minute to act. */
export const SETTLE_PERIODS = 2;

/**
 * The baseline for this step of its rollout target (a rule's apart): the target's first step's,
 * while recent enough; else this step's, which keeps the climbs of the one it replaces: levels move
 * with traffic, a flag's dose and response does not.
 */
export function baselineFor(baselines: Record<string, FlagBaseline>, step: RolloutStep): FlagBaseline {
  const key = guardKey(step.flag, step.environment, step.target);
  const existing = Object.hasOwn(baselines, key) ? baselines[key] : undefined;
  if (existing && step.time - existing.since <= BASELINE_REUSE_MS) return existing;
  const climbed = existing?.heapClimbed;
  const created: FlagBaseline = {
    flag: step.flag,
    environment: step.environment,
    since: step.time,
    fast: {},
    heapSlope: {},
    ...(climbed ? { heapClimbed: { ...climbed } } : {}),
  };
  baselines[key] = created;
  return created;
}

/** Keeps a watch as it opened, when it is the first of its cluster and signal for the baseline. */
export function rememberWatch(baseline: FlagBaseline, entry: WatchEntry): void {
  baseline.fast[indexKey(entry.cluster, entry.signal)] ??= {
    cluster: entry.cluster,
    signal: entry.signal,
    watch: structuredClone(entry.watch),
  };
}

/** Keeps the heap slope before the flag's first step on this cluster, told by that step's heap watch (a later step's slope before holds the flag's own climb). */
export function rememberHeapSlope(
  baselines: Record<string, FlagBaseline>,
  step: RolloutStep,
  cluster: string,
  slope: () => number | undefined,
): void {
  const baseline = baselineOf(baselines, step);
  // Measured only where it is kept: the first step's watch tells it every period until it has its hour.
  if (!baseline || baseline.since !== step.time || baseline.heapSlope[cluster] !== undefined) return;
  const measured = slope();
  if (measured !== undefined) baseline.heapSlope[cluster] = measured;
}

/** Keeps that this step's heap climbed on the cluster. */
export function rememberHeapClimb(baselines: Record<string, FlagBaseline>, step: RolloutStep, cluster: string): void {
  const baseline = baselineOf(baselines, step);
  if (!baseline) return;
  baseline.heapClimbed ??= {};
  baseline.heapClimbed[cluster] = Math.min(baseline.heapClimbed[cluster] ?? Infinity, step.toPercent);
}

/** Whether a step of the flag before this one climbed on the cluster (at or below the percentage this step starts from). */
export function climbedBefore(baselines: Readonly<Record<string, FlagBaseline>>, step: RolloutStep, cluster: string): boolean {
  const at = baselineOf(baselines, step)?.heapClimbed?.[cluster];
  return at !== undefined && at <= step.fromPercent;
}

export function baselineOf(baselines: Readonly<Record<string, FlagBaseline>>, step: RolloutStep): FlagBaseline | undefined {
  const key = guardKey(step.flag, step.environment, step.target);
  return Object.hasOwn(baselines, key) ? baselines[key] : undefined;
}

/**
 * Watches of what persists of the flag's fast effect after a rollback at `now`, against its
 * baseline's levels. `before`: each signal's pooled log ratio over those levels at the rollback (per unit of traffic where the watch was).
 */
export function excessWatches(
  baseline: FlagBaseline,
  step: RolloutStep,
  now: number,
  periodMs: number,
  before: (cluster: string, signal: string, watch: ReleaseWatch) => number | undefined,
): WatchEntry[] {
  const start = Math.floor(now / periodMs) * periodMs + SETTLE_PERIODS * periodMs;
  return Object.values(baseline.fast).map(({ cluster, signal, watch: first }) => {
    // Same levels and calibration as the first step's watch, its running state started afresh.
    // Without the second stage: what persists is judged over the first stage's periods, as it was.
    const { sustainedExcess, ...basis } = basisOf(structuredClone(first));
    const watch = freshWatch({ ...basis, release: { id: `${step.id}/excess/${now}`, time: start }, start });
    const dose = before(cluster, signal, first);
    return {
      id: `${step.id}/${cluster}/${signal}/excess/${now}`,
      release: step,
      cluster,
      signal,
      purpose: 'excess',
      watch,
      next: start,
      seen: [],
      brokers: [],
      ...(dose !== undefined ? { before: dose } : {}),
    };
  });
}

/** Heap watches of what persists of the flag's heap climb after a rollback at `now` (heap-watch.ts). */
export function excessHeapWatches(step: RolloutStep, clusters: readonly string[], signal: string, now: number): HeapEntry[] {
  return clusters.map((cluster) => ({
    id: `${step.id}/${cluster}/${signal}/excess/${now}`,
    release: step,
    cluster,
    signal,
    purpose: 'excess',
    since: now,
    done: false,
  }));
}

/** Drops baselines too old to be used. */
export function expireBaselines(baselines: Record<string, FlagBaseline>, now: number): void {
  for (const [key, baseline] of Object.entries(baselines)) if (now - baseline.since > BASELINE_KEPT_MS) delete baselines[key];
}
