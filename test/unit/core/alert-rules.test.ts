import { describe, expect, it } from 'vitest';
import { renderAlert } from '../../../lambdas/core/alert.ts';
import type { Decision } from '../../../lambdas/core/decision.ts';
import { buildReport, ReportRecorder } from '../../../lambdas/core/incident-report.ts';
import type { RolloutStep, RolloutTarget } from '../../../lambdas/core/release.ts';
import { ruleLabel } from '../../../lambdas/formats/launchdarkly.ts';
import { applied, attributed, contextOf, episodeOf, FLAG, MINUTE, release, rollback, T0 } from '../../support/alert-fixtures.ts';

const EU: RolloutTarget = { kind: 'rule', ruleId: 'rule-eu', label: 'EU customers' };
const onRule: RolloutStep = { ...release, id: 'step-eu', target: EU, fromPercent: 0, toPercent: 5 };
const ruleRollback: Decision = rollback({ target: EU, fromPercent: 5, evidence: { release: onRule } });

describe('alerts about a rollout behind a rule name the rule as people read it', () => {
  it('the rollback alert names the rule by its description, with its id, in the title, the release and the action', () => {
    const episode = episodeOf({ attribution: { ...attributed, release: onRule }, decisionIds: [ruleRollback.id] });
    const alert = renderAlert(
      { kind: 'episode', time: T0 + MINUTE, episodeId: episode.id, decisionIds: [ruleRollback.id] },
      contextOf([episode], [ruleRollback], [[ruleRollback.id, applied()]]),
    );
    expect(alert.title).toMatch(new RegExp(`^\\[Stormguard\\] rolled back ${FLAG} rule "EU customers" \\(rule-eu\\) 5% → 0%: `));
    expect(alert.title).toContain(`after ${FLAG} rule "EU customers" (rule-eu) 0% → 5%`);
    expect(alert.text).toContain(`Release: flag ${FLAG} in production (rule "EU customers" (rule-eu)) stepped 0% → 5%`);
    expect(alert.text).toContain(`Action: rolled back ${FLAG} rule "EU customers" (rule-eu) in production 5% → 0%`);
  });

  it('a revert of a frozen rule names the rule in its title', () => {
    const revert: Decision = { ...ruleRollback, id: 'step-eu-25/revert', action: 'revert', fromPercent: 25, toPercent: 5 };
    const alert = renderAlert({ kind: 'reverted', time: T0 + 60 * MINUTE, decisionId: revert.id }, contextOf([], [revert]));
    expect(alert.title).toBe(`[Stormguard] Frozen flag ${FLAG} rule "EU customers" (rule-eu) stepped up to 25%: reverted to 5%`);
  });

  it('a rule no one described is named by its clauses; one with neither, by its id', () => {
    const clauses = [
      { attribute: 'region', op: 'in', values: ['eu', 'uk'] },
      { attribute: 'plan', op: 'in', values: ['free'], negate: true },
      { attribute: 'version', op: 'semVerGreaterThan', values: ['2.0.0'] },
    ];
    expect(ruleLabel({ clauses })).toBe('region is one of eu, uk and plan is not one of free and version semVerGreaterThan 2.0.0');
    expect(ruleLabel({ description: '  ', clauses: [] })).toBeUndefined();
    // A rule of 4,000 keys is named by its first values, within 200 characters: it is quoted in every alert.
    const keys = Array.from({ length: 4000 }, (_, i) => `customer-${i}`);
    expect(ruleLabel({ clauses: [{ attribute: 'key', op: 'in', values: keys }] })).toBe(
      'key is one of customer-0, customer-1, customer-2 and 3997 more',
    );
    expect(ruleLabel({ description: 'd'.repeat(500) })).toHaveLength(200);
    const unnamed = rollback({ target: { kind: 'rule', ruleId: 'rule-7' } });
    const alert = renderAlert({ kind: 'reverted', time: T0, decisionId: unnamed.id }, contextOf([], [{ ...unnamed, action: 'revert' }]));
    expect(alert.title).toContain(`${FLAG} rule rule-7 stepped up`);
  });
});

describe('the incident page names the rule', () => {
  it('in its rollout line, its markers and its table of what happened', () => {
    const source = {
      from: T0 - 60 * MINUTE,
      to: T0 + 60 * MINUTE,
      releases: [onRule],
      episodes: [],
      decisions: [ruleRollback],
      outcomes: { [ruleRollback.id]: applied() },
      alerts: [],
    };
    const report = buildReport(source, new ReportRecorder(), 'report', 'production');
    const named = `${FLAG} rule "EU customers" (rule-eu)`;
    expect(report.rollouts.map((r) => r.flag)).toEqual([named]);
    expect(report.markers.map((m) => m.label)).toEqual([`${named} 0% → 5%`, `rollback ${named} 5% → 0%`]);
    expect(report.rows.some((r) => r.details.startsWith(`${named} in production 5% → 0%`))).toBe(true);
  });
});
