import { describe, expect, it } from 'vitest';
import { mergeHeads } from '../../../lambdas/adapters/dynamodb/head.ts';
import { parseConfig } from '../../../lambdas/core/config.ts';
import { decideGate } from '../../../lambdas/core/gate.ts';
import type { RolloutStep } from '../../../lambdas/core/release.ts';
import { type GuardrailState, newGuardrailState } from '../../../lambdas/core/state.ts';
import { stormFreeze, stormRolloutStep } from '../../support/storm.ts';

const MINUTE = 60_000;
const now = Date.parse('2025-08-28T16:00:00Z');
const config = parseConfig('');
const request = { flag: 'storm', environment: 'production', targetPercent: 25 };
const step = (minutesAgo: number, from: number, to: number): RolloutStep =>
  stormRolloutStep({ id: `s${minutesAgo}`, time: now - minutesAgo * MINUTE, fromPercent: from, toPercent: to });

function healthy(): GuardrailState {
  const state = newGuardrailState();
  state.evaluatedAt = now - MINUTE;
  state.series.heap = {
    key: 'heap',
    signal: 'HeapMemoryAfterGC',
    cluster: 'c',
    dimensions: { 'Broker ID': '1' },
    run: 0,
    runFirst: null,
    blind: false,
    detector: {
      baseline: { n: 100, mean: 40, variance: 1 },
      lastTime: now - 2 * MINUTE,
      run: 0,
      low: 35,
      high: 45,
      scoring: null,
      counts: { points: 100, gaps: 0, duplicates: 0, outOfOrder: 0, invalid: 0 },
    },
    history: { times: [now - 2 * MINUTE], values: [41], compacted: 0 },
  };
  return state;
}

const reasonsOf = (state: GuardrailState | undefined, releases = [step(120, 1, 5)]) => decideGate(state, releases, config, request, now);

