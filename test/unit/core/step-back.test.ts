import { describe, expect, it } from 'vitest';
import type { RolloutStep } from '../../../lambdas/core/release.ts';
import {
  baselineFor,
  baselineOf,
  climbedBefore,
  type FlagBaseline,
  rememberHeapClimb,
  rememberHeapSlope,
} from '../../../lambdas/core/step-back.ts';
import { firstStep, MIN } from './release-watch-fixtures.ts';

describe('step-back baselines', () => {
  it("are kept per rollout target: a rule's first step does not become the default rule's baseline", () => {
    const baselines: Record<string, FlagBaseline> = {};
    const T = Date.UTC(2025, 7, 28, 14);
    const rule: RolloutStep = { ...firstStep(T), id: 'eu', target: { kind: 'rule', ruleId: 'rule-eu' } };
    const euBaseline = baselineFor(baselines, rule);
    const defaultBaseline = baselineFor(baselines, { ...firstStep(T + 30 * MIN), id: 'all' });
    expect(defaultBaseline).not.toBe(euBaseline);
    expect(defaultBaseline.since).toBe(T + 30 * MIN);
    // A later step of the rule reuses the rule's own first step's baseline.
    expect(baselineFor(baselines, { ...rule, id: 'eu-2', time: T + 60 * MIN })).toBe(euBaseline);
    expect(baselineOf(baselines, { ...firstStep(T), id: 'x' })).toBe(defaultBaseline);
  });

  it("keep the heap slope told by the flag's first step only: a later step's slope before holds the flag's own climb", () => {
    const baselines: Record<string, FlagBaseline> = {};
    const T = Date.UTC(2025, 7, 28, 14);
    const first = firstStep(T);
    const baseline = baselineFor(baselines, first);
    const later: RolloutStep = { ...first, id: 'later', time: T + 120 * MIN, fromPercent: 1, toPercent: 5 };
    rememberHeapSlope(baselines, later, 'events', () => 9);
    expect(baseline.heapSlope).toEqual({});
    rememberHeapSlope(baselines, first, 'events', () => 0.2);
    rememberHeapSlope(baselines, first, 'events', () => 0.7);
    expect(baseline.heapSlope).toEqual({ events: 0.2 });
  });

  it('keep the lowest percentage whose heap climbed: a step up from there or above is judged early, one from below is not', () => {
    const baselines: Record<string, FlagBaseline> = {};
    const T = Date.UTC(2025, 7, 28, 14);
    const first = firstStep(T);
    baselineFor(baselines, first);
    const at = (from: number, to: number, minutes: number): RolloutStep => ({
      ...first,
      id: `${to}`,
      time: T + minutes * MIN,
      fromPercent: from,
      toPercent: to,
    });
    expect(climbedBefore(baselines, at(1, 5, 120), 'events')).toBe(false);
    rememberHeapClimb(baselines, at(1, 5, 120), 'events');
    rememberHeapClimb(baselines, at(5, 25, 240), 'events');
    // Stepped back to 5% and up again: the 5% step's climb still counts, though 25%'s was told later.
    expect(climbedBefore(baselines, at(5, 25, 300), 'events')).toBe(true);
    expect(climbedBefore(baselines, at(1, 5, 300), 'events')).toBe(false);
    expect(climbedBefore(baselines, at(5, 25, 300), 'other')).toBe(false);
    // A step more than BASELINE_REUSE_MS after the first starts a new baseline: its levels are new, the climbs are kept.
    const late = at(5, 25, 7 * 60);
    expect(baselineFor(baselines, late).since).toBe(late.time);
    expect(climbedBefore(baselines, late, 'events')).toBe(true);
  });
});
