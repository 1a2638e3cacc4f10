/**
 * A replay: the guardrail run over exported data, one evaluation per metric period, exactly as the
 * scheduled detector would have run it. The same `tick` as production; the clock is the data's.
 *
 * Beside what the guardrail did, it reads from the same data what happened without it: when a
 * broker's heap after GC reached the exhaustion level, and the lead time the rollback gained.
 */
import { type ActingPorts, tick } from './act.ts';
import type { Alert } from './alert.ts';
import type { GuardrailConfig } from './config.ts';
import { type Anomaly, type Episode, type GuardrailState, newGuardrailState } from './guardrail.ts';
import type { MetricSeries } from './metrics.ts';
import { seriesName } from './metrics.ts';
import type { Decision } from './policy.ts';
import type { ReleaseEvent } from './timeline.ts';
import type { Outcome } from '../ports.ts';

export interface ReplayInput {
  readonly series: readonly MetricSeries[];
  readonly releases: readonly ReleaseEvent[];
}

export interface ReplayHooks {
  /** Called before each evaluation with the releases that happened since the last one. */
  readonly releasesDue?: (releases: readonly ReleaseEvent[]) => Promise<void>;
  readonly progress?: (done: number, total: number) => void;
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
  readonly state: GuardrailState;
}

export async function replay(input: ReplayInput, config: GuardrailConfig, ports: ActingPorts, hooks: ReplayHooks = {}): Promise<ReplayResult> {
  const periodMs = config.metricPeriodSeconds * 1000;
  const times = input.series.flatMap((s) => (s.points.length ? [s.points[0]!.time, s.points.at(-1)!.time] : []));
  const from = Math.min(...times);
  const to = Math.max(...times) + periodMs;
  const state = newGuardrailState();
  const cursors = input.series.map(() => 0);
  const result = { decisions: [] as Decision[], outcomes: {} as Record<string, Outcome>, alerts: [] as Alert[], anomalies: [] as Anomaly[], notifierErrors: [] as string[] };
  const total = Math.round((to - from) / periodMs);
  let releaseCursor = 0;
  for (let now = from + periodMs, done = 1; now <= to; now += periodMs, done++) {
    const due: ReleaseEvent[] = [];
    while (releaseCursor < input.releases.length && input.releases[releaseCursor]!.time <= now) due.push(input.releases[releaseCursor++]!);
    if (due.length > 0) await hooks.releasesDue?.(due);
    const series = input.series.map((s, i) => ({ ...s, points: takeComplete(s, cursors, i, now, periodMs) }));
    const step = await tick(state, { now, series, releases: input.releases.slice(0, releaseCursor) }, config, ports);
    result.decisions.push(...step.acted);
    for (const [id, outcome] of step.outcomes) result.outcomes[id] = outcome;
    result.alerts.push(...step.sent);
    result.anomalies.push(...step.anomalies);
    result.notifierErrors.push(...step.notifierErrors);
    hooks.progress?.(done, total);
  }
  const heapExhausted = firstHeapExhaustion(input.series, config.heap.exhaustedPercent);
  return {
    from,
    to,
    periodMs,
    ...result,
    episodes: state.episodes,
    releases: input.releases,
    ...(heapExhausted ? { heapExhausted } : {}),
    state,
  };
}

/** The points of series i whose periods are complete at `now`, advancing its cursor. */
function takeComplete(series: MetricSeries, cursors: number[], i: number, now: number, periodMs: number): MetricSeries['points'] {
  const start = cursors[i]!;
  let end = start;
  while (end < series.points.length && series.points[end]!.time + periodMs <= now) end++;
  cursors[i] = end;
  return series.points.slice(start, end);
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
