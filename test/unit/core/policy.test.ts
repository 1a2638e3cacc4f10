import { describe, expect, it } from 'vitest';
import { defaultConfig, parseConfig } from '../../../lambdas/core/config.ts';
import type { Finding, WatchEvidence } from '../../../lambdas/core/finding.ts';
import type { Freeze } from '../../../lambdas/core/freeze.ts';
import { decide, type PolicyContext } from '../../../lambdas/core/policy.ts';
import type { ReleaseEvent, RolloutStep } from '../../../lambdas/core/release.ts';

const MINUTE = 60_000;
const step: RolloutStep = {
  kind: 'rollout-step',
  id: 's',
  time: 0,
  flag: 'storm',
  environment: 'production',
  target: { kind: 'fallthrough' },
  fromPercent: 5,
  toPercent: 25,
};
const evidence = (purpose: WatchEvidence['purpose'] = 'step'): WatchEvidence => ({
  kind: 'fast',
  purpose,
  cluster: 'events',
  signal: 'ConnectionCreationRate',
  onset: 0,
  candidates: ['storm 5% → 25%'],
  factor: 2.5,
  statistic: 9,
  threshold: 4,
  minFactor: 1.22,
  periods: 2,
  sd: 0.05,
  brokers: [],
});
const finding = (release: ReleaseEvent = step, purpose: WatchEvidence['purpose'] = 'step'): Finding => ({
  release,
  others: [],
  evidence: evidence(purpose),
  series: ['b1', 'b2'],
});
const context = (overrides: Partial<PolicyContext> = {}): PolicyContext => ({
  now: 10 * MINUTE,
  freezeOf: () => undefined,
  lastRollbackAt: () => undefined,
  currentPercent: () => 25,
  earlierPercents: () => [0, 1, 5],
  decided: () => false,
  ...overrides,
});

describe('decide', () => {
  it('reads a flag policy by its own key only: flags keyed constructor or toString are guarded like any other', () => {
    for (const flag of ['constructor', 'toString', 'hasOwnProperty']) {
      const release = { ...step, flag };
      expect(decide(finding(release), defaultConfig(), context()), flag).toMatchObject({ kind: 'rollback', toPercent: 5 });
    }
  });

  it('rolls back to the previous step, with the evidence in its reason', () => {
    const verdict = decide(finding(), defaultConfig(), context());
    expect(verdict).toMatchObject({ kind: 'rollback', toPercent: 5, turnOff: false, stepBack: false });
    expect(verdict.reason).toMatch(
      /^storm 5% → 25%: ConnectionCreationRate 2\.50x expected on events .*CUSUM 9\.00 ≥ 4\.00 over 2 periods/,
    );
  });

  it('rolls back to zero or off where configured, per flag or for all', () => {
    expect(decide(finding(), parseConfig('rollback: { to: zero }'), context())).toMatchObject({ kind: 'rollback', toPercent: 0 });
    expect(decide(finding(), parseConfig('flags: { storm: { rollbackTo: off } }'), context())).toMatchObject({
      kind: 'rollback',
      toPercent: 0,
      turnOff: true,
    });
  });

  it('holds, with a reason, in order: deploy, unguarded, already decided, frozen, cooldown, already low', () => {
    const config = defaultConfig();
    const reasons = [
      decide(finding({ kind: 'deploy', id: 'd', time: 0, service: 'api', version: '2', environment: 'production' }), config, context()),
      decide(finding(), parseConfig('flags: { storm: { guarded: false } }'), context()),
      decide(finding(), config, context({ decided: () => true })),
      decide(finding(), config, context({ freezeOf: () => ({ percent: 5 }) as Freeze })),
      decide(finding(), config, context({ lastRollbackAt: () => 0 })),
      decide(finding(), config, context({ currentPercent: () => 5 })),
    ].map((v) => (v.kind === 'hold' ? v.reason : 'rollback'));
    expect(reasons).toEqual([
      'the release is a deploy (api 2): Stormguard rolls back flags only',
      'flag storm is not guarded',
      'storm 5% → 25% is already rolled back',
      'storm is frozen at 5% until acknowledged: its step-ups are reverted',
      'cooldown: storm was rolled back 10 min ago',
      'storm is already at 5%, at or below the rollback target 5%',
    ]);
  });

  it('lets a rollback through once the cooldown has passed', () => {
    expect(decide(finding(), defaultConfig(), context({ lastRollbackAt: () => 10 * MINUTE - 61 * MINUTE })).kind).toBe('rollback');
  });

  it("steps back further on what persists, through the flag's earlier percentages: neither its own freeze nor the cooldown holds it back", () => {
    const frozen = context({ currentPercent: () => 5, freezeOf: () => ({ percent: 5 }) as Freeze, lastRollbackAt: () => 9 * MINUTE });
    expect(decide(finding(step, 'excess'), defaultConfig(), frozen)).toMatchObject({ kind: 'rollback', toPercent: 1, stepBack: true });
    expect(decide(finding(step, 'excess'), defaultConfig(), context({ currentPercent: () => 1 }))).toMatchObject({
      kind: 'rollback',
      toPercent: 0,
      stepBack: true,
    });
    expect(decide(finding(step, 'excess'), parseConfig('rollback: { to: off }'), context({ currentPercent: () => 1 }))).toMatchObject({
      toPercent: 0,
      turnOff: true,
    });
    expect(decide(finding(step, 'excess'), defaultConfig(), context({ currentPercent: () => 0 }))).toEqual({
      kind: 'hold',
      reason: 'storm is already at 0%: nothing lower to step back to',
    });
  });

  it("steps a heap climb that persisted at the lower percentage straight back to 0: it is the flag's at any percentage", () => {
    const heap: Finding = {
      ...finding(step, 'excess'),
      evidence: {
        kind: 'heap',
        purpose: 'excess',
        cluster: 'events',
        signal: 'HeapMemoryAfterGC',
        onset: 0,
        candidates: ['storm 5% → 25%'],
        slopeBefore: 0.1,
        slopeAfter: 1.2,
        level: 78,
        msToLimit: 6 * 3_600_000,
        limitPercent: 85,
        horizonMs: 6 * 3_600_000,
        brokers: [],
      },
    };
    const at5 = context({ currentPercent: () => 5 });
    expect(decide(heap, defaultConfig(), at5)).toMatchObject({ kind: 'rollback', toPercent: 0, turnOff: false, stepBack: true });
    expect(decide(heap, parseConfig('rollback: { to: off }'), at5)).toMatchObject({ toPercent: 0, turnOff: true });
    expect(decide(finding(step, 'excess'), defaultConfig(), at5)).toMatchObject({ toPercent: 1 });
  });

  it('never steps back a flag that is not guarded', () => {
    expect(decide(finding(step, 'excess'), parseConfig('flags: { storm: { guarded: false } }'), context())).toEqual({
      kind: 'hold',
      reason: 'flag storm is not guarded',
    });
  });
});
