/**
 * One scheduled run of the detector: what the Lambda does every minute, over ports.
 *
 * Read the releases and what the cadence needs of the state (core/cadence.ts): while nothing is
 * watched, most runs stop there. A run that reads loads the state; reads the signals from just
 * before the last evaluation (late datapoints are taken now, points already counted are skipped)
 * up to the newest complete period at least `publishDelaySeconds` old; evaluates and carries out
 * (decisions recorded first, so of two overlapping runs only one acts); saves the state, with what
 * the evaluation was given, refused if another run saved first.
 */

import { isBusy, planRead, type ReadPlan, unguardedWarning } from '../core/cadence.ts';
import type { GuardrailConfig } from '../core/config.ts';
import { coverageWarnings } from '../core/coverage.ts';
import { baselineOf } from '../core/detector.ts';
import { detectorSettings } from '../core/detector-settings.ts';
import { knownPercent } from '../core/exposure.ts';
import type { MetricSeries } from '../core/metric-series.ts';
import type { ReleaseEvent } from '../core/release.ts';
import { type GuardrailState, newGuardrailState } from '../core/state.ts';
import type { MetricSource, ReleaseLog, StateStore } from '../ports.ts';
import { type ActingPorts, type Tick, tick } from './tick.ts';

export interface RunPorts extends ActingPorts {
  readonly metrics: MetricSource;
  readonly timeline: Pick<ReleaseLog, 'releases'>;
  readonly store: StateStore;
}

export interface ReadResult extends Tick {
  readonly read: true;
  /** Why this run read (the cadence's plan). */
  readonly plan: ReadPlan;
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

/** A run the cadence let go: nothing read, evaluated or saved (its effect lists are empty). */
export interface SkippedRun
  extends Pick<Tick, 'anomalies' | 'decisions' | 'alerts' | 'outcomes' | 'acted' | 'resumed' | 'deferred' | 'sent' | 'notifierErrors'> {
  readonly read: false;
  readonly plan: ReadPlan;
  /** The last evaluation's time. */
  readonly lastEvaluatedAt: number | null;
}

export type RunResult = ReadResult | SkippedRun;

/** Periods read again before the last evaluation: late datapoints land there. */
const LATE_PERIODS = 5;
/** Periods read on the first run, so the detectors start warm. */
const FIRST_RUN_PERIODS = 60;

export async function runOnce(config: GuardrailConfig, ports: RunPorts, now: number): Promise<RunResult> {
  const periodMs = config.metricPeriodSeconds * 1000;
  const evaluatedAt = Math.floor((now - config.publishDelaySeconds * 1000) / periodMs) * periodMs;
  // Up to now, not to the evaluation: a release that landed since starts its watch at once.
  const known = await ports.timeline.releases(now);
  let state = ports.store.cadence ? undefined : await ports.store.load();
  const cadence = ports.store.cadence
    ? await ports.store.cadence()
    : { evaluatedAt: state?.evaluatedAt ?? null, busy: state ? isBusy(state) : false };
  const plan = planRead(cadence, evaluatedAt, now, known, config);
  if (!plan.read) return skipped(plan, cadence.evaluatedAt);

  state = state ?? (await ports.store.load()) ?? newGuardrailState();
  const from = (state.evaluatedAt ?? evaluatedAt - FIRST_RUN_PERIODS * periodMs) - LATE_PERIODS * periodMs;
  const readout = await ports.metrics.read(from, evaluatedAt);
  const releases = known.filter((r) => r.time <= evaluatedAt);
  const fresh = newToState(state, readout.series, evaluatedAt, periodMs);
  // The state is saved before the evaluation's own alerts go out (refused if another run saved first).
  const loaded = state;
  const coverageBefore = state.coverage;
  const before = state.evaluatedAt;
  // Said once, as each release lands: the releases of every earlier run were.
  const unguarded = unguardedWarning(
    releases.filter((r) => before === null || r.time > before),
    config,
  );
  const result = await tick(state, { now: evaluatedAt, series: readout.series, releases }, config, {
    ...ports,
    commit: () => ports.store.save(loaded, { now: evaluatedAt, series: fresh }),
  });
  // A loop, not Math.max(...points): a first run over thousands of series reads too many to spread.
  let newest = -Infinity;
  for (const s of readout.series) for (const p of s.points) if (p.time + periodMs > newest) newest = p.time + periodMs;
  const series = Object.values(state.series);
  return {
    ...result,
    read: true,
    plan,
    evaluatedAt,
    seriesEvaluated: readout.series.filter((s) => s.points.length > 0).length,
    blindSeries: series.filter((s) => s.blind).length,
    ...(Number.isFinite(newest) ? { dataAgeSeconds: (evaluatedAt - newest) / 1000 } : {}),
    // Once per change: each run would say the same again.
    warnings: [...readout.warnings, ...coverageWarnings(state.coverage, coverageBefore), ...(unguarded ? [unguarded] : [])],
    baselines: medianBaselines(state.series, config),
    rollouts: currentRollouts(state, releases, config.environment, evaluatedAt),
    state,
    releases,
  };
}

function skipped(plan: ReadPlan, lastEvaluatedAt: number | null): SkippedRun {
  return {
    read: false,
    plan,
    lastEvaluatedAt,
    anomalies: [],
    decisions: [],
    alerts: [],
    outcomes: new Map(),
    acted: [],
    resumed: [],
    deferred: [],
    sent: [],
    notifierErrors: [],
  };
}

/**
 * What the evaluation will take from the readout: the points of complete periods after each
 * series' last counted one (the rest are skipped by the detectors), and the series new to the state.
 */
function newToState(state: GuardrailState, series: readonly MetricSeries[], now: number, periodMs: number): MetricSeries[] {
  const fresh: MetricSeries[] = [];
  for (const s of series) {
    const known = state.series[s.key];
    const after = known?.detector.lastTime ?? -Infinity;
    const points = s.points.filter((p) => p.time > after && p.time + periodMs <= now);
    if (!known || points.length > 0) fresh.push({ ...s, points });
  }
  return fresh;
}

function medianBaselines(series: ReturnType<typeof newGuardrailState>['series'], config: GuardrailConfig): ReadResult['baselines'] {
  const settings = new Map(
    config.signals.map((signal) => [signal.name, detectorSettings(signal, config.detector, config.metricPeriodSeconds * 1000)]),
  );
  const groups = new Map<string, { cluster: string; signal: string; values: number[] }>();
  for (const s of Object.values(series)) {
    const signalSettings = settings.get(s.signal);
    if (!signalSettings || s.detector.baseline.n === 0) continue;
    const key = `${s.cluster}/${s.signal}`;
    const group = groups.get(key) ?? { cluster: s.cluster, signal: s.signal, values: [] };
    group.values.push(baselineOf(s.detector, signalSettings));
    groups.set(key, group);
  }
  return [...groups.values()].map(({ cluster, signal, values }) => ({
    cluster,
    signal,
    baseline: values.sort((a, b) => a - b)[values.length >> 1]!,
  }));
}

/** Each flag stepped in the environment, at its fallthrough percentage as the guardrail knows it. */
function currentRollouts(
  state: GuardrailState,
  releases: readonly ReleaseEvent[],
  environment: string,
  now: number,
): ReadResult['rollouts'] {
  const flags = new Set(
    releases.flatMap((r) =>
      r.kind === 'rollout-step' && r.environment === environment && r.target.kind === 'fallthrough' ? [r.flag] : [],
    ),
  );
  return [...flags].map((flag) => ({
    flag,
    percent: knownPercent(state, releases, flag, environment, { kind: 'fallthrough' }, now)!.percent,
  }));
}
