import { describe, expect, it } from 'vitest';
import { defaultConfig, parseConfig } from '../../../lambdas/core/config.ts';
import type { Attribution, Candidate } from '../../../lambdas/core/correlation.ts';
import { decide, type PolicyContext } from '../../../lambdas/core/policy.ts';
import { type Freeze } from '../../../lambdas/core/freeze.ts';
import type { RolloutStep } from '../../../lambdas/core/release.ts';

const MINUTE = 60_000;
const step: RolloutStep = { kind: 'rollout-step', id: 's', time: 0, flag: 'storm', environment: 'production', target: { kind: 'fallthrough' }, fromPercent: 5, toPercent: 25 };
const candidate = (release: Candidate['release'] = step): Candidate => ({ release, lagMs: 0, proximity: 1, response: 1, confidence: 0.95 });
const attributed = (release?: Candidate['release']): Attribution => ({ kind: 'attributed', best: candidate(release), candidates: [candidate(release)] });
const context = (overrides: Partial<PolicyContext> = {}): PolicyContext => ({
  now: 10 * MINUTE,
  freezeOf: () => undefined,
  lastRollbackAt: () => undefined,
  currentPercent: () => 25,
  ...overrides,
});

describe('decide', () => {
  it('reads a flag policy by its own key only: flags keyed constructor or toString are guarded like any other', () => {
    for (const flag of ['constructor', 'toString', 'hasOwnProperty']) {
      const release = { ...step, flag };
      expect(decide(attributed(release), defaultConfig(), context()), flag).toMatchObject({ kind: 'rollback', toPercent: 5 });
    }
  });

  it('rolls back to the previous step', () => {
    expect(decide(attributed(), defaultConfig(), context())).toMatchObject({ kind: 'rollback', toPercent: 5, turnOff: false });
  });

  it('rolls back to zero or off where configured, per flag or for all', () => {
    expect(decide(attributed(), parseConfig('rollback: { to: zero }'), context())).toMatchObject({ kind: 'rollback', toPercent: 0 });
    expect(decide(attributed(), parseConfig('flags: { storm: { rollbackTo: off } }'), context())).toMatchObject({ kind: 'rollback', toPercent: 0, turnOff: true });
  });

  it('holds, with a reason, in order: no correlation, ambiguity, deploy, unguarded, frozen, cooldown, already low', () => {
    const config = defaultConfig();
    const reasons = [
      decide({ kind: 'none', candidates: [] }, config, context()),
      decide({ kind: 'ambiguous', best: candidate(), runnerUp: candidate({ ...step, flag: 'other' }), candidates: [] }, config, context()),
      decide(attributed({ kind: 'deploy', id: 'd', time: 0, service: 'api', version: '2', environment: 'production' }), config, context()),
      decide(attributed(), parseConfig('flags: { storm: { guarded: false } }'), context()),
      decide(attributed(), config, context({ freezeOf: () => ({ percent: 5 }) as Freeze })),
      decide(attributed(), config, context({ lastRollbackAt: () => 0 })),
      decide(attributed(), config, context({ currentPercent: () => 5 })),
    ].map((v) => (v.kind === 'hold' ? v.reason : 'rollback'));
    expect(reasons).toEqual([
      'no release correlates',
      'ambiguous: storm 5% → 25% and other 5% → 25% correlate alike',
      'the release is a deploy (api 2): Stormguard rolls back flags only',
      'flag storm is not guarded',
      'storm is frozen at 5% until acknowledged: its step-ups are reverted',
      'cooldown: storm was rolled back 10 min ago',
      'storm is already at 5%, at or below the rollback target 5%',
    ]);
  });

  it('lets a rollback through once the cooldown has passed', () => {
    expect(decide(attributed(), defaultConfig(), context({ lastRollbackAt: () => 10 * MINUTE - 61 * MINUTE })).kind).toBe('rollback');
  });
});
