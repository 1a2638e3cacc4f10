import { describe, expect, it } from 'vitest';
import { planRead, unguardedWarning, watchedRelease } from '../../../lambdas/core/cadence.ts';
import { parseConfig } from '../../../lambdas/core/config.ts';
import { guardrailIsStale } from '../../../lambdas/core/freshness.ts';
import type { ReleaseEvent } from '../../../lambdas/core/release.ts';

const MINUTE = 60_000;
const t0 = Date.parse('2025-08-28T12:00:00Z');
const config = parseConfig('cadence: { idleMinutes: 5, watchMinutes: 180 }\n');
const step = (time: number, environment = 'production'): ReleaseEvent => ({
  kind: 'rollout-step',
  id: `s${time}`,
  time,
  flag: 'f',
  environment,
  target: { kind: 'fallthrough' },
  fromPercent: 0,
  toPercent: 1,
});
const deploy = (time: number): ReleaseEvent => ({
  kind: 'deploy',
  id: `d${time}`,
  time,
  service: 'api',
  version: '2',
  environment: 'production',
});

describe('the read cadence', () => {
  it('defaults to reading every 5 minutes, every minute for 3 hours after a release', () => {
    expect(parseConfig('').cadence).toEqual({ idleMinutes: 5, watchMinutes: 180 });
  });

  it('reads on the first run, then every idleMinutes of periods while nothing is watched', () => {
    expect(planRead({ evaluatedAt: null }, t0, t0, [], config)).toMatchObject({ read: true, reason: 'first' });
    const reads = [];
    for (let m = 1; m <= 15; m++)
      if (planRead({ evaluatedAt: reads.at(-1) ?? t0 }, t0 + m * MINUTE, t0 + m * MINUTE, [], config).read) reads.push(t0 + m * MINUTE);
    expect(reads.map((t) => (t - t0) / MINUTE)).toEqual([5, 10, 15]);
  });

  it('reads every period from a release in the guarded environment (a step or a deploy) until its watch ends, counted from its own time', () => {
    for (const release of [step(t0 + 2 * MINUTE), deploy(t0 + 2 * MINUTE)]) {
      expect(planRead({ evaluatedAt: t0 }, t0 + MINUTE, t0 + 1 * MINUTE, [release], config).read).toBe(false); // not happened yet
      expect(planRead({ evaluatedAt: t0 }, t0 + MINUTE, t0 + 2 * MINUTE, [release], config)).toMatchObject({
        read: true,
        reason: 'watch',
        watching: release,
      });
      expect(planRead({ evaluatedAt: t0 }, t0 + MINUTE, t0 + 181 * MINUTE, [release], config).read).toBe(true);
      expect(planRead({ evaluatedAt: t0 + 180 * MINUTE }, t0 + 181 * MINUTE, t0 + 182 * MINUTE, [release], config).read).toBe(false);
    }
    // Another environment's steps start no watch.
    expect(planRead({ evaluatedAt: t0 }, t0 + MINUTE, t0 + 3 * MINUTE, [step(t0 + 2 * MINUTE, 'staging')], config).read).toBe(false);
  });

  it('starts the watch from the release time when the release is seen late, and not at all once it would have ended', () => {
    const late = step(t0 - 60 * MINUTE);
    expect(watchedRelease([late], t0, config)).toBe(late);
    expect(watchedRelease([step(t0 - 180 * MINUTE)], t0, config)).toBeUndefined();
  });

  it('reads every period while an episode is open or alerts are owed', () => {
    expect(planRead({ evaluatedAt: t0, busy: true }, t0 + MINUTE, t0 + MINUTE, [], config)).toMatchObject({ read: true, reason: 'busy' });
  });

  it('never reads a run that would evaluate nothing new', () => {
    expect(planRead({ evaluatedAt: t0 }, t0, t0 + MINUTE, [step(t0)], config).read).toBe(false);
  });

  it('does not call the guardrail stale between idle reads', () => {
    // The last evaluation at t0; the next at t0 + 5 min, run 2 min later (publish delay), up to a minute late.
    expect(guardrailIsStale(t0, t0 + 8 * MINUTE, config)).toBe(false);
    expect(guardrailIsStale(t0, t0 + 30 * MINUTE, config)).toBe(true);
  });

  it('says how many rollout steps are outside the guarded environment, in which, and where the guarded one is set', () => {
    expect(unguardedWarning([step(t0), deploy(t0)], config)).toBeUndefined();
    expect(unguardedWarning([step(t0, 'production'), step(t0 + MINUTE, 'production')], parseConfig('environment: prod\n'))).toBe(
      '2 of 2 rollout steps are in environment "production", not the guarded "prod": never watched nor rolled back (the guarded environment is `environment` in the configuration)',
    );
    const many = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((env, i) => step(t0 + i, env));
    expect(unguardedWarning([...many, step(t0, 'production')], config)).toMatch(
      /^7 of 8 rollout steps are in environments "a", "b", "c", "d", "e", 2 more, not the guarded "production"/,
    );
  });

  it('says nothing of deploys elsewhere (a pipeline deploys to staging too), and still warns where the deploys match and the flags do not', () => {
    const staging = { ...deploy(t0), environment: 'staging' };
    expect(unguardedWarning([staging, step(t0 + MINUTE), staging], config)).toBeUndefined();
    // `environment: prod`, deploys tagged prod, LaunchDarkly's key production: every flag step is dropped.
    const prod = parseConfig('environment: prod\n');
    expect(unguardedWarning([{ ...deploy(t0), environment: 'prod' }, step(t0 + MINUTE, 'production')], prod)).toBe(
      '1 of 1 rollout step is in environment "production", not the guarded "prod": never watched nor rolled back (the guarded environment is `environment` in the configuration)',
    );
  });
});
