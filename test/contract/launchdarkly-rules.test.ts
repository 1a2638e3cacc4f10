/**
 * Rollbacks behind a targeting rule and of multivariate flags, against LaunchDarkly's own spec: the
 * JSON Patch the controller sends, and the semantic patch an approval request carries, each
 * validated by Prism; the semantic patch is also sent as a flag PATCH, so that its instruction is
 * checked against the flag endpoint's schema and its effect on the flag seen.
 */
import { describe, expect, it } from 'vitest';
import type { LaunchDarklyOptions } from '../../lambdas/adapters/launchdarkly/flag-controller.ts';
import { type RolloutTarget, targetLabel } from '../../lambdas/core/release.ts';
import { servedPercent } from '../../lambdas/formats/launchdarkly.ts';
import { type RestFlag, restFlag, specAvailable } from '../support/launchdarkly.ts';
import { controllerFor, rollback, useFakeLaunchDarkly } from '../support/launchdarkly-controller.ts';
import { multivariateFlag } from '../support/launchdarkly-flags.ts';

const fake = useFakeLaunchDarkly();
const controller = (options: Partial<LaunchDarklyOptions> = {}) => controllerFor(fake, options);
const EU: RolloutTarget = { kind: 'rule', ruleId: 'rule-eu', label: 'EU customers' };
const patches = () => fake.ld.requests.filter((r) => r.method === 'PATCH');
const production = () => fake.ld.flags.get('storm')!.environments.production!;

/** The default rule at 10%, a US rule serving the treatment to all, an EU rule at 50%. */
function ruledFlag(): RestFlag {
  const flag = restFlag('storm', 'production', 10, [
    { _id: 'rule-us', percent: 100 },
    { _id: 'rule-eu', percent: 50 },
  ]);
  const [us, eu] = flag.environments.production!.rules;
  us!.clauses = [{ attribute: 'region', op: 'in', values: ['us'] }];
  Object.assign(eu!, { description: 'EU customers', clauses: [{ attribute: 'region', op: 'in', values: ['eu'] }] });
  return flag;
}

/** The approval request's instructions, then the same instructions sent as a semantic patch of the flag. */
async function approvalThenSemanticPatch(target: RolloutTarget, percent: number, options: Partial<LaunchDarklyOptions> = {}) {
  fake.ld.script.push({ method: 'PATCH', status: 405 });
  const outcome = await controller({ onApprovalRequired: 'request-approval', ...options }).setRollout(rollback(percent, { target }));
  expect(outcome.status).toBe('awaiting-approval');
  const { instructions } = fake.ld.requests.find((r) => r.method === 'POST')!.body as { instructions: unknown[] };
  const response = await fetch(`${fake.ld.url}/api/v2/flags/default/storm`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/json; domain-model=launchdarkly.semanticpatch', Authorization: 'api-x' },
    body: JSON.stringify({ environmentKey: 'production', comment: 'approved', instructions }),
  });
  expect(response.status).toBe(200);
  return instructions;
}

