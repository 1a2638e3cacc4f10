import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenariosFolder } from '../../cli/paths.ts';
import { newFolder, type ReplayJson, stormguard } from '../support/cli.ts';

const expected = async (name: string) => JSON.parse(await readFile(join(scenariosFolder, name, 'scenario.json'), 'utf8')).expected;

/** `replay --json` of a bundled scenario, with the flag file it leaves. */
async function replayWithFlags(scenario: string) {
  const state = join(await newFolder(), 'state');
  const { code, out, err } = await stormguard('replay', '--scenario', scenario, '--json', '--state', state);
  expect(err).toBe('');
  expect(code).toBe(0);
  const flags = JSON.parse(await readFile(join(state, 'flags.json'), 'utf8')).flags;
  return { result: JSON.parse(out) as ReplayJson, flags };
}

type Decision = ReplayJson['decisions'][number] & { evidence: { release?: { target: { kind: string; ruleId?: string } } } };
const rollbacksOf = (result: ReplayJson) => (result.decisions as Decision[]).filter((d) => d.action === 'rollback');
const periodsAfterFirstAnomaly = (result: ReplayJson, d: Decision) =>
  (Date.parse(d.time) - Date.parse(result.firstAnomaly!.time)) / (result.periodSeconds * 1000);

describe('storm-behind-rule: the 2025 storm rolled out behind an EU rule', () => {
  it("rolls back the rule's rollout at its first step, within 2 periods, and leaves the other rules alone", async () => {
    const want = await expected('storm-behind-rule');
    const { result, flags } = await replayWithFlags('storm-behind-rule');
    const done = rollbacksOf(result);
    expect(
      done.map((d) => ({ flag: d.flag, rule: d.evidence.release?.target.ruleId, fromPercent: d.fromPercent, toPercent: d.toPercent })),
    ).toEqual(want.rollbacks);
    expect(Date.parse(result.firstAnomaly!.time)).toBeGreaterThanOrEqual(Date.parse(want.firstAnomalyAfter));
    expect(periodsAfterFirstAnomaly(result, done[0]!)).toBeLessThanOrEqual(want.maxPeriodsAfterFirstAnomaly);
    // The SDK's share among contexts that match the rule (region eu), before and after.
    const shares =
      /([\d.]+)% of (\d+) contexts reaching rule "EU customers" \(rule-eu\) got the new variation before, ([\d.]+)% after/.exec(
        done[0]!.outcome!.detail,
      );
    expect(shares).not.toBeNull();
    expect(Number(shares![1])).toBeGreaterThan(4);
    expect(Number(shares![1])).toBeLessThan(6);
    expect([Number(shares![2]), Number(shares![3])]).toEqual([10000, 0]);
    const alert = result.alerts.find((a) => a.kind === 'episode')!;
    for (const name of want.alertNames) expect(`${alert.title}\n${alert.text}`).toContain(name);
    const flag = flags['checkout-producer-per-request'];
    for (const id of want.untouchedRules) expect(flag.rules.find((r: { id: string }) => r.id === id)).toMatchObject({ variation: 0 });
    expect(flag.fallthrough).toEqual({ variation: 1 });
  });

  it("later step-ups of the rule are reverted to the rule's frozen percentage", async () => {
    const { result } = await replayWithFlags('storm-behind-rule');
    const reverts = (result.decisions as Decision[]).filter((d) => d.action === 'revert');
    expect(reverts.map((d) => [d.evidence.release?.target.ruleId, d.fromPercent, d.toPercent])).toEqual([
      ['rule-eu', 25, 0],
      ['rule-eu', 75, 0],
      ['rule-eu', 100, 0],
    ]);
  });
});

describe('storm-multivariate: three variations and a prerequisite', () => {
  it('rolls the step back to the previous one, both treatments in proportion, with the prerequisite met', async () => {
    const want = await expected('storm-multivariate');
    const { result, flags } = await replayWithFlags('storm-multivariate');
    const done = rollbacksOf(result);
    expect(done.map((d) => ({ flag: d.flag, fromPercent: d.fromPercent, toPercent: d.toPercent }))).toEqual(
      want.rollbacks.map(({ weights: _, ...r }: { weights: number[] }) => r),
    );
    expect(periodsAfterFirstAnomaly(result, done[0]!)).toBeLessThanOrEqual(want.maxPeriodsAfterFirstAnomaly);
    const weights = flags['checkout-publisher'].fallthrough.rollout.variations.map((v: { weight: number }) => v.weight);
    expect(weights).toEqual(want.rollbacks[0].weights);
    expect(flags['checkout-publisher'].prerequisites).toEqual([{ key: 'checkout-v2', variation: 0 }]);
    expect(flags['checkout-v2']).toMatchObject({ on: true });
    // Contexts reached the default rule (the prerequisite was met): about 15% were served a treatment before, about 3% after.
    const shares = /([\d.]+)% of 10000 contexts got the new variation before, ([\d.]+)% after/.exec(done[0]!.outcome!.detail);
    expect(Number(shares![1])).toBeGreaterThan(13);
    expect(Number(shares![2])).toBeGreaterThan(2);
    expect(Number(shares![2])).toBeLessThan(4);
    const alert = result.alerts.find((a) => a.kind === 'episode')!;
    for (const name of want.alertNames) expect(`${alert.title}\n${alert.text}`).toContain(name);
  });
});
