/**
 * A flag's rollout percentage for one target, as the guardrail knows it at `now`: the later of the
 * timeline's last step and the guardrail's own change (a rollback or revert it made). Undefined
 * when there is neither. The one rule for the engine, the gate and the run's report.
 */

import type { FlagMemory } from './freeze.ts';
import { type ReleaseEvent, type RolloutTarget, targetKey, targetName } from './release.ts';

export function knownPercent(
  state: Pick<FlagMemory, 'setPercents'>,
  releases: readonly ReleaseEvent[],
  flag: string,
  environment: string,
  target: RolloutTarget,
  now: number,
): { percent: number; time: number } | undefined {
  const name = targetName(target);
  let latest: { percent: number; time: number } | undefined;
  for (const r of releases) {
    if (r.time > now) break;
    if (r.kind === 'rollout-step' && r.flag === flag && r.environment === environment && targetName(r.target) === name)
      latest = { percent: r.toPercent, time: r.time };
  }
  const own = state.setPercents[targetKey(flag, environment, target)];
  return own && (!latest || own.time >= latest.time) ? own : latest;
}
