/**
 * The storm suite's promise (issue: every storm of 2x or more rolled back within two metric
 * periods of its first anomalous datapoint, to the right flag and step; no rollback in benign
 * cases; faster than every emulated rule at no more false rollbacks), checked on the whole suite.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type CaseResult, runSuite, STORMGUARD_CADENCE, summarise } from '../../bench/storms/run.ts';

let results: CaseResult[];
beforeAll(async () => {
  results = await runSuite();
});

const stormguard = (r: CaseResult) => r.outcomes.find((o) => o.method === 'Stormguard')!;

describe('the storm suite', () => {
  it('rolls back every storm of 2x or more, to the right flag and step, within two periods of its first anomalous datapoint', () => {
    const storms = results.filter((r) => r.storm && (r.factor ?? 0) >= 2);
    expect(storms.length).toBeGreaterThan(30);
    for (const r of storms) {
      const o = stormguard(r);
      expect(o, r.name).toMatchObject({ rolledBack: true, right: true });
      expect(o.periodsAfterFirstAnomaly, r.name).toBeLessThanOrEqual(2);
    }
  });

  it('on the deployed cadence, rolls back the same storms as often and as soon: within three periods of the step', () => {
    for (const r of results.filter((c) => c.storm && (c.factor ?? 0) >= 2)) {
      const everyPeriod = stormguard(r);
      const cadence = r.outcomes.find((o) => o.method === STORMGUARD_CADENCE)!;
      expect(cadence, r.name).toMatchObject({ rolledBack: true, right: true, periodsAfterStep: everyPeriod.periodsAfterStep });
      expect(cadence.periodsAfterStep, r.name).toBeLessThanOrEqual(3);
    }
    for (const r of results.filter((c) => !c.storm))
      expect(r.outcomes.find((o) => o.method === STORMGUARD_CADENCE)!.rolledBack, r.name).toBe(false);
  });

  it('rolls nothing back in benign cases', () => {
    const benign = results.filter((r) => !r.storm);
    expect(benign.length).toBeGreaterThan(10);
    for (const r of benign) expect(stormguard(r).rolledBack, r.name).toBe(false);
  });

  it('is at least as fast as every emulated rule, with no more false rollbacks', () => {
    const [ours, ...rules] = summarise(results);
    expect(ours!.method).toBe('Stormguard');
    for (const rule of rules) {
      expect(ours!.falseRollbacks, rule.method).toBeLessThanOrEqual(rule.falseRollbacks);
      if (rule.medianDelay !== undefined) expect(ours!.medianDelay!, rule.method).toBeLessThanOrEqual(rule.medianDelay);
      if (rule.worstDelay !== undefined && rule.detected === ours!.detected)
        expect(ours!.worstDelay!, rule.method).toBeLessThanOrEqual(rule.worstDelay);
    }
  });
});
