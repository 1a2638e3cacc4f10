/** The closed-loop harness of the evaluation tests: brokers' series per minute, a flag's steps, the guardrail's percentage fed back. */
import { type GuardrailConfig, parseConfig } from '../../../lambdas/core/config.ts';
import { type Evaluation, evaluate } from '../../../lambdas/core/evaluation.ts';
import type { MetricSeries } from '../../../lambdas/core/metric-series.ts';
import type { ReleaseEvent, RolloutStep } from '../../../lambdas/core/release.ts';
import { newGuardrailState } from '../../../lambdas/core/state.ts';

export const MINUTE = 60_000;

export function series(signal: string, broker: number, points: Array<{ time: number; value: number }>): MetricSeries {
  return {
    key: `${signal} Broker ID=${broker}`,
    signal,
    cluster: 'events',
    dimensions: { 'Cluster Name': 'events', 'Broker ID': String(broker) },
    points,
  };
}

export const step = (minute: number, from: number, to: number, flag = 'storm'): RolloutStep => ({
  kind: 'rollout-step',
  id: `${flag}-${minute}`,
  time: minute * MINUTE,
  flag,
  environment: 'production',
  target: { kind: 'fallthrough' },
  fromPercent: from,
  toPercent: to,
});

export const wobble = (m: number, b: number) => 1 + 0.04 * Math.sin(m * 1.3 + b * 2.1);

/** Brokers' values per signal and minute (undefined: no datapoint); the flag's percentage as the guardrail left it is passed in, closed loop. */
export type World = (signal: string, minute: number, broker: number, percent: number) => number | undefined;

/**
 * Runs the guardrail one period at a time over `minutes`, closed loop: the world sees the
 * percentage the guardrail set (enforce mode). With `roundTrip`, the state crosses JSON between
 * evaluations, as in the Lambda.
 */
export function runWorld(
  minutes: number,
  world: World,
  signals: string[],
  releases: ReleaseEvent[],
  options: { config?: GuardrailConfig; roundTrip?: boolean } = {},
) {
  const config = options.config ?? parseConfig('');
  let state = newGuardrailState();
  const ticks: Evaluation[] = [];
  for (let m = 1; m <= minutes; m++) {
    const now = m * MINUTE;
    const due = releases.filter((r) => r.time <= now);
    const own = state.setPercents['storm/production/fallthrough'];
    const stepped = due.filter((r) => r.kind === 'rollout-step' && r.flag === 'storm').at(-1);
    const percent = own && (!stepped || own.time >= stepped.time) ? own.percent : stepped?.kind === 'rollout-step' ? stepped.toPercent : 0;
    const batch = signals.flatMap((signal) =>
      [1, 2, 3].map((b) => {
        const value = world(signal, m - 1, b, percent);
        return series(signal, b, value === undefined ? [] : [{ time: (m - 1) * MINUTE, value }]);
      }),
    );
    ticks.push(evaluate(state, { now, series: batch, releases: due }, config));
    if (options.roundTrip) state = JSON.parse(JSON.stringify(state));
  }
  return { state, decisions: ticks.flatMap((t) => t.decisions), alerts: ticks.flatMap((t) => t.alerts) };
}
