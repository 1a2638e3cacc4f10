/**
 * One scheduled run of the detector: what the Lambda does every minute, over ports.
 *
 * Load the state; read the signals from just before the last evaluation (late datapoints are
 * taken now, points already counted are skipped) up to the newest complete period at least
 * `publishDelaySeconds` old; read the releases; evaluate and carry out (decisions recorded first,
 * so of two overlapping runs only one acts); save the state, refused if another run saved first.
 */
import { type ActingPorts, type Tick, tick } from './tick.ts';
import type { GuardrailConfig } from '../core/config.ts';
import { baselineOf } from '../core/detector.ts';
import { detectorSettings } from '../core/detector-settings.ts';
import { type GuardrailState, newGuardrailState } from '../core/state.ts';
import { knownPercent } from '../core/exposure.ts';
import type { ReleaseEvent } from '../core/release.ts';
import type { MetricSource, ReleaseLog, StateStore } from '../ports.ts';

export interface RunPorts extends ActingPorts {
  readonly metrics: MetricSource;
  readonly timeline: Pick<ReleaseLog, 'releases'>;
  readonly store: StateStore;
}

export interface RunResult extends Tick {
  /** The evaluation's time: the end of the newest complete period evaluated. */
  readonly evaluatedAt: number;
  readonly seriesEvaluated: number;
  readonly blindSeries: number;
  /** Seconds from the newest datapoint read to the evaluation time (undefined: no data). */
  readonly dataAgeSeconds?: number;
  readonly warnings: readonly string[];
  /** Per cluster and signal, the median baseline across its series: for the dashboard. */
  readonly baselines: ReadonlyArray<{ cluster: string; signal: string; baseline: number }>;
  /** Per flag in the guarded environment, its rollout percentage as the guardrail knows it. */
  readonly rollouts: ReadonlyArray<{ flag: string; percent: number }>;
  /** The state as saved, and the releases evaluated against (for reports). */
  readonly state: GuardrailState;
  readonly releases: readonly ReleaseEvent[];
}

/** Periods read again before the last evaluation: late datapoints land there. */
const LATE_PERIODS = 5;
/** Periods read on the first run, so the detectors start warm. */
const FIRST_RUN_PERIODS = 60;

export async function runOnce(config: GuardrailConfig, ports: RunPorts, now: number): Promise<RunResult> {
  const periodMs = config.metricPeriodSeconds * 1000;
  const evaluatedAt = Math.floor((now - config.publishDelaySeconds * 1000) / periodMs) * periodMs;
  const state = (await ports.store.load()) ?? newGuardrailState();
  const from = (state.evaluatedAt ?? evaluatedAt - FIRST_RUN_PERIODS * periodMs) - LATE_PERIODS * periodMs;
  const readout = await ports.metrics.read(from, evaluatedAt);
  const releases = await ports.timeline.releases(evaluatedAt);
  // The state is saved before the evaluation's own alerts go out (refused if another run saved first).
  const result = await tick(state, { now: evaluatedAt, series: readout.series, releases }, config, { ...ports, commit: () => ports.store.save(state) });
  // A loop, not Math.max(...points): a first run over thousands of series reads too many to spread.
  let newest = -Infinity;
  for (const s of readout.series) for (const p of s.points) if (p.time + periodMs > newest) newest = p.time + periodMs;
  const series = Object.values(state.series);
  return {
    ...result,
    evaluatedAt,
    seriesEvaluated: readout.series.filter((s) => s.points.length > 0).length,
    blindSeries: series.filter((s) => s.blind).length,
    ...(Number.isFinite(newest) ? { dataAgeSeconds: (evaluatedAt - newest) / 1000 } : {}),
    warnings: readout.warnings,
    baselines: medianBaselines(state.series, config),
    rollouts: currentRollouts(state, releases, config.environment, evaluatedAt),
    state,
    releases,
  };
}

function medianBaselines(series: ReturnType<typeof newGuardrailState>['series'], config: GuardrailConfig): RunResult['baselines'] {
  const settings = new Map(config.signals.map((signal) => [signal.name, detectorSettings(signal, config.detector, config.metricPeriodSeconds * 1000)]));
  const groups = new Map<string, { cluster: string; signal: string; values: number[] }>();
  for (const s of Object.values(series)) {
    const signalSettings = settings.get(s.signal);
    if (!signalSettings || s.detector.baseline.n === 0) continue;
    const key = `${s.cluster}/${s.signal}`;
    const group = groups.get(key) ?? { cluster: s.cluster, signal: s.signal, values: [] };
    group.values.push(baselineOf(s.detector, signalSettings));
    groups.set(key, group);
  }
  return [...groups.values()].map(({ cluster, signal, values }) => ({ cluster, signal, baseline: values.sort((a, b) => a - b)[values.length >> 1]! }));
}

/** Each flag stepped in the environment, at its fallthrough percentage as the guardrail knows it. */
function currentRollouts(state: GuardrailState, releases: readonly ReleaseEvent[], environment: string, now: number): RunResult['rollouts'] {
  const flags = new Set(releases.flatMap((r) => (r.kind === 'rollout-step' && r.environment === environment && r.target.kind === 'fallthrough' ? [r.flag] : [])));
  return [...flags].map((flag) => ({ flag, percent: knownPercent(state, releases, flag, environment, { kind: 'fallthrough' }, now)!.percent }));
}
