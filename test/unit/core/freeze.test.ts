import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Decision } from '../../../lambdas/core/decision.ts';
import {
  type Acknowledgement,
  type FlagMemory,
  type Freeze,
  freezeOf,
  lift,
  remember,
  revertsFreeze,
} from '../../../lambdas/core/freeze.ts';
import type { RolloutStep } from '../../../lambdas/core/release.ts';
import { stormFreeze, stormRollback, stormRolloutStep } from '../../support/storm.ts';

const FALLTHROUGH = { kind: 'fallthrough' } as const;
const MINUTE = 60_000;
const T0 = Date.parse('2025-08-28T14:01:00Z');

const freeze: Freeze = stormFreeze({ since: T0, decisionId: 'd1' });
const stepUp = (over: Partial<RolloutStep> = {}): RolloutStep =>
  stormRolloutStep({ id: 's2', time: T0 + 60 * MINUTE, fromPercent: 1, toPercent: 5, ...over });
const decision = (over: Partial<Decision> = {}): Decision =>
  stormRollback({ id: 'ep/storm/production', time: T0, reason: 'attributed', ...over });
const memory = (): FlagMemory => ({ freezes: {}, setPercents: {}, lastRollbackAt: {} });

describe('revertsFreeze', () => {
  it('reverts a step up of the frozen flag, environment and target, after the freeze', () => {
    expect(revertsFreeze(stepUp(), freeze)).toBe(true);
  });

  it('leaves alone a step of another flag, environment or target', () => {
    expect(revertsFreeze(stepUp({ flag: 'other' }), freeze)).toBe(false);
    expect(revertsFreeze(stepUp({ environment: 'staging' }), freeze)).toBe(false);
    expect(revertsFreeze(stepUp({ target: { kind: 'rule', ruleId: 'r1' } }), freeze)).toBe(false);
    expect(revertsFreeze(stepUp({ target: { kind: 'rule', ruleId: 'r1' } }), { ...freeze, target: { kind: 'rule', ruleId: 'r2' } })).toBe(
      false,
    );
    expect(revertsFreeze(stepUp({ target: { kind: 'rule', ruleId: 'r1' } }), { ...freeze, target: { kind: 'rule', ruleId: 'r1' } })).toBe(
      true,
    );
  });

  it('leaves alone a step at or before the freeze (the step that was rolled back, or older)', () => {
    expect(revertsFreeze(stepUp({ time: T0 }), freeze)).toBe(false);
    expect(revertsFreeze(stepUp({ time: T0 - MINUTE }), freeze)).toBe(false);
    expect(revertsFreeze(stepUp({ time: T0 + 1 }), freeze)).toBe(true);
  });

  it('leaves alone a step down, or to the frozen percentage', () => {
    const frozenAt5 = { ...freeze, percent: 5 };
    expect(revertsFreeze(stepUp({ fromPercent: 25, toPercent: 1 }), frozenAt5)).toBe(false);
    expect(revertsFreeze(stepUp({ fromPercent: 0, toPercent: 5 }), frozenAt5)).toBe(false);
    expect(revertsFreeze(stepUp({ fromPercent: 0, toPercent: 5.001 }), frozenAt5)).toBe(true);
  });

  it('judges by the percentage a step goes to, not by where it came from', () => {
    // A step 10% → 8% while frozen at 5% is still above the freeze.
    expect(revertsFreeze(stepUp({ fromPercent: 10, toPercent: 8 }), { ...freeze, percent: 5 })).toBe(true);
  });
});

describe('remember', () => {
  it('after an enforced rollback: the percentage set, the cooldown and the freeze', () => {
    const state = memory();
    remember(state, decision());
    expect(state.setPercents).toEqual({ 'storm/production/fallthrough': { percent: 0, time: T0 } });
    expect(state.lastRollbackAt).toEqual({ 'storm/production': T0 });
    expect(state.freezes).toEqual({ 'storm/production': { ...freeze, decisionId: 'ep/storm/production' } });
  });

  it('after an enforced revert: only the percentage set (no new freeze, no cooldown)', () => {
    const state = memory();
    remember(
      state,
      decision({
        id: 's2/revert',
        action: 'revert',
        time: T0 + 60 * MINUTE,
        target: { kind: 'rule', ruleId: 'r1' },
        fromPercent: 5,
        toPercent: 0,
      }),
    );
    expect(state.setPercents).toEqual({ 'storm/production/rule r1': { percent: 0, time: T0 + 60 * MINUTE } });
    expect(state.lastRollbackAt).toEqual({});
    expect(state.freezes).toEqual({});
  });

  it('in observe mode: nothing (the flag was not touched)', () => {
    const state = memory();
    remember(state, decision({ mode: 'observe' }));
    remember(state, decision({ mode: 'observe', action: 'revert' }));
    expect(state).toEqual(memory());
  });

  it("keeps the newest rollback's freeze, and keeps flags and environments apart", () => {
    const state = memory();
    remember(state, decision());
    remember(state, decision({ id: 'ep2', time: T0 + 90 * MINUTE, fromPercent: 25, toPercent: 5 }));
    remember(state, decision({ id: 'ep3', environment: 'staging' }));
    expect(freezeOf(state, 'storm', 'production', FALLTHROUGH)).toMatchObject({ percent: 5, since: T0 + 90 * MINUTE, decisionId: 'ep2' });
    expect(freezeOf(state, 'storm', 'staging', FALLTHROUGH)).toMatchObject({ percent: 0, decisionId: 'ep3' });
    expect(Object.keys(state.freezes).sort()).toEqual(['storm/production', 'storm/staging']);
  });

  it('freezes so that exactly the later step-ups above the rolled-back percentage are reverted', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }).map((t) => t / 1000),
        fc.integer({ min: 0, max: 100_000 }).map((t) => t / 1000),
        fc.integer({ min: -120, max: 120 }),
        (rolledBackTo, steppedTo, minutesAfter) => {
          const state = memory();
          remember(state, decision({ toPercent: rolledBackTo }));
          const step = stepUp({ toPercent: steppedTo, time: T0 + minutesAfter * MINUTE });
          expect(revertsFreeze(step, freezeOf(state, 'storm', 'production', FALLTHROUGH)!)).toBe(
            minutesAfter > 0 && steppedTo > rolledBackTo,
          );
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });
});

