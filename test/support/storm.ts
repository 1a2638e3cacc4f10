/** The storm the effects and tick tests drive: a 1% rollout step at minute 60 that triples ConnectionCreationRate. */
import type { RolloutStep } from '../../lambdas/core/release.ts';

export const MINUTE = 60_000;

/** Flag `storm` in production, 0% → 1% at minute 60. */
export const stormStep: RolloutStep = {
  kind: 'rollout-step',
  id: 's1',
  time: 60 * MINUTE,
  flag: 'storm',
  environment: 'production',
  target: { kind: 'fallthrough' },
  fromPercent: 0,
  toPercent: 1,
};

/** A broker's ConnectionCreationRate at `time`: 10 a minute, 30 from the step on, with a little noise of its own. */
export const stormRate = (time: number, broker: number) =>
  (time >= stormStep.time ? 30 : 10) * (1 + 0.05 * Math.sin(time / MINUTE + 1 + broker));
