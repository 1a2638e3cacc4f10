/** `stormguard gate --rule`: the gate per rollout target, on the state a replay of the storm behind a rule leaves. */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FileStateStore } from '../../lambdas/adapters/local/state-files.ts';
import { newFolder, stormguard } from '../support/cli.ts';

const FLAG = 'checkout-producer-per-request';
let state: string;
beforeAll(async () => {
  state = join(await newFolder(), 'state');
  expect((await stormguard('replay', '--scenario', 'storm-behind-rule', '--state', state, '--json')).code).toBe(0);
}, 60_000);
const gate = (...extra: string[]) => stormguard('gate', '--flag', FLAG, '--env', 'production', '--to', '10', '--state', state, ...extra);

describe('stormguard gate --rule', () => {
  it('denies a step up of the rolled-back rule, naming it by its description; without --rule, asks for the target', async () => {
    const answer = await gate('--rule', 'rule-eu');
    expect(answer.code).toBe(1);
    expect(answer.out).toMatch(/frozen: checkout-producer-per-request rule "EU customers" \(rule-eu\) is frozen at 0%/);
    const unnamed = await gate();
    expect([unnamed.code, unnamed.out]).toEqual([2, '']);
    expect(unnamed.err).toMatch(/has a rollout behind rule "EU customers" \(rule-eu\): name the step's target with --rule ID/);
    expect((await gate('--rule', 'rule-eu')).out).toMatch(
      /^deny: checkout-producer-per-request \(rule "EU customers" \(rule-eu\)\) in production → 10%/,
    );
  });

  it("a rule the flag has no rollout on yet is judged as its first step: the other rule's freeze is not its", async () => {
    const { code, out, err } = await gate('--rule', 'rule-apac');
    expect(err).toBe('');
    expect([0, 1]).toContain(code);
    expect(out).toMatch(/^(allow|deny): checkout-producer-per-request \(rule rule-apac\) in production → 10%/);
    expect(out).not.toMatch(/frozen/);
  });

  it('with several guarded targets and no --rule, a usage error (exit 2) that says how to name one', async () => {
    const store = new FileStateStore(state);
    const loaded = (await store.load())!;
    loaded.setPercents[`${FLAG}/production/fallthrough`] = { percent: 0, time: loaded.evaluatedAt! };
    await store.save(loaded);
    const { code, err } = await gate();
    expect(code).toBe(2);
    expect(err).toMatch(/has 2 guarded targets \(fallthrough, rule "EU customers" \(rule-eu\)\): name the step's target with --rule ID/);
    // The default rule is not frozen: whatever else the gate says of it, not that.
    const fallthrough = await gate('--rule', 'fallthrough');
    expect(fallthrough.err).toBe('');
    expect(fallthrough.out).toMatch(/^(allow|deny): checkout-producer-per-request \(fallthrough\) in production → 10%/);
    expect(fallthrough.out).not.toMatch(/frozen/);
  });
});
