/**
 * A replay: the guardrail run over exported data, one evaluation per metric period, exactly as the
 * scheduled detector would have run it. The same `tick` as production; the clock is the data's.
 *
 * Beside what the guardrail did, it reads from the same data what happened without it: when a
 * broker's heap after GC reached the exhaustion level, and the lead time the rollback gained.
 */
import { type ActingPorts, tick } from './tick.ts';
import type { Alert } from '../core/alert.ts';
import type { GuardrailConfig } from '../core/config.ts';
import { type Anomaly } from '../core/anomaly.ts';
import { type Episode } from '../core/episode.ts';
import { type EvaluationInput } from '../core/evaluation.ts';
import { type GuardrailState, newGuardrailState } from '../core/state.ts';
import { type MetricSeries, seriesName } from '../core/metric-series.ts';
import type { Decision } from '../core/decision.ts';
import type { ReleaseEvent } from '../core/release.ts';
import type { Outcome } from '../core/decision.ts';

export interface ReplayInput {
  readonly series: readonly MetricSeries[];
  readonly releases: readonly ReleaseEvent[];
  /**
   * How long after its period ends each datapoint becomes visible (CloudWatch publishes late).
   * Default 0: every point is there as soon as its period is complete.
   */
  readonly publishDelayMs?: (series: MetricSeries, pointIndex: number) => number;
}

export interface ReplayHooks {
  /** Called before each evaluation with the releases that happened since the last one. */
  readonly releasesDue?: (releases: readonly ReleaseEvent[]) => Promise<void>;
  readonly progress?: (done: number, total: number) => void;
  /** Told of every scored point (for reports). */
  readonly onScore?: EvaluationInput['onScore'];
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
}

export async function replay(input: ReplayInput, config: GuardrailConfig, ports: ActingPorts, hooks: ReplayHooks = {}): Promise<ReplayResult> {
  const periodMs = config.metricPeriodSeconds * 1000;
  const state = newGuardrailState();
  const result = { decisions: [] as Decision[], outcomes: {} as Record<string, Outcome>, alerts: [] as Alert[], anomalies: [] as Anomaly[], notifierErrors: [] as string[] };
  const schedule = evaluations(input, periodMs);
  for (const evaluation of schedule.ticks) {
    if (evaluation.due.length > 0) await hooks.releasesDue?.(evaluation.due);
    const step = await tick(state, { now: evaluation.now, series: evaluation.series, releases: evaluation.releases, ...(hooks.onScore ? { onScore: hooks.onScore } : {}) }, config, ports);
    result.decisions.push(...step.acted);
    for (const [id, outcome] of step.outcomes) result.outcomes[id] = outcome;
    result.alerts.push(...step.sent);
    result.anomalies.push(...step.anomalies);
    result.notifierErrors.push(...step.notifierErrors);
    hooks.progress?.(evaluation.index, schedule.total);
  }
  const heapExhausted = firstHeapExhaustion(input.series, config.heap.exhaustedPercent);
  const peak = heapPeak(input.series);
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
  };
}

export interface Evaluation {
  readonly index: number;
  readonly now: number;
  /** Points that became visible since the last evaluation, per series, in time order. */
  readonly series: MetricSeries[];
  /** Releases up to now, and those new since the last evaluation. */
  readonly releases: readonly ReleaseEvent[];
  readonly due: readonly ReleaseEvent[];
}

/**
 * The evaluations a scheduled detector would have made over this data, one per period: what it
 * could see at each. Shared by the replay and by anything else judged on the same data.
 */
export function evaluations(input: ReplayInput, periodMs: number): { from: number; to: number; total: number; ticks: Iterable<Evaluation> } {
  const arrivals = input.series.map((s) => arrivalOrder(s, periodMs, input.publishDelayMs));
  const from = Math.min(...input.series.flatMap((s) => (s.points.length ? [s.points[0]!.time] : [])));
  // The last evaluation sees the last point to arrive.
  const lastArrival = Math.max(...arrivals.flatMap((a) => (a.length ? [a.at(-1)!.at] : [])));
  const to = from + Math.ceil((lastArrival - from) / periodMs) * periodMs;
  const total = Math.round((to - from) / periodMs);
  function* ticks(): Iterable<Evaluation> {
    const cursors = input.series.map(() => 0);
    let releaseCursor = 0;
    for (let now = from + periodMs, index = 1; now <= to; now += periodMs, index++) {
      const due: ReleaseEvent[] = [];
      while (releaseCursor < input.releases.length && input.releases[releaseCursor]!.time <= now) due.push(input.releases[releaseCursor++]!);
      const series = input.series.map((s, i) => ({ ...s, points: takeVisible(s, arrivals[i]!, cursors, i, now) }));
      yield { index, now, series, releases: input.releases.slice(0, releaseCursor), due };
    }
  }
  return { from, to, total, ticks: ticks() };
}

interface Arrival {
  readonly at: number;
  readonly index: number;
}

/** When each point of a series becomes visible, in that order. */
function arrivalOrder(series: MetricSeries, periodMs: number, delay: ReplayInput['publishDelayMs']): Arrival[] {
  return series.points
    .map((point, index) => ({ at: point.time + periodMs + (delay?.(series, index) ?? 0), index }))
    .sort((a, b) => a.at - b.at || a.index - b.index);
}

/** The points of series i that became visible by `now`, in time order, advancing its cursor. */
function takeVisible(series: MetricSeries, arrivals: readonly Arrival[], cursors: number[], i: number, now: number): MetricSeries['points'] {
  const start = cursors[i]!;
  let end = start;
  while (end < arrivals.length && arrivals[end]!.at <= now) end++;
  cursors[i] = end;
  return arrivals
    .slice(start, end)
    .map((a) => a.index)
    .sort((a, b) => a - b)
    .map((index) => series.points[index]!);
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
