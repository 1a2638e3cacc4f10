/**
 * The LaunchDarkly flag controller never raises exposure: whatever someone sets in LaunchDarkly
 * between its read and its patch, the version test refuses the stale change (against the spec mock).
 */
import { describe, expect, it } from 'vitest';
import type { LaunchDarklyOptions } from '../../lambdas/adapters/launchdarkly/flag-controller.ts';
import { DeadlineExceededError } from '../../lambdas/core/errors.ts';
import { servedPercent } from '../../lambdas/formats/launchdarkly.ts';
import { restFlag, specAvailable } from '../support/launchdarkly.ts';
import { controllerFor, rollback, useFakeLaunchDarkly } from '../support/launchdarkly-controller.ts';

const fake = useFakeLaunchDarkly();
const controller = (options: Partial<LaunchDarklyOptions> = {}) => controllerFor(fake, options);

/** What the flag serves now in the fake, in percent. */
const serving = () => servedPercent(fake.ld.flags.get('storm')!.environments.production!, { kind: 'fallthrough' });

describe.skipIf(!specAvailable)('LaunchDarklyFlagController never raises exposure (the stale-read test)', () => {
  /** Someone sets the flag to `percent` after the controller read it, before its patch lands. */
  const someoneSetsBeforePatch = (percent: number, times = 1) => {
    let left = times;
    fake.ld.onRequest = (request) => {
      if (request.method === 'PATCH' && left-- > 0) fake.ld.setPercent('storm', 'production', percent);
    };
  };

  it('someone sets 0% between the read and the patch: the patch is refused (409), the flag stays at 0%', async () => {
    fake.ld.flags.set('storm', restFlag('storm', 'production', 25));
    someoneSetsBeforePatch(0);
    const outcome = await controller().setRollout(rollback(5));
    expect(outcome).toEqual({
      status: 'unchanged',
      detail:
        'LaunchDarkly: storm in production already serves 0%; someone changed it while Stormguard was changing it, and it was left as they set it',
    });
    expect(serving()).toBe(0);
    expect(fake.ld.requests.map((r) => r.method)).toEqual(['GET', 'PATCH', 'GET']);
  });

  it('whatever someone sets in between, the flag ends at min(target, what they set), never above either', async () => {
    const cases: string[] = [];
    for (const target of [0, 1, 5]) {
      for (const between of [0, 1, 3, 5, 10, 25, 50, 100]) {
        fake.ld.flags.set('storm', restFlag('storm', 'production', 25));
        someoneSetsBeforePatch(between);
        const outcome = await controller().setRollout(rollback(target));
        cases.push(`${target}/${between}: ${serving()} ${outcome.status}`);
        expect(serving()).toBe(Math.min(target, between));
        expect(outcome.status).toBe(between <= target ? 'unchanged' : 'applied');
      }
    }
    expect(cases).toHaveLength(24);
  });

  it('gives up, writing nothing, when the flag keeps changing under it', async () => {
    fake.ld.flags.set('storm', restFlag('storm', 'production', 25));
    someoneSetsBeforePatch(50, 3);
    const outcome = await controller().setRollout(rollback(5));
    expect(outcome).toMatchObject({
      status: 'failed',
      detail: expect.stringMatching(
        /refused the version-checked change to storm 3 times \(last: 409 optimistic_locking_error.*nothing was written/,
      ),
    });
    expect(serving()).toBe(50);
  });

  it("a Retry-After past the run's deadline is not waited for: the change is left for the next run", async () => {
    fake.ld.flags.set('storm', restFlag('storm', 'production', 25));
    fake.ld.script.push({ method: 'PATCH', status: 429, headers: { 'Retry-After': '30' } });
    const started = Date.now();
    await expect(controller({ deadline: () => 1_000_000 + 10_000 }).setRollout(rollback(5))).rejects.toThrow(DeadlineExceededError);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(fake.waits).toEqual([]);
    expect(serving()).toBe(25);
  });
});