describe('decideGate', () => {
  it('allows a step when no guard objects, with the evidence', () => {
    expect(reasonsOf(healthy())).toMatchObject({
      verdict: 'allow',
      evidence: { currentPercent: 5, lastStepAt: new Date(now - 120 * MINUTE).toISOString() },
    });
  });

  it('cannot decide before the guardrail has evaluated', () => {
    expect(reasonsOf(undefined).verdict).toBe('unknown');
    expect(reasonsOf(newGuardrailState()).verdict).toBe('unknown');
  });

  it('denies, with a reason each: frozen, anomalous, blind, short of headroom, within the bake time, stale guardrail', () => {
    const cases: Array<[string, (s: GuardrailState) => void, RolloutStep[]?]> = [
      [
        'frozen: storm is frozen at 0%',
        (s) => void (s.freezes['storm/production'] = stormFreeze({ since: now - 30 * MINUTE, decisionId: 'd' })),
      ],
      [
        'anomalous: episode c/1 open',
        (s) => void s.episodes.push({ id: 'c/1', onset: now - 5 * MINUTE, signals: ['ConnectionCreationRate'] } as never),
      ],
      ['blind: 1 series stopped reporting (HeapMemoryAfterGC on broker 1)', (s) => void (s.series.heap!.blind = true)],
      ['headroom: HeapMemoryAfterGC on broker 1 at 71.0% is above 60%', (s) => void (s.series.heap!.history.values = [71])],
      ["bake time: storm's last step was 10 min ago, less than 30 min", () => {}, [step(10, 1, 5)]],
      ['blind: the guardrail last evaluated at', (s) => void (s.evaluatedAt = now - 30 * MINUTE)],
    ];
    for (const [reason, change, releases] of cases) {
      const state = healthy();
      change(state);
      const answer = reasonsOf(state, releases);
      expect(answer.verdict, reason).toBe('deny');
      expect(answer.reasons.join('\n'), reason).toContain(reason);
    }
  });

  it('always allows a step down, frozen or not; down from the freeze where a frozen target is', () => {
    const state = healthy();
    expect(decideGate(state, [step(120, 1, 5)], config, { ...request, targetPercent: 1 }, now).verdict).toBe('allow');
    state.freezes['storm/production'] = stormFreeze({ since: now, decisionId: 'd', percent: 5 });
    expect(decideGate(state, [step(120, 1, 5)], config, { ...request, targetPercent: 1 }, now).verdict).toBe('allow');
    // Frozen at 0%, 1% is a step up, whatever the timeline last said.
    state.freezes['storm/production'] = stormFreeze({ since: now, decisionId: 'd' });
    expect(decideGate(state, [step(120, 1, 5)], config, { ...request, targetPercent: 1 }, now).verdict).toBe('deny');
  });

  it("caps a frozen target's percentage at the freeze: a human's step up, not yet reverted, makes no step above it one down", () => {
    const state = healthy();
    state.freezes['storm/production'] = stormFreeze({ since: now - 60 * MINUTE, decisionId: 'd' });
    // Frozen at 0% an hour ago; someone stepped 0% → 25% a minute ago, before the guardrail reverted it.
    const answer = decideGate(state, [step(61, 0, 1), step(1, 0, 25)], config, { ...request, targetPercent: 10 }, now);
    expect(answer).toMatchObject({ verdict: 'deny', evidence: { currentPercent: 0 } });
    expect(answer.reasons.join('\n')).toContain('frozen: storm is frozen at 0%');
  });

  it('cannot decide for an environment it does not guard: its steps, freezes and bake time are unknown there', () => {
    const state = healthy();
    state.freezes['storm/production'] = stormFreeze({ since: now - 60 * MINUTE, decisionId: 'd' });
    expect(decideGate(state, [step(120, 1, 5)], config, { ...request, environment: 'Production' }, now)).toEqual({
      verdict: 'unknown',
      reasons: ["the guardrail guards environment production, not Production: it knows nothing of that environment's steps"],
      evidence: {},
    });
  });

  it('denies while the release timeline has not been read back from LaunchDarkly for two of its periods: steps since may be unknown', () => {
    const answer = (at: number | undefined) => decideGate(healthy(), [step(120, 1, 5)], config, request, now, { timelineRead: { at } });
    expect(answer(now - 20 * MINUTE).verdict).toBe('allow');
    expect(answer(now - 40 * MINUTE)).toMatchObject({
      verdict: 'deny',
      reasons: [
        "blind: the release timeline was read back from LaunchDarkly last at 2025-08-28 15:20 UTC, 40 min ago (it is read every 15 min): steps since may be unknown; see the backfill function's logs and the LaunchDarkly token",
      ],
    });
    expect(answer(undefined).reasons).toEqual([
      expect.stringMatching(/^blind: the release timeline was read back from LaunchDarkly never \(it is read every 15 min\)/),
    ]);
  });

  it('blind to the timeline, takes no step as a step down but to 0: a missed step may have left the flag lower than it knows', () => {
    const to = (targetPercent: number) =>
      decideGate(healthy(), [step(120, 1, 5)], config, { ...request, targetPercent }, now, { timelineRead: { at: now - 60 * MINUTE } });
    expect(to(1).verdict).toBe('deny');
    expect(to(0).verdict).toBe('allow');
  });

  it('without a timeline, judges the step from what the flag serves (a replay flag file), never from 0%', () => {
    const state = healthy();
    state.episodes.push({ id: 'c/1', onset: now - 5 * MINUTE, signals: ['ConnectionCreationRate'] } as never);
    expect(decideGate(state, [], config, request, now, { served: 75 })).toMatchObject({
      verdict: 'allow',
      evidence: { currentPercent: 75 },
    });
    expect(decideGate(state, [], config, request, now).verdict).toBe('deny');
    // The guardrail's own change is what it knows best: a rollback it made stands.
    state.setPercents['storm/production/fallthrough'] = { percent: 0, time: now - MINUTE };
    expect(decideGate(state, [], config, request, now, { served: 75 })).toMatchObject({ verdict: 'deny', evidence: { currentPercent: 0 } });
  });

  it("judges a frozen flag's step from what it serves where a later step left it lower than the guardrail's own change", () => {
    const state = healthy();
    state.freezes['storm/production'] = stormFreeze({ since: now - 60 * MINUTE, decisionId: 'd', percent: 3 });
    state.setPercents['storm/production/fallthrough'] = { percent: 3, time: now - 60 * MINUTE };
    const answer = decideGate(state, [], config, { ...request, targetPercent: 3 }, now, { served: 0 });
    expect(answer).toMatchObject({ verdict: 'deny', evidence: { currentPercent: 0 } });
    expect(answer.reasons.join('\n')).toContain('frozen: storm is frozen at 3%');
  });
});

