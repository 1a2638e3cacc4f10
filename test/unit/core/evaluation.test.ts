import { describe, expect, it } from 'vitest';
import { type GuardrailConfig, parseConfig } from '../../../lambdas/core/config.ts';
import { type Evaluation, evaluate } from '../../../lambdas/core/evaluation.ts';
import type { ReleaseEvent } from '../../../lambdas/core/release.ts';
import { newGuardrailState } from '../../../lambdas/core/state.ts';
import { MINUTE, runWorld, series, step, type World, wobble } from './evaluation-fixtures.ts';

/**
 * Runs the guardrail one period at a time over `minutes`, with three brokers reporting
 * ConnectionCreationRate = rate(minute, broker) (undefined: no datapoint).
 */
function run(
  minutes: number,
  rate: (minute: number, broker: number) => number | undefined,
  releases: ReleaseEvent[],
  config: GuardrailConfig = parseConfig(''),
) {
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
    expect(decisions[0]).toMatchObject({
      action: 'rollback',
      flag: 'storm',
      fromPercent: 1,
      toPercent: 0,
      mode: 'enforce',
      time: 61 * MINUTE,
    });
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

const deploy = (minute: number): ReleaseEvent => ({
  kind: 'deploy',
  id: `deploy-${minute}`,
  time: minute * MINUTE,
  service: 'api',
  version: '2.1.0',
  environment: 'production',
});

describe('evaluate: release-anchored checks', () => {
  it('steps a flag back again while its excess persists at the lower percentage, each step its own decision: neither the freeze nor the cooldown holds it', () => {
    // At 1% the flag's effect shows only from minute 75 (15 minutes late: not the step's, for the step's own watch); at 5% at once.
    const world: World = (_, m, b, percent) => 10 * wobble(m, b) * (percent >= 5 ? 3 : percent >= 1 && m >= 75 ? 1.5 : 1);
    const { decisions, state } = runWorld(140, world, ['ConnectionCreationRate'], [step(60, 0, 1), step(100, 1, 5)]);
    expect(decisions.map((d) => [d.action, d.fromPercent, d.toPercent])).toEqual([
      ['rollback', 5, 1],
      ['rollback', 1, 0],
    ]);
    expect(new Set(decisions.map((d) => d.id)).size).toBe(2);
    expect(decisions[1]!.time - decisions[0]!.time).toBeLessThan(config().rollback.cooldownMinutes * MINUTE);
    expect(decisions[1]!.evidence.watch).toMatchObject({ purpose: 'excess', signal: 'ConnectionCreationRate' });
    expect(decisions[1]!.reason).toMatch(
      /^storm still storming at 1%: ConnectionCreationRate 1\.\d+x its level before the flag's first step/,
    );
    expect(state.freezes['storm/production']).toMatchObject({ percent: 0 });
  });

  it("does not step back on an excess that did not fall with the percentage (not the flag's)", () => {
    // A burst of 3x from minute 100 on, whatever the flag: the 5% step is rolled back (it came with the burst), no further.
    const world: World = (_, m, b) => 10 * wobble(m, b) * (m >= 100 ? 3 : 1);
    const { decisions } = runWorld(140, world, ['ConnectionCreationRate'], [step(60, 0, 1), step(100, 1, 5)]);
    expect(decisions.map((d) => [d.fromPercent, d.toPercent])).toEqual([[5, 1]]);
  });

  it('names a deploy that moved a signal in a critical alert, and rolls nothing back', () => {
    const world: World = (_, m, b) => 10 * wobble(m, b) * (m >= 60 ? 3 : 1);
    const { decisions, alerts, state } = runWorld(75, world, ['ConnectionCreationRate'], [deploy(60)]);
    expect(decisions).toEqual([]);
    const episode = state.episodes.find((e) => e.attribution?.kind === 'attributed')!;
    expect(episode.attribution).toMatchObject({
      release: { kind: 'deploy', service: 'api' },
      evidence: { kind: 'fast', onset: 60 * MINUTE },
    });
    expect(episode.holdReason).toMatch(/deploy .*: Stormguard rolls back flags only/);
    expect(alerts.filter((a) => a.kind === 'episode' && a.episodeId === episode.id)).toHaveLength(1);
  });

  it('rolls back a flag stepped in the same minute as a deploy, and names both', () => {
    const world: World = (_, m, b) => 10 * wobble(m, b) * (m >= 60 ? 3 : 1);
    const { decisions, state } = runWorld(75, world, ['ConnectionCreationRate'], [deploy(60), step(60, 0, 1)]);
    expect(decisions.map((d) => [d.flag, d.fromPercent, d.toPercent])).toEqual([['storm', 1, 0]]);
    const episode = state.episodes.find((e) => e.decisionIds.length > 0)!;
    expect(episode.attribution).toMatchObject({ release: { flag: 'storm' }, others: [{ kind: 'deploy' }] });
  });

  it('blames the later of two releases when the effect followed it', () => {
    const world: World = (_, m, b) => 10 * wobble(m, b) * (m >= 63 ? 3 : 1);
    const { decisions } = runWorld(80, world, ['ConnectionCreationRate'], [step(60, 0, 5, 'harmless'), step(63, 0, 1)]);
    expect(decisions.map((d) => d.flag)).toEqual(['storm']);
  });

  it('is not held back by noise on another signal: an episode per cluster and signal', () => {
    const world: World = (signal, m, b) =>
      signal === 'ConnectionCount' ? 1000 * wobble(m, b) * (m >= 40 ? 2 : 1) : 10 * wobble(m, b) * (m >= 60 ? 3 : 1);
    const { decisions, state } = runWorld(75, world, ['ConnectionCreationRate', 'ConnectionCount'], [step(60, 0, 1)]);
    expect(decisions).toEqual([expect.objectContaining({ flag: 'storm', time: 61 * MINUTE })]);
    expect(new Set(state.episodes.map((e) => e.signal))).toEqual(new Set(['ConnectionCount', 'ConnectionCreationRate']));
  });

  it('rolls back a step whose heap climbs toward its limit with no fast-signal response; a level bump never', () => {
    const heap =
      (climb: boolean): World =>
      (signal, m, b, percent) =>
        signal === 'HeapMemoryAfterGC'
          ? 40 + 0.3 * Math.sin(m * 0.7 + b) + (percent >= 1 && m >= 200 ? (climb ? ((m - 200) * 10) / 60 : 8) : 0)
          : 10 * wobble(m, b);
    const climbing = runWorld(280, heap(true), ['ConnectionCreationRate', 'HeapMemoryAfterGC'], [step(200, 0, 1)]);
    expect(climbing.decisions).toEqual([
      expect.objectContaining({
        flag: 'storm',
        toPercent: 0,
        evidence: expect.objectContaining({ watch: expect.objectContaining({ kind: 'heap' }) }),
      }),
    ]);
    expect(climbing.decisions[0]!.time).toBeGreaterThanOrEqual(260 * MINUTE);
    expect(runWorld(280, heap(false), ['ConnectionCreationRate', 'HeapMemoryAfterGC'], [step(200, 0, 1)]).decisions).toEqual([]);
  });

  it('decides the same across a JSON round trip of its state every period', () => {
    const world: World = (_, m, b, percent) => 10 * wobble(m, b) * (percent >= 5 ? 3 : percent >= 1 && m >= 75 ? 1.5 : 1);
    const releases = [step(60, 0, 1), step(100, 1, 5)];
    const kept = runWorld(140, world, ['ConnectionCreationRate'], releases);
    const crossed = runWorld(140, world, ['ConnectionCreationRate'], releases, { roundTrip: true });
    expect(crossed.decisions).toEqual(kept.decisions);
    expect(crossed.alerts).toEqual(kept.alerts);
    expect(JSON.parse(JSON.stringify(crossed.state))).toEqual(JSON.parse(JSON.stringify(kept.state)));
  });

  it('warns about episodes no release explains at most once an hour per cluster', () => {
    const surges = (m: number) => (m >= 30 && m < 40) || (m >= 60 && m < 70) || (m >= 150 && m < 160);
    const world: World = (_, m, b) => 10 * wobble(m, b) * (surges(m) ? 3 : 1);
    const { alerts, state } = runWorld(200, world, ['ConnectionCreationRate'], []);
    expect(alerts.filter((a) => a.kind === 'episode').map((a) => a.time / MINUTE)).toEqual([31, 151]);
    expect(state.episodes.map((e) => e.attribution?.kind)).toEqual(['none', 'none', 'none']);
    expect(alerts.filter((a) => a.kind === 'resolved')).toHaveLength(2);
  });
});

const config = () => parseConfig('');
