/**
 * A replay: the guardrail run over exported data, one evaluation per metric period, exactly as the
 * scheduled detector would have run it. The same `tick` as production; the clock is the data's.
 *
 * Beside what the guardrail did, it reads from the same data what happened without it: when a
 * broker's heap after GC reached the exhaustion level, and the lead time the rollback gained.
 */

import type { Alert } from '../core/alert.ts';
import type { Anomaly } from '../core/anomaly.ts';
import { isBusy, planRead, unguardedWarning } from '../core/cadence.ts';
import type { GuardrailConfig } from '../core/config.ts';
import { coverageWarnings } from '../core/coverage.ts';
import type { Decision, Outcome } from '../core/decision.ts';
import type { Episode } from '../core/episode.ts';
import type { EvaluationInput } from '../core/evaluation.ts';
import { type MetricSeries, seriesName } from '../core/metric-series.ts';
import { alignToPeriods } from '../core/period-grid.ts';
import type { ReleaseEvent } from '../core/release.ts';
import { type GuardrailState, newGuardrailState } from '../core/state.ts';
import { type Period, periods, type ReplayInput } from './schedule.ts';
import { type ActingPorts, tick } from './tick.ts';

export type { ReplayInput };

export interface ReplayHooks {
  /** Called before each evaluation with the releases that happened since the last one. */
  readonly releasesDue?: (releases: readonly ReleaseEvent[]) => Promise<void>;
  readonly progress?: (done: number, total: number) => void;
  /** Told of every scored point (for reports). */
  readonly onScore?: EvaluationInput['onScore'];
  /**
   * Read on the deployed detector's cadence (core/cadence.ts): every period while a release is
   * watched, every `cadence.idleMinutes` otherwise, the points of the periods between read at once.
   * Default false: one evaluation per period.
   */
  readonly cadence?: boolean;
}

export interface HeapExhaustion {
  readonly time: number;
  readonly series: string;
  readonly value: number;
}

export interface ReplayResult {
  readonly from: number;
  readonly to: number;
  readonly periodMs: number;
  readonly decisions: Decision[];
  readonly outcomes: Record<string, Outcome>;
  readonly alerts: Alert[];
  readonly anomalies: Anomaly[];
  readonly episodes: Episode[];
  readonly releases: readonly ReleaseEvent[];
  readonly notifierErrors: string[];
  /** Without a guardrail: the first datapoint at or above the heap exhaustion level. */
  readonly heapExhausted?: HeapExhaustion;
  /** The highest heap-after-GC datapoint of the data. */
  readonly heapPeak?: HeapExhaustion;
  readonly state: GuardrailState;
  /** What the replay had to assume of its input (timestamps off the period grid), the configured signals a cluster never reported, and rollout steps outside the guarded environment. */
  readonly warnings: string[];
}

export async function replay(
  input: ReplayInput,
  config: GuardrailConfig,
  ports: ActingPorts,
  hooks: ReplayHooks = {},
): Promise<ReplayResult> {
  const periodMs = config.metricPeriodSeconds * 1000;
  const state = newGuardrailState();
  const result = {
    decisions: [] as Decision[],
    outcomes: {} as Record<string, Outcome>,
    alerts: [] as Alert[],
    anomalies: [] as Anomaly[],
    notifierErrors: [] as string[],
  };
  const aligned = alignToPeriods(input.series, periodMs);
  const schedule = periods({ ...input, series: aligned.series }, periodMs);
  const reader = new CadenceReader(config, schedule.total);
  const due: ReleaseEvent[] = [];
  for (const period of schedule.ticks) {
    due.push(...period.due);
    const series = hooks.cadence ? reader.read(state, period) : period.series;
    if (!series) {
      hooks.progress?.(period.index, schedule.total);
      continue;
    }
    if (due.length > 0) await hooks.releasesDue?.(due.splice(0));
    const step = await tick(
      state,
      { now: period.now, series, releases: period.releases, ...(hooks.onScore ? { onScore: hooks.onScore } : {}) },
      config,
      ports,
    );
    result.decisions.push(...step.acted);
    for (const [id, outcome] of step.outcomes) result.outcomes[id] = outcome;
    result.alerts.push(...step.sent);
    result.anomalies.push(...step.anomalies);
    result.notifierErrors.push(...step.notifierErrors);
    hooks.progress?.(period.index, schedule.total);
  }
  const heapExhausted = firstHeapExhaustion(input.series, config.heap.exhaustedPercent);
  const peak = heapPeak(input.series);
  const unguarded = unguardedWarning(input.releases, config);
  return {
    from: schedule.from,
    to: schedule.to,
    periodMs,
    ...result,
    episodes: state.episodes,
    releases: input.releases,
    ...(heapExhausted ? { heapExhausted } : {}),
    ...(peak ? { heapPeak: peak } : {}),
    state,
    // As of the data's end: a series that starts late is not absent.
    warnings: [...(aligned.warning ? [aligned.warning] : []), ...coverageWarnings(state.coverage), ...(unguarded ? [unguarded] : [])],
  };
}

/**
 * Reading on the deployed detector's cadence: the points of the periods not read are kept, and
 * read at once, in time order (GetMetricData's ScanBy), when the cadence reads.
 */
class CadenceReader {
  private readonly pending = new Map<string, MetricSeries>();

  constructor(
    private readonly config: GuardrailConfig,
    private readonly total: number,
  ) {}

  /** The series to evaluate this period, or undefined when the cadence does not read now. */
  read(state: GuardrailState, period: Period): MetricSeries[] | undefined {
    for (const s of period.series) {
      const kept = this.pending.get(s.key);
      this.pending.set(s.key, kept ? { ...kept, points: [...kept.points, ...s.points] } : s);
    }
    // The data's last period is read whatever the cadence: a replay ends there.
    const now = period.now;
    if (
      period.index < this.total &&
      !planRead({ evaluatedAt: state.evaluatedAt, busy: isBusy(state) }, now, now, period.releases, this.config).read
    )
      return undefined;
    const series = [...this.pending.values()].map((s) => ({ ...s, points: [...s.points].sort((a, b) => a.time - b.time) }));
    this.pending.clear();
    return series;
  }
}

/** The highest heap-after-GC datapoint, across all series. */
export function heapPeak(series: readonly MetricSeries[]): HeapExhaustion | undefined {
  let peak: HeapExhaustion | undefined;
  for (const s of series) {
    if (s.signal !== 'HeapMemoryAfterGC') continue;
    for (const p of s.points) if (!peak || p.value > peak.value) peak = { time: p.time, series: seriesName(s), value: p.value };
  }
  return peak;
}

/** The first heap-after-GC datapoint at or above `percent`, across all series. */
export function firstHeapExhaustion(series: readonly MetricSeries[], percent: number): HeapExhaustion | undefined {
  let first: HeapExhaustion | undefined;
  for (const s of series) {
    if (s.signal !== 'HeapMemoryAfterGC') continue;
    const point = s.points.find((p) => p.value >= percent);
    if (point && (!first || point.time < first.time)) first = { time: point.time, series: seriesName(s), value: point.value };
  }
  return first;
}