describe('decideGate per rule', () => {
  const EU = { kind: 'rule', ruleId: 'rule-eu', label: 'region is one of eu' } as const;
  const onRule = (minutesAgo: number, from: number, to: number): RolloutStep => ({
    ...step(minutesAgo, from, to),
    id: `eu${minutesAgo}`,
    target: EU,
  });
  const frozenRule = () => {
    const state = healthy();
    state.freezes['storm/production/rule rule-eu'] = {
      flag: 'storm',
      environment: 'production',
      target: EU,
      percent: 1,
      since: now - 30 * MINUTE,
      decisionId: 'd',
    };
    return state;
  };

  it('with several guarded targets and none named, cannot decide and says which to name', () => {
    const answer = decideGate(healthy(), [step(120, 0, 0.5), onRule(100, 0, 1)], config, request, now);
    expect(answer.verdict).toBe('unknown');
    expect(answer.reasons[0]).toMatch(
      /has 2 guarded targets \(fallthrough, rule "region is one of eu" \(rule-eu\)\): name the step's target with --rule ID/,
    );
  });

  it('a rule no rollout, freeze or rollback knows of is judged as its first step, not by the other rule', () => {
    const answer = decideGate(frozenRule(), [onRule(100, 0, 1)], config, { ...request, ruleId: 'rule-us' }, now);
    expect(answer).toMatchObject({ verdict: 'allow', evidence: { target: 'rule rule-us', currentPercent: 0 } });
  });

  it("a frozen rule denies that rule's step up and leaves the default rule's alone", () => {
    const releases = [step(120, 0, 0.5), onRule(100, 0, 1)];
    const eu = decideGate(frozenRule(), releases, config, { ...request, ruleId: 'rule-eu' }, now);
    expect(eu.verdict).toBe('deny');
    expect(eu.reasons).toEqual([expect.stringMatching(/^frozen: storm rule "region is one of eu" \(rule-eu\) is frozen at 1%/)]);
    expect(eu.evidence).toMatchObject({ target: 'rule "region is one of eu" (rule-eu)', currentPercent: 1 });
    const fallthrough = decideGate(frozenRule(), releases, config, { ...request, ruleId: 'fallthrough' }, now);
    expect(fallthrough).toMatchObject({ verdict: 'allow', evidence: { target: 'fallthrough', currentPercent: 0.5 } });
  });

  it("a flag rolled out behind a rule needs the step's target named: a step of the default rule is not the rule's", () => {
    expect(decideGate(frozenRule(), [onRule(100, 0, 1)], config, request, now)).toMatchObject({
      verdict: 'unknown',
      reasons: [
        expect.stringMatching(/has a rollout behind rule "region is one of eu" \(rule-eu\): name the step's target with --rule ID/),
      ],
    });
    // The default rule's first step, named, is judged on its own: the rule's freeze is not its.
    const first = decideGate(frozenRule(), [onRule(100, 0, 1)], config, { ...request, ruleId: 'fallthrough' }, now);
    expect(first).toMatchObject({ verdict: 'allow', evidence: { target: 'fallthrough' } });
  });

  it('reads a rule freeze a state kept under the flag key, before each rule was guarded on its own', () => {
    const state = frozenRule();
    state.freezes['storm/production'] = state.freezes['storm/production/rule rule-eu']!;
    delete state.freezes['storm/production/rule rule-eu'];
    state.lastRollbackAt['storm/production'] = now - 30 * MINUTE;
    expect(decideGate(state, [onRule(100, 0, 1)], config, { ...request, ruleId: 'rule-eu' }, now).verdict).toBe('deny');
    expect(decideGate(state, [onRule(100, 0, 1)], config, { ...request, ruleId: 'fallthrough' }, now).verdict).toBe('allow');
    expect(Object.keys(state.lastRollbackAt)).toEqual(['storm/production/rule rule-eu']);
  });
});

describe('the gate Lambda over several shards (mergeHeads)', () => {
  // A flag whose clusters are in two shards: each shard's head remembers what it did to it.
  const head = (fields: Partial<Pick<GuardrailState, 'freezes' | 'setPercents' | 'lastRollbackAt'>>) => {
    const { series: _series, revision: _revision, ...state } = { ...healthy(), coverage: {}, ...fields };
    return { body: JSON.stringify({ ...state, log: [] }) };
  };
  const key = 'storm/production/fallthrough';

  it('keeps, whatever the order of the shards, the newer percentage, the stricter freeze and the later rollback', () => {
    const older = head({
      setPercents: { [key]: { percent: 5, time: now - 60 * MINUTE } },
      freezes: { 'storm/production': stormFreeze({ since: now - 60 * MINUTE, decisionId: 'a', percent: 5 }) },
      lastRollbackAt: { 'storm/production': now - 60 * MINUTE },
    });
    const newer = head({
      setPercents: { [key]: { percent: 1, time: now - 10 * MINUTE } },
      freezes: { 'storm/production': stormFreeze({ since: now - 10 * MINUTE, decisionId: 'b', percent: 1 }) },
      lastRollbackAt: { 'storm/production': now - 10 * MINUTE },
    });
    for (const heads of [
      [older, newer],
      [newer, older],
    ]) {
      const merged = mergeHeads(heads);
      expect(merged.setPercents[key]).toEqual({ percent: 1, time: now - 10 * MINUTE });
      expect(merged.freezes['storm/production']).toMatchObject({ percent: 1, decisionId: 'b' });
      expect(merged.lastRollbackAt['storm/production']).toBe(now - 10 * MINUTE);
      // At 1% and frozen there, 3% is a step up: denied.
      expect(decideGate(merged, [], config, { ...request, targetPercent: 3 }, now).verdict).toBe('deny');
    }
  });
});
