import { describe, expect, it } from 'vitest';
import { correlate, type CorrelationSettings } from '../../../lambdas/core/correlation.ts';
import { type History, newHistory, remember } from '../../../lambdas/core/history.ts';
import type { Deploy, RolloutStep } from '../../../lambdas/core/release.ts';

const MINUTE = 60_000;
const settings: CorrelationSettings = {
  environment: 'production',
  periodMs: MINUTE,
  lookbackMs: 720 * MINUTE,
  minConfidence: 0.6,
  ambiguityMargin: 0.1,
  responseMs: 10 * MINUTE,
  minEffect: Math.log(1.5),
  logScale: true,
  trend: false,
};

const step = (flag: string, minute: number, from: number, to: number): RolloutStep => ({
  kind: 'rollout-step', id: `${flag}-${minute}`, time: minute * MINUTE, flag, environment: 'production', target: { kind: 'fallthrough' }, fromPercent: from, toPercent: to,
});
const deploy = (minute: number): Deploy => ({ kind: 'deploy', id: `d${minute}`, time: minute * MINUTE, service: 'api', version: '2', environment: 'production' });

/** Log-level history: `level(minute)` for minutes 0 … until-1. */
function history(level: (minute: number) => number, until: number): History {
  const h = newHistory();
  for (let m = 0; m < until; m++) remember(h, 10_000, m * MINUTE, level(m) + 0.01 * Math.sin(m));
  return h;
}

describe('correlate', () => {
  it('attributes a jump to the step right before it, with a consistent dose-response', () => {
    const releases = [step('storm', 100, 0, 1), step('storm', 160, 1, 5)];
    const levels = (m: number) => (m < 100 ? 2 : m < 160 ? 2 + Math.log(2) : 2 + Math.log(6));
    const attribution = correlate(160 * MINUTE, 162 * MINUTE, [history(levels, 163)], releases, settings);
    expect(attribution.kind).toBe('attributed');
    if (attribution.kind !== 'attributed') return;
    expect(attribution.best.release.id).toBe('storm-160');
    expect(attribution.best.doseResponse?.consistent).toBe(true);
    expect(attribution.best.doseResponse?.levels.map((l) => [l.percent, Number(l.effect.toFixed(1))])).toEqual([[0, 1], [1, 2], [5, 6]]);
  });

  it('says no release correlates when the only step is hours before and moved nothing', () => {
    const levels = (m: number) => (m < 300 ? 2 : 3);
    const attribution = correlate(300 * MINUTE, 302 * MINUTE, [history(levels, 303)], [step('harmless', 120, 0, 20)], settings);
    expect(attribution.kind).toBe('none');
    expect(attribution.candidates[0]!.confidence).toBeLessThan(0.1);
  });

  it('says ambiguous when two flags stepped at the same moment', () => {
    const levels = (m: number) => (m < 100 ? 2 : 3);
    const attribution = correlate(100 * MINUTE, 102 * MINUTE, [history(levels, 103)], [step('a', 100, 0, 10), step('b', 100, 0, 10)], settings);
    expect(attribution.kind).toBe('ambiguous');
  });

  it('ignores step-downs, other environments and releases after the onset', () => {
    const levels = (m: number) => (m < 100 ? 2 : 3);
    const other = { ...step('x', 100, 0, 10), environment: 'staging' };
    const attribution = correlate(100 * MINUTE, 102 * MINUTE, [history(levels, 103)], [step('down', 99, 50, 10), other, step('late', 150, 0, 10)], settings);
    expect(attribution.candidates).toEqual([]);
  });

  it('blames the deploy that started a heap climb, not a flag stepped during the climb', () => {
    const heap = (m: number) => (m < 240 ? 40 : 40 + ((m - 240) / 60) * 8);
    const releases = [deploy(240), step('dark-mode', 330, 0, 50)];
    const attribution = correlate(500 * MINUTE, 502 * MINUTE, [history(heap, 503)], releases, { ...settings, trend: true, logScale: false, responseMs: 360 * MINUTE, minEffect: 10 });
    expect(attribution.kind).toBe('attributed');
    if (attribution.kind === 'attributed') expect(attribution.best.release.id).toBe('d240');
  });
});
