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
  it('denies a step up of the rolled-back rule, naming it by its description; --rule is not needed where it is the only target', async () => {
    for (const answer of [await gate('--rule', 'rule-eu'), await gate()]) {
      expect(answer.code).toBe(1);
      expect(answer.out).toMatch(/frozen: checkout-producer-per-request rule "EU customers" \(rule-eu\) is frozen at 0%/);
    }
    expect((await gate('--rule', 'rule-eu')).out).toMatch(
      /^deny: checkout-producer-per-request \(rule "EU customers" \(rule-eu\)\) in production → 10%/,
    );
  });

  it('a rule the flag has no guarded rollout on is a usage error (exit 2) that lists the targets there are', async () => {
    const { code, out, err } = await gate('--rule', 'rule-apac');
    expect([code, out]).toEqual([2, '']);
    expect(err).toMatch(
      /--rule`: checkout-producer-per-request in production has no guarded rollout on rule rule-apac \(its targets: rule "EU customers" \(rule-eu\)\)/,
    );
  });

  it('with several guarded targets and no --rule, a usage error (exit 2) that says how to name one', async () => {
    const store = new FileStateStore(state);
    const loaded = (await store.load())!;
    loaded.setPercents[`${FLAG}/production/fallthrough`] = { percent: 0, time: loaded.evaluatedAt! };
    await store.save(loaded);
    const { code, err } = await gate();
    expect(code).toBe(2);
    expect(err).toMatch(/has 2 guarded targets \(fallthrough, rule "EU customers" \(rule-eu\)\): name one with --rule ID/);
    // The default rule is not frozen: whatever else the gate says of it, not that.
    const fallthrough = await gate('--rule', 'fallthrough');
    expect(fallthrough.err).toBe('');
    expect(fallthrough.out).toMatch(/^(allow|deny): checkout-producer-per-request \(fallthrough\) in production → 10%/);
    expect(fallthrough.out).not.toMatch(/frozen/);
  });
});