describe.skipIf(!specAvailable)('LaunchDarklyFlagController: a rollout behind a rule', () => {
  it("rolls back the rule's rollout with a JSON patch that names the rule, and leaves the default rule and the other rules alone", async () => {
    fake.ld.flags.set('storm', ruledFlag());
    const outcome = await controller().setRollout(rollback(5, { target: EU }));
    expect(outcome).toEqual({
      status: 'applied',
      detail: 'LaunchDarkly: storm in production (rule "EU customers" (rule-eu)) 50% → 5%, verified by reading the flag back',
    });
    expect(patches()[0]!.body).toMatchObject({
      patch: [
        { op: 'test', path: '/version', value: 1 },
        { op: 'test', path: '/environments/production/rules/1/_id', value: 'rule-eu' },
        { op: 'replace', path: '/environments/production/rules/1/rollout/variations' },
      ],
    });
    expect(servedPercent(production(), EU)).toBe(5);
    expect(servedPercent(production(), { kind: 'fallthrough' })).toBe(10);
    expect(servedPercent(production(), { kind: 'rule', ruleId: 'rule-us' })).toBe(100);
  });

  it('asks for approval with updateRuleVariationOrRollout for that rule, weights by variation id', async () => {
    fake.ld.flags.set('storm', ruledFlag());
    const instructions = await approvalThenSemanticPatch(EU, 5);
    expect(instructions).toEqual([
      { kind: 'updateRuleVariationOrRollout', ruleId: 'rule-eu', rolloutWeights: { 'storm-true': 5000, 'storm-false': 95000 } },
    ]);
    expect(servedPercent(production(), EU)).toBe(5);
    expect(servedPercent(production(), { kind: 'rule', ruleId: 'rule-us' })).toBe(100);
    // The approval applies absolute weights, with no version test: the approver is told what was read, and when to reject it.
    const { description } = fake.ld.requests.find((r) => r.method === 'POST')!.body as { description: string };
    expect(description).toMatch(
      /^Stormguard rollback of storm rule .* to 5% \(it served \d+(\.\d+)?% at version \d+\)\. If it serves less now, reject this request: approving it would raise it back to 5%\.$/,
    );
  });

  it('says which rule the flag does not have', async () => {
    fake.ld.flags.set('storm', ruledFlag());
    const outcome = await controller().setRollout(rollback(5, { target: { kind: 'rule', ruleId: 'rule-apac', label: 'APAC' } }));
    expect(outcome).toEqual({
      status: 'failed',
      detail: `storm in production has no ${targetLabel({ kind: 'rule', ruleId: 'rule-apac', label: 'APAC' })} to roll back`,
    });
    expect(patches()).toEqual([]);
  });

  it('leaves a disabled rule as it is: it serves no one, whatever its weights', async () => {
    const flag = ruledFlag();
    Object.assign(flag.environments.production!.rules[1]!, { disabled: true });
    fake.ld.flags.set('storm', flag);
    expect((await controller().setRollout(rollback(0, { target: EU }))).status).toBe('unchanged');
    expect(patches()).toEqual([]);
  });
});

describe.skipIf(!specAvailable)('LaunchDarklyFlagController: a multivariate flag', () => {
  it('rolls 30% back to 3%, the two treatments in proportion (largest remainder), in one JSON patch', async () => {
    fake.ld.flags.set('storm', multivariateFlag('storm', 'production', [70_000, 20_000, 10_000]));
    expect((await controller().setRollout(rollback(3))).detail).toMatch(/30% → 3%/);
    expect(production().fallthrough.rollout!.variations).toEqual([
      { variation: 0, weight: 97_000 },
      { variation: 1, weight: 2_000 },
      { variation: 2, weight: 1_000 },
    ]);
  });

  it('splits an uneven share by largest remainder: the weights sum to exactly 100000', async () => {
    fake.ld.flags.set('storm', multivariateFlag('storm', 'production', [70_000, 20_000, 10_000]));
    await controller().setRollout(rollback(0.001));
    expect(production().fallthrough.rollout!.variations.map((v) => v.weight)).toEqual([99_999, 1, 0]);
  });

  it('asks for approval with updateFallthroughVariationOrRollout weighing all three variations', async () => {
    fake.ld.flags.set('storm', multivariateFlag('storm', 'production', [70_000, 20_000, 10_000]));
    const instructions = await approvalThenSemanticPatch({ kind: 'fallthrough' }, 3);
    expect(instructions).toEqual([
      {
        kind: 'updateFallthroughVariationOrRollout',
        rolloutWeights: { 'storm-inline': 97_000, 'storm-batched': 2_000, 'storm-per-request': 1_000 },
      },
    ]);
    expect(servedPercent(production(), { kind: 'fallthrough' })).toBe(3);
  });

  it('measures exposure against a configured control variation instead of the off variation', async () => {
    fake.ld.flags.set('storm', multivariateFlag('storm', 'production', [70_000, 20_000, 10_000]));
    const outcome = await controller({ controls: { storm: 1 } }).setRollout(rollback(40));
    expect(outcome.detail).toMatch(/80% → 40%/);
    expect(production().fallthrough.rollout!.variations).toEqual([
      { variation: 0, weight: 35_000 },
      { variation: 1, weight: 60_000 },
      { variation: 2, weight: 5_000 },
    ]);
  });
});
