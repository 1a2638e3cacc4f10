/**
 * The storm flag the tests roll out, freeze and roll back (`storm` in production, its
 * fallthrough), as real-shaped domain values; and the storm the effects and tick tests drive: a 1%
 * step at minute 60 that triples ConnectionCreationRate.
 */
import type { Decision } from '../../lambdas/core/decision.ts';
import type { Freeze } from '../../lambdas/core/freeze.ts';
import type { RolloutStep } from '../../lambdas/core/release.ts';

export const MINUTE = 60_000;

/** A rollout step of `storm` in production's fallthrough: `step` says which and when. */
export const stormRolloutStep = ({
  id,
  time,
  ...step
}: Pick<RolloutStep, 'id' | 'time' | 'fromPercent' | 'toPercent'> & Partial<RolloutStep>): RolloutStep => ({
  kind: 'rollout-step',
  id,
  time,
  flag: 'storm',
  environment: 'production',
  target: { kind: 'fallthrough' },
  ...step,
});

/** Flag `storm` in production, 0% → 1% at minute 60. */
export const stormStep: RolloutStep = stormRolloutStep({ id: 's1', time: 60 * MINUTE, fromPercent: 0, toPercent: 1 });

/** A broker's ConnectionCreationRate at `time`: 10 a minute, 30 from the step on, with a little noise of its own. */
export const stormRate = (time: number, broker: number) =>
  (time >= stormStep.time ? 30 : 10) * (1 + 0.05 * Math.sin(time / MINUTE + 1 + broker));

/** `storm` frozen at 0% in production's fallthrough since `freeze.since`, by decision `freeze.decisionId`. */
export const stormFreeze = (freeze: Pick<Freeze, 'since' | 'decisionId'> & Partial<Freeze>): Freeze => ({
  flag: 'storm',
  environment: 'production',
  target: { kind: 'fallthrough' },
  percent: 0,
  ...freeze,
});

/** The decision to roll `storm` back from 1% to 0% in production, enforced: `decision` names it and says when and why. */
export const stormRollback = ({ id, time, ...decision }: Pick<Decision, 'id' | 'time' | 'reason'> & Partial<Decision>): Decision => ({
  id,
  time,
  action: 'rollback',
  mode: 'enforce',
  flag: 'storm',
  environment: 'production',
  target: { kind: 'fallthrough' },
  fromPercent: 1,
  toPercent: 0,
  turnOff: false,
  evidence: {},
  ...decision,
});
