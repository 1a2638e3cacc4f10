import { describe, expect, it } from 'vitest';
import type { FlagVersion } from '../../../lambdas/formats/launchdarkly.ts';
import { readTimeline } from '../../../lambdas/formats/timeline.ts';
import { parseScenario } from '../../../lambdas/simulator/scenario.ts';
import { exposedShare } from '../../../lambdas/simulator/simulate.ts';
import { auditEntry } from '../../support/fixtures.ts';
import { EU_RULE, flagVersion, multivariateVersion as multi, ruledVersion as ruled } from '../../support/flag-versions.ts';

const T = Date.parse('2025-01-01T00:00:00Z');
const read = (document: unknown, controls?: Record<string, number>) => readTimeline([{ source: 'timeline.json', document }], { controls });

describe('audit entries of rules, multivariate flags and prerequisites', () => {
  it("names a rule's step by the rule's description (else its clauses), and leaves the other rules' unchanged targets out", () => {
    const { events } = read([auditEntry('e1', T, ruled(0), ruled(5))]);
    expect(events).toEqual([
      expect.objectContaining({ target: { kind: 'rule', ruleId: 'rule-eu', label: 'EU customers' }, fromPercent: 0, toPercent: 5 }),
    ]);
    const undescribed = (eu: number) => {
      const version = ruled(eu);
      delete (version.environments.production!.rules![1] as { description?: string }).description;
      return version;
    };
    expect(read([auditEntry('e2', T, undescribed(5), undescribed(25))]).events[0]).toMatchObject({
      target: { kind: 'rule', ruleId: 'rule-eu', label: 'region is one of eu' },
    });
  });

  it('keeps every flag change, in time order, once: the flags as LaunchDarkly recorded them', () => {
    const { flagChanges } = read([
      auditEntry('b', T + 2, ruled(5), ruled(25)),
      auditEntry('a', T + 1, ruled(0), ruled(5)),
      auditEntry('b', T + 2, ruled(5), ruled(25)),
    ]);
    expect(flagChanges.map((c) => [c.id, c.time])).toEqual([
      ['a', T + 1],
      ['b', T + 2],
    ]);
    expect(flagChanges[0]!.current.environments.production!.rules![1]!.clauses).toEqual(EU_RULE.clauses);
  });

  it('reads a disabled rule as serving 0%: enabling it steps up from 0, disabling it steps down to 0, and its weights move nothing while disabled', () => {
    const disabled = (eu: number) => {
      const version = ruled(eu);
      version.environments.production!.rules![1]!.disabled = true;
      return version;
    };
    const steps = (before: FlagVersion, after: FlagVersion) =>
      read([auditEntry('d', T, before, after)]).events.map((e) => (e.kind === 'rollout-step' ? [e.fromPercent, e.toPercent] : e.kind));
    expect(steps(disabled(5), ruled(5))).toEqual([[0, 5]]);
    expect(steps(ruled(25), disabled(25))).toEqual([[25, 0]]);
    expect(steps(disabled(5), disabled(25))).toEqual([]);
  });

  it("reads a multivariate step as the share served anything but the off variation, or a configured control's", () => {
    expect(read([auditEntry('m', T, multi(2_000, 1_000), multi(10_000, 5_000))]).events[0]).toMatchObject({
      fromPercent: 3,
      toPercent: 15,
    });
    expect(read([auditEntry('m', T, multi(2_000, 1_000), multi(10_000, 5_000))], { storm: 1 }).events[0]).toMatchObject({
      fromPercent: 98,
      toPercent: 90,
    });
  });

  it('reads prerequisites, and names a prerequisite or variation index the flag does not have', () => {
    const withPrerequisite = flagVersion('storm', { fallthrough: { variation: 0 }, prerequisites: [{ key: 'checkout-v2', variation: 0 }] });
    const { flagChanges } = read([auditEntry('p', T, withPrerequisite, withPrerequisite)]);
    expect(flagChanges[0]!.current.environments.production!.prerequisites).toEqual([{ key: 'checkout-v2', variation: 0 }]);
    const bad = multi(2_000, 1_000);
    bad.environments.production!.offVariation = 3;
    expect(() => read([auditEntry('x', T, bad, bad)])).toThrow(
      /items|\[0\]\.previousVersion.*variation 3 is not one of the flag's 3 variations/,
    );
  });
});

describe('simulated rules', () => {
  const flag = (over: Record<string, unknown>) =>
    parseScenario({
      name: 's',
      description: '',
      seed: 1,
      start: '2025-08-28T08:00:00Z',
      end: '2025-08-28T09:00:00Z',
      flags: [{ key: 'f', name: 'F', steps: [{ at: '2025-08-28T08:00:00Z', percent: 10, by: 'a@b.c' }], ...over }],
    }).flags[0]!;

  it('a rollout behind a rule reaches its share of traffic; a rule serving a treatment throughout, all of its own', () => {
    const rules = [
      { id: 'eu', attribute: 'region', values: ['eu'], trafficShare: 0.4 },
      { id: 'dogfood', attribute: 'plan', values: ['internal'], trafficShare: 0.01, variation: 0 },
    ];
    const at = Date.parse('2025-08-28T08:30:00Z');
    expect(exposedShare(flag({ rules, rolloutRule: 'eu' }), at)).toBeCloseTo(0.4 * 0.1 + 0.01, 10);
    expect(exposedShare(flag({ rules }), at)).toBeCloseTo((1 - 0.41) * 0.1 + 0.01, 10);
    expect(exposedShare(flag({}), at)).toBe(0.1);
  });

  it('a rollout rule the flag does not have, or a variation it does not have, is named', () => {
    expect(() => flag({ rolloutRule: 'apac' })).toThrow(/rolloutRule.*names no rule of the flag \(it has none\)/s);
    expect(() => flag({ offVariation: 2 })).toThrow(/offVariation.*is not one of the flag's 2 variations/s);
  });
});
