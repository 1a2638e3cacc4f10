import { describe, expect, it } from 'vitest';
import { type GuardrailConfig, parseConfig } from '../../../lambdas/core/config.ts';
import { type Evaluation, evaluate } from '../../../lambdas/core/evaluation.ts';
import { newGuardrailState } from '../../../lambdas/core/state.ts';
import type { MetricSeries } from '../../../lambdas/core/metric-series.ts';
import type { ReleaseEvent, RolloutStep } from '../../../lambdas/core/release.ts';

const MINUTE = 60_000;

function series(signal: string, broker: number, points: Array<{ time: number; value: number }>): MetricSeries {
  return { key: `${signal} Broker ID=${broker}`, signal, cluster: 'events', dimensions: { 'Cluster Name': 'events', 'Broker ID': String(broker) }, points };
}

const step = (minute: number, from: number, to: number, flag = 'storm'): RolloutStep => ({
  kind: 'rollout-step', id: `${flag}-${minute}`, time: minute * MINUTE, flag, environment: 'production', target: { kind: 'fallthrough' }, fromPercent: from, toPercent: to,
});

/**
 * Runs the guardrail one period at a time over `minutes`, with three brokers reporting
 * ConnectionCreationRate = rate(minute, broker) (undefined: no datapoint).
 */
function run(minutes: number, rate: (minute: number, broker: number) => number | undefined, releases: ReleaseEvent[], config: GuardrailConfig = parseConfig('')) {
  const state = newGuardrailState();
  const ticks: Evaluation[] = [];
  for (let m = 1; m <= minutes; m++) {
    const batch = [1, 2, 3].map((b) => {
      const value = rate(m - 1, b);
      return series('ConnectionCreationRate', b, value === undefined ? [] : [{ time: (m - 1) * MINUTE, value }]);
    });
    ticks.push(evaluate(state, { now: m * MINUTE, series: batch, releases: releases.filter((r) => r.time <= m * MINUTE) }, config));
  }
  return { state, decisions: ticks.flatMap((t) => t.decisions), alerts: ticks.flatMap((t) => t.alerts) };
}

const calm = (m: number, b: number) => 10 * (1 + 0.05 * Math.sin(m * 1.3 + b));

describe('evaluate', () => {
  it('rolls back the flag whose step started a storm, once, and freezes it', () => {
    const storm = (m: number, b: number) => calm(m, b) * (m >= 60 ? 3 : 1);
    const { state, decisions, alerts } = run(90, storm, [step(60, 0, 1)]);
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({ action: 'rollback', flag: 'storm', fromPercent: 1, toPercent: 0, mode: 'enforce', time: 61 * MINUTE });
    expect(decisions[0]!.evidence).toMatchObject({ signal: 'ConnectionCreationRate', firstAnomalyAt: 60 * MINUTE, seriesAffected: 3 });
    expect(state.freezes['storm/production']).toMatchObject({ percent: 0 });
    expect(alerts.filter((a) => a.kind === 'episode')).toHaveLength(1);
  });

  it('reverts a step up of a frozen flag to its frozen percentage', () => {
    const storm = (m: number, b: number) => calm(m, b) * (m >= 60 ? 3 : 1);
    const releases = [step(60, 0, 1), step(80, 1, 5)];
    const { decisions, alerts } = run(90, storm, releases);
    expect(decisions.map((d) => [d.action, d.fromPercent, d.toPercent])).toEqual([
      ['rollback', 1, 0],
      ['revert', 5, 0],
    ]);
    expect(alerts.some((a) => a.kind === 'reverted')).toBe(true);
  });

  it('records the decision in observe mode without freezing', () => {
    const storm = (m: number, b: number) => calm(m, b) * (m >= 60 ? 3 : 1);
    const { state, decisions } = run(90, storm, [step(60, 0, 1)], parseConfig('mode: observe'));
    expect(decisions).toEqual([expect.objectContaining({ action: 'rollback', mode: 'observe' })]);
    expect(state.freezes).toEqual({});
  });

  it('never rolls back on missing data: it says it is blind, then that it sees again', () => {
    const gap = (m: number, b: number) => (m >= 60 && m < 80 ? undefined : calm(m, b));
    const { decisions, alerts } = run(90, gap, [step(60, 0, 50)]);
    expect(decisions).toEqual([]);
    expect(alerts.map((a) => a.kind)).toEqual(['blind', 'sight-restored']);
    const blind = alerts[0]!;
    expect(blind).toMatchObject({ signal: 'ConnectionCreationRate', since: 60 * MINUTE, time: 65 * MINUTE });
  });

  it('opens no episode for one anomalous point on one broker', () => {
    const blip = (m: number, b: number) => calm(m, b) * (m === 60 && b === 1 ? 5 : 1);
    expect(run(90, blip, []).alerts).toEqual([]);
  });

  it('opens one episode, says no release correlates, and resolves it after the quiet periods', () => {
    const surge = (m: number, b: number) => calm(m, b) * (m >= 60 && m < 70 ? 3 : 1);
    const { state, decisions, alerts } = run(100, surge, []);
    expect(decisions).toEqual([]);
    expect(alerts.map((a) => a.kind)).toEqual(['episode', 'resolved']);
    expect(state.episodes[0]).toMatchObject({ holdReason: 'no release correlates', resolvedAt: (69 + 15) * MINUTE }); // last anomaly at minute 69, then 15 quiet periods
  });

  it('leaves points of incomplete periods for a later evaluation', () => {
    const state = newGuardrailState();
    const config = parseConfig('');
    evaluate(state, { now: 90_000, series: [series('ConnectionCreationRate', 1, [{ time: 60_000, value: 1 }])], releases: [] }, config);
    expect(state.series['ConnectionCreationRate Broker ID=1']!.detector.counts.points).toBe(0);
  });
});