describe('freezeOf and lift', () => {
  it('find a freeze by flag and environment', () => {
    const state = { freezes: { 'storm/production': freeze } };
    expect(freezeOf(state, 'storm', 'production', FALLTHROUGH)).toBe(freeze);
    expect(freezeOf(state, 'storm', 'staging', FALLTHROUGH)).toBeUndefined();
    expect(freezeOf(state, 'other', 'production', FALLTHROUGH)).toBeUndefined();
  });

  const ack = (flag: string, environment: string) => ({ flag, environment, by: 'priya', reason: 'fixed in 2.4.1', time: T0 + 60_000 });

  it('lift removes the freeze once and records who lifted it, when and why', () => {
    const state: { freezes: Record<string, Freeze>; acknowledgements?: Acknowledgement[] } = {
      freezes: { 'storm/production': freeze, 'storm/staging': { ...freeze, environment: 'staging' } },
    };
    expect(lift(state, ack('storm', 'production'))).toEqual([
      { ...ack('storm', 'production'), decisionId: freeze.decisionId, percent: freeze.percent, target: freeze.target },
    ]);
    expect(freezeOf(state, 'storm', 'production', FALLTHROUGH)).toBeUndefined();
    expect(lift(state, ack('storm', 'production'))).toEqual([]);
    expect(freezeOf(state, 'storm', 'staging', FALLTHROUGH)).toBeDefined(); // the other environment stays frozen
    expect(state.acknowledgements).toHaveLength(1);
  });

  it('lift on a flag never frozen (or keyed like an Object property) is undefined and changes nothing', () => {
    const state = { freezes: {} as Record<string, Freeze> };
    expect(lift(state, ack('storm', 'production'))).toEqual([]);
    expect(freezeOf(state, 'constructor', 'production', FALLTHROUGH)).toBeUndefined();
    expect(state).toEqual({ freezes: {} });
  });

  it('lifting leaves the cooldown and the percentages set as they were', () => {
    const state = memory();
    remember(state, decision());
    lift(state, ack('storm', 'production'));
    expect(state.lastRollbackAt).toEqual({ 'storm/production': T0 });
    expect(state.setPercents['storm/production/fallthrough']).toEqual({ percent: 0, time: T0 });
  });
});

describe('freezes per rule', () => {
  const EU = { kind: 'rule', ruleId: 'rule-eu', label: 'EU customers' } as const;

  it('a rollback behind a rule freezes and cools down that rule only; the default rule and the other rules step on', () => {
    const state = memory();
    remember(state, decision({ target: EU, toPercent: 1 }));
    expect(freezeOf(state, 'storm', 'production', EU)).toMatchObject({ percent: 1, target: EU });
    expect(freezeOf(state, 'storm', 'production', FALLTHROUGH)).toBeUndefined();
    expect(freezeOf(state, 'storm', 'production', { kind: 'rule', ruleId: 'rule-us' })).toBeUndefined();
    expect(state.lastRollbackAt).toEqual({ 'storm/production/rule rule-eu': T0 });
    const euUp = stepUp({ target: EU, toPercent: 5, time: T0 + MINUTE });
    expect(revertsFreeze(euUp, freezeOf(state, 'storm', 'production', EU)!)).toBe(true);
  });

  it('lift lifts every frozen target of the flag, each acknowledged', () => {
    const state = memory();
    remember(state, decision({ target: EU, toPercent: 1 }));
    remember(state, decision({ id: 'ep2' }));
    lift(state, { flag: 'storm', environment: 'production', by: 'priya', reason: 'fixed', time: T0 + MINUTE });
    expect(state.freezes).toEqual({});
    expect(state.acknowledgements?.map((a) => a.decisionId).sort()).toEqual(['ep/storm/production', 'ep2']);
  });

  it('lift with a rule id lifts that target only (`fallthrough`: the default rule), and nothing for a rule not frozen', () => {
    const state = memory();
    remember(state, decision({ target: EU, toPercent: 1 }));
    remember(state, decision({ id: 'ep2' }));
    const by = { flag: 'storm', environment: 'production', by: 'priya', reason: 'EU fixed', time: T0 + MINUTE };
    expect(lift(state, { ...by, ruleId: 'rule-us' })).toEqual([]);
    expect(lift(state, { ...by, ruleId: 'rule-eu' })).toMatchObject([{ decisionId: 'ep/storm/production', percent: 1, target: EU }]);
    expect(freezeOf(state, 'storm', 'production', EU)).toBeUndefined();
    expect(freezeOf(state, 'storm', 'production', FALLTHROUGH)).toMatchObject({ decisionId: 'ep2' });
    expect(lift(state, { ...by, ruleId: 'fallthrough' })).toMatchObject([{ decisionId: 'ep2' }]);
    expect(state.freezes).toEqual({});
  });
});
