import { describe, expect, it } from 'vitest';
import type { RolloutStep } from '../../../lambdas/core/release.ts';
import { baselineFor, baselineOf, type FlagBaseline } from '../../../lambdas/core/step-back.ts';
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
});
